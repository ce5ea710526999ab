"""Keeping a collaboration room open while one of its cells is queued or runs.

jupyverse closes a room ``yrooms.document_cleanup_delay`` seconds after its
last client leaves, and output written to a closed room is lost. A hold is a
silent client of the room: while it is there the room never schedules its
close. Releasing the last hold leaves the room as a departing client would,
so it closes one cleanup delay later (after the save timer has run).
"""

from __future__ import annotations

from typing import Any


class _Holder:
    """A room client that receives updates and sends nothing."""

    def __init__(self, room_id: str) -> None:
        self.id = room_id
        self.path = room_id

    async def send(self, message: bytes) -> None:
        pass

    def __aiter__(self) -> "_Holder":
        return self

    async def __anext__(self) -> bytes:
        raise StopAsyncIteration


class RoomHolds:
    def __init__(self) -> None:
        self._holds: dict[int, tuple[Any, _Holder, int]] = {}

    def count(self, room: Any) -> int:
        entry = self._holds.get(id(room))
        return entry[2] if entry else 0

    def hold(self, room: Any) -> None:
        key = id(room)
        if key in self._holds:
            r, holder, n = self._holds[key]
            self._holds[key] = (r, holder, n + 1)
            return
        holder = _Holder(room.id)
        room.clients.add(holder)
        # A close already scheduled (last client gone, waiting out the delay)
        # is called off, as a reconnecting client would.
        scope = getattr(room, "_close_room_cancel_scope", None)
        if scope is not None:
            scope.cancel()
            room._close_room_cancel_scope = None
        self._holds[key] = (room, holder, 1)

    def release(self, room: Any) -> None:
        key = id(room)
        entry = self._holds.get(key)
        if entry is None:
            return
        r, holder, n = entry
        if n > 1:
            self._holds[key] = (r, holder, n - 1)
            return
        del self._holds[key]
        # Leave as a client does: the room schedules its close if we were
        # the last one.
        room.task_group.start_soon(room._remove_client, holder)
