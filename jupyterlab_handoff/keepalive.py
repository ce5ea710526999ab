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

The same record of runs in flight (``RunTracker``) also keeps the whole
server looking active to JupyterHub's idle culler (see activity.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

NBMODEL_SCHEMA = "https://events.jupyter.org/jupyter_server_nbmodel/cell_execution/v1"


@dataclass
class Run:
    """One execution in flight, as nbmodel announced it."""

    room_id: str
    cell_id: str | None
    # time.monotonic() when the execution started.
    started: float = field(default_factory=time.monotonic)


class RunTracker:
    """The executions in flight per room, from nbmodel's events."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._runs: dict[str, list[Run]] = {}
        self._changed = asyncio.Condition()
        self._clock = clock
        #: clock() when the last execution ended, None before the first one.
        self.last_end: float | None = None

    def running(self, room_id: str) -> int:
        """How many executions of this room are in flight."""
        return len(self._runs.get(room_id, ()))

    def runs(self) -> list[Run]:
        """Every execution in flight, oldest first per room."""
        return [run for runs in self._runs.values() for run in runs]

    async def on_event(self, logger: Any, schema_id: str, data: dict) -> None:
        room_id = data.get("document_id")
        if not room_id:
            return
        cell_id = data.get("cell_id")
        event = data.get("event_type")
        if event == "execution_start":
            self._runs.setdefault(room_id, []).append(Run(room_id, cell_id, self._clock()))
        elif event == "execution_end":
            runs = self._runs.get(room_id, [])
            # A kernel runs one cell at a time: the run that ends is the
            # oldest of this cell (or of the room, if the ids disagree).
            match = next((run for run in runs if run.cell_id == cell_id), None)
            if match is None and runs:
                match = runs[0]
            if match is not None:
                runs.remove(match)
                self.last_end = self._clock()
            if not runs:
                self._runs.pop(room_id, None)
        async with self._changed:
            self._changed.notify_all()

    def rooms(self) -> list[str]:
        """The rooms with at least one execution in flight."""
        return list(self._runs)

    async def until_any(self) -> None:
        """Wait until some execution is in flight."""
        async with self._changed:
            await self._changed.wait_for(lambda: bool(self._runs))

    async def until_idle(self, room_id: str) -> None:
        """Wait until no execution of this room is in flight."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.running(room_id) == 0)


class RoomKeepalive:
    """Hold a room's deletion while any of its executions runs."""

    def __init__(
        self, websocket_server: Any, tracker: RunTracker, grace: float, log: Any
    ) -> None:
        original = websocket_server.delete_room

        async def delete_room(*, name: str | None = None, room: Any = None) -> None:
            room_id = name if name is not None else _room_id(websocket_server, room)
            # Cancelled, like the cleanup task it runs in, when a client
            # comes back. A run that starts during the grace period holds
            # the room again.
            while room_id is not None and tracker.running(room_id) > 0:
                log.info("jupyterlab_handoff: keeping %s while a cell runs", room_id)
                await tracker.until_idle(room_id)
                await asyncio.sleep(grace)
            await original(name=name, room=room)

        websocket_server.delete_room = delete_room


def _room_id(websocket_server: Any, room: Any) -> str | None:
    for name, candidate in websocket_server.rooms.items():
        if candidate is room:
            return name
    return None


def load(serverapp: Any) -> None:
    """Track nbmodel's executions; hold rooms, save them and report activity for them."""
    from . import savedhash, saving, shutdown

    # Independent of the rest: a stop with tabs connected must not hang,
    # whichever execution server runs (see shutdown.py).
    shutdown.install()
    try:
        from jupyter_server_ydoc.app import YDocExtension
    except ImportError:
        return
    ydoc = next(
        (
            ext
            for ext in serverapp.extension_manager.extension_apps.get("jupyter_server_ydoc", ())
            if isinstance(ext, YDocExtension)
        ),
        None,
    )
    if ydoc is None or getattr(ydoc, "ywebsocket_server", None) is None:
        serverapp.log.warning("jupyterlab_handoff: no collaboration rooms, no keepalive")
        return
    # Whoever runs cells: a write must not leave tabs a stale hash (savedhash.py).
    savedhash.install(ydoc.ywebsocket_server, serverapp.log)
    try:
        from jupyter_server_nbmodel.event_logger import event_logger
    except ImportError:
        return
    tracker = RunTracker()
    event_logger.add_listener(schema_id=NBMODEL_SCHEMA, listener=tracker.on_event)

    delay = ydoc.document_cleanup_delay
    # How long after a run the document still needs: until its room would
    # have been dropped, and at least until its debounced save happened.
    after = max(delay or 0, (ydoc.document_save_delay or 0) + 1)
    if delay is not None:  # None: rooms are never dropped.
        RoomKeepalive(ydoc.ywebsocket_server, tracker, after, serverapp.log)
        serverapp.log.info("jupyterlab_handoff: rooms stay open while cells run")

    saving.install(ydoc, tracker, serverapp.log).start()
    serverapp.log.info(
        "jupyterlab_handoff: running cells are saved every %s s and at stop", saving.SAVE_INTERVAL
    )

    from .activity import start_activity

    start_activity(serverapp, tracker, after)
