"""Save what running cells printed: during the run, and when the server stops.

jupyter-collaboration saves a document ``document_save_delay`` seconds (1 by
default) after its *last* change, and every change restarts that timer. A
cell that prints more often than once a second is therefore never saved while
it runs. When the server stops, its rooms are stopped and the pending save is
cancelled, not done. The file then lacks everything the run printed, and the
next server, finding the file out of sync with its Y store, loads the
document from the file, which also deletes those outputs from a tab that
still showed them.

This saves each room with a run in flight every ``interval`` seconds while
its document has unsaved changes (so a killed server loses at most about that
much), and, on a clean stop, saves every room with a run in flight or an
autosave pending before jupyter-collaboration stops its rooms.
"""

from __future__ import annotations

import asyncio
from typing import Any

from . import notes
from .keepalive import RunTracker

SAVE_INTERVAL = 2.0  # seconds between saves of a room with a run in flight
STOP_TIMEOUT = 5.0  # the longest a clean stop waits for these saves


class RunSaver:
    """Save rooms of running cells periodically and at stop."""

    def __init__(
        self, websocket_server: Any, runs: RunTracker, log: Any, interval: float = SAVE_INTERVAL
    ) -> None:
        self._server = websocket_server
        self._runs = runs
        self._log = log
        self._interval = interval
        self._task: asyncio.Task | None = None
        self._warned = False
        # Per room, the document's state vector when we last saved it. The
        # document's own ``dirty`` flag is set by tabs, not by the server's
        # writes, so it cannot tell whether a running cell printed.
        self._saved_state: dict[str, bytes] = {}

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_event_loop().create_task(self._loop())

    async def stop(self) -> None:
        """Save what must be kept, then stop saving (a clean server stop)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        for run in self._runs.runs():
            try:
                mark_cut_short(self._server.rooms.get(run.room_id), run.cell_id)
            except Exception as error:  # still save every room
                self._log.warning("jupyterlab_handoff: could not mark %s: %r", run.cell_id, error)
        rooms = [
            room_id
            for room_id, room in list(self._server.rooms.items())
            if room_id in self._runs.rooms() or _autosave_pending(room)
        ]
        if not rooms:
            return
        self._log.info("jupyterlab_handoff: saving %d document(s) before stopping", len(rooms))
        saves = [asyncio.ensure_future(self.save(room_id)) for room_id in rooms]
        _, pending = await asyncio.wait(saves, timeout=STOP_TIMEOUT)
        if pending:
            self._log.warning(
                "jupyterlab_handoff: %d document(s) not saved within %s s", len(pending), STOP_TIMEOUT
            )

    async def save(self, room_id: str, only_if_dirty: bool = False) -> bool:
        """Save one room's document now; False if it was not saved."""
        room = self._server.rooms.get(room_id)
        save = getattr(room, "_save_to_disc", None)
        if room is None or save is None:
            if room is not None and not self._warned:
                self._warned = True
                self._log.warning("jupyterlab_handoff: this jupyter-collaboration cannot save rooms")
            return False
        state = _state(room)
        if only_if_dirty and state is not None and self._saved_state.get(room_id) == state:
            return False
        task = save()
        if task is None:  # the room is being loaded or reloaded
            return False
        try:
            # A later change may cancel this save's bookkeeping; the write
            # itself is shielded by jupyter-collaboration.
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if asyncio.current_task() is not None and asyncio.current_task().cancelling():
                raise
        if state is not None:
            self._saved_state[room_id] = state
        return True

    async def _loop(self) -> None:
        while True:
            await self._runs.until_any()
            await asyncio.sleep(self._interval)
            for room_id in list(self._saved_state):
                if room_id not in self._server.rooms:
                    del self._saved_state[room_id]
            for room_id in self._runs.rooms():
                try:
                    await self.save(room_id, only_if_dirty=True)
                except Exception as error:  # keep saving the other rooms
                    self._log.warning("jupyterlab_handoff: could not save %s: %r", room_id, error)


#: The note a running cell gets when the server stops under it (notes.py).
CUT_SHORT_NAME = notes.CUT_SHORT_NAME
CUT_SHORT_MESSAGE = notes.SERVER_STOPPED


def mark_cut_short(room: Any, cell_id: str) -> bool:
    """Say in the running cell that the server stopped under it, once.

    Written into the shared document before it is saved, so the file and
    every tab say why the run ended, after the outputs it had. The kernel's
    reply to its shutdown may still follow it.
    """
    document = getattr(room, "_document", None)
    cell = notes.find_cell(getattr(document, "ycells", None), cell_id)
    if cell is None:
        return False
    return notes.write_note(cell, CUT_SHORT_MESSAGE)


def _state(room: Any) -> bytes | None:
    """The room document's state vector: it changes with every update."""
    try:
        return room.ydoc.get_state()
    except Exception:
        return None


def _autosave_pending(room: Any) -> bool:
    task = getattr(room, "_saving_document", None)
    return task is not None and not task.done()


def install(ydoc: Any, runs: RunTracker, log: Any) -> RunSaver:
    """Start the periodic saver and save before jupyter-collaboration stops."""
    saver = RunSaver(ydoc.ywebsocket_server, runs, log)
    original_stop = ydoc.stop_extension

    async def stop_extension() -> None:
        try:
            await saver.stop()
        finally:
            await original_stop()

    # ExtensionManager calls the app's stop_extension; ours runs first.
    ydoc.stop_extension = stop_extension
    return saver
