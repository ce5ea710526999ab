"""Which collaboration rooms have a cell running on the server.

jupyter-server-nbmodel emits a ``cell_execution`` event when it starts and
ends each execution, with the room id as ``document_id``. The keepalive and
the saver both read this one count.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

NBMODEL_SCHEMA = "https://events.jupyter.org/jupyter_server_nbmodel/cell_execution/v1"


class RunTracker:
    """Count executions in flight per room."""

    def __init__(self) -> None:
        self._running: Counter[str] = Counter()
        self._changed = asyncio.Condition()

    def running(self, room_id: str) -> int:
        return self._running[room_id]

    def rooms(self) -> list[str]:
        """The rooms with at least one execution in flight."""
        return [room for room, n in self._running.items() if n > 0]

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

    async def until_idle(self, room_id: str) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self._running[room_id] == 0)

    async def until_any(self) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: bool(self.rooms()))
