"""Keep a notebook's shared document in memory while the server runs its cells.

jupyter-collaboration drops a document's room ``document_cleanup_delay``
seconds after its last client leaves. jupyter-server-nbmodel holds the room's
document for the whole execution, so whatever a cell writes after the room is
dropped goes to a document nobody will open again: a tab opened later loads
the file and shows a cell stuck at ``[*]`` with its last outputs missing.

This defers the room's deletion while nbmodel reports an execution in flight
for it (its ``cell_execution`` events), and for one more cleanup delay after
the last one ends, so the final outputs are saved first. A client that
reconnects meanwhile cancels the deletion as usual.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .runs import RunTracker


class RoomKeepalive:
    """Hold room deletion while any execution of the room runs."""

    def __init__(self, websocket_server: Any, runs: RunTracker, grace: float, log: Any) -> None:
        self._runs = runs
        self._grace = grace
        self._log = log
        original = websocket_server.delete_room

        async def delete_room(*, name: str | None = None, room: Any = None) -> None:
            room_id = name if name is not None else _room_id(websocket_server, room)
            # Cancelled, like the cleanup task it runs in, when a client
            # comes back. A run that starts during the grace period holds
            # the room again.
            while room_id is not None and self._runs.running(room_id) > 0:
                self._log.info("jupyterlab_handoff: keeping %s while a cell runs", room_id)
                await self._runs.until_idle(room_id)
                await asyncio.sleep(self._grace)
            await original(name=name, room=room)

        websocket_server.delete_room = delete_room


def _room_id(websocket_server: Any, room: Any) -> str | None:
    for name, candidate in websocket_server.rooms.items():
        if candidate is room:
            return name
    return None


def install(ydoc: Any, runs: RunTracker, log: Any) -> None:
    """Hold rooms with runs in flight, unless rooms are never dropped."""
    delay = ydoc.document_cleanup_delay
    if delay is None:
        return  # Rooms are never dropped.
    grace = max(delay, (ydoc.document_save_delay or 0) + 1)
    RoomKeepalive(ydoc.ywebsocket_server, runs, grace, log)
    log.info("jupyterlab_handoff: rooms stay open while cells run")
