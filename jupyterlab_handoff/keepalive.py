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
from collections import Counter
from typing import Any

NBMODEL_SCHEMA = "https://events.jupyter.org/jupyter_server_nbmodel/cell_execution/v1"


class RoomKeepalive:
    """Count executions per room, and hold room deletion while any runs."""

    def __init__(self, websocket_server: Any, grace: float, log: Any) -> None:
        self._running: Counter[str] = Counter()
        self._changed = asyncio.Condition()
        self._grace = grace
        self._log = log
        original = websocket_server.delete_room

        async def delete_room(*, name: str | None = None, room: Any = None) -> None:
            room_id = name if name is not None else _room_id(websocket_server, room)
            # Cancelled, like the cleanup task it runs in, when a client
            # comes back. A run that starts during the grace period holds
            # the room again.
            while room_id is not None and self._running[room_id] > 0:
                self._log.info("jupyterlab_handoff: keeping %s while a cell runs", room_id)
                await self._until_idle(room_id)
                await asyncio.sleep(self._grace)
            await original(name=name, room=room)

        websocket_server.delete_room = delete_room

    async def on_event(self, logger: Any, schema_id: str, data: dict) -> None:
        room_id = data.get("document_id")
        if not room_id:
            return
        if data.get("event_type") == "execution_start":
            self._running[room_id] += 1
        elif data.get("event_type") == "execution_end" and self._running[room_id] > 0:
            self._running[room_id] -= 1
        async with self._changed:
            self._changed.notify_all()

    async def _until_idle(self, room_id: str) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self._running[room_id] == 0)


def _room_id(websocket_server: Any, room: Any) -> str | None:
    for name, candidate in websocket_server.rooms.items():
        if candidate is room:
            return name
    return None


def load(serverapp: Any) -> None:
    """Install the keepalive if both jupyter-collaboration and nbmodel run."""
    try:
        from jupyter_server_nbmodel.event_logger import event_logger
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
    delay = ydoc.document_cleanup_delay
    if delay is None:
        return  # Rooms are never dropped.
    grace = max(delay, (ydoc.document_save_delay or 0) + 1)
    keepalive = RoomKeepalive(ydoc.ywebsocket_server, grace, serverapp.log)
    event_logger.add_listener(schema_id=NBMODEL_SCHEMA, listener=keepalive.on_event)
    serverapp.log.info("jupyterlab_handoff: rooms stay open while cells run")
