"""A kernel restart or death cuts the running cell short: the server says so.

On jupyter-server this is the one writer of the note a cell gets when its
kernel is restarted or dies under it (the tabs skip it: the nbmodel backend
declares ``kernelNotes: 'server'``). The server is always there, so the note
is written with no tab open, and before anything else can end the cell:

- **Which cell, and when.** A restart is seen at its *start*: this wraps the
  kernel manager's ``restart_kernel`` (REST restarts, from any tab). At that
  moment nbmodel is still executing the run (reruns.py knows it, and its
  cell). Before the restart interrupts the kernel, the run *begins to be
  cut*: what the kernel printed before still arrives and is written, but
  not the KeyboardInterrupt traceback nor the end (count, idle) of the
  kernel's reply, which used to race the restart. When that reply comes, or
  when the restart is over (a dead kernel never replies), the run ends with
  the note, and nbmodel's result for it is an error holding the cell's
  outputs, which is what the submitting tab reads.
- **Death or restart.** jupyter_client's restarter fires its ``restart``
  callbacks only when it found the kernel dead (a manual restart stops the
  restarter first), and ``dead`` when it gave up. A callback per kernel,
  added when the kernel starts, cuts its run as a death; the restart that
  follows ends it (restarts.py calls ``finish`` before it cancels nbmodel's
  worker).
- **Queued cells.** The cells a tab marked ``[*]`` while waiting in nbmodel's
  queue are set idle (nbmodel drops its queue after the cut run's error).

The note is the same as the frontend's (notes.py), once, after the outputs
the run had; the count is cleared and nbmodel's mark removed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from . import notes

NBMODEL_SCHEMA = "https://events.jupyter.org/jupyter_server_nbmodel/cell_execution/v1"
MESSAGES = {"restart": notes.KERNEL_RESTARTED, "death": notes.KERNEL_DIED}


class KernelCuts:
    """Ends the runs of a kernel that restarts or died, with the note."""

    def __init__(
        self,
        runs: Any,
        stacks: Callable[[], Iterable[Any]],
        documents: Callable[[], Iterable[Any]],
        log: Any,
        emit: Callable[[dict], None] | None = None,
    ) -> None:
        self._runs = runs  # reruns.Runs
        self._stacks = stacks  # nbmodel's ExecutionStacks
        self._documents = documents  # the cells arrays of the open documents
        self._log = log
        self._emit = emit
        #: Per kernel, why its runs are being cut (until ``finish``).
        self._causes: dict[str, str] = {}
        runs.on_cut_end = self._on_cut_end

    def begin(self, kernel_id: str, cause: str) -> int:
        """The kernel is going (a restart starts, or it was found dead).

        Synchronous, before the restart interrupts the kernel: its running
        run writes no end nor the interrupt's traceback from now on (what
        the kernel printed before still arrives), and the cells waiting in
        nbmodel's queue go back to idle. Returns how many runs it cut.
        """
        queued: set[str] = set()
        for stack in self._stacks():
            try:
                for request in stack.pending(kernel_id):
                    if request.get("request_status") == "queued" and request.get("cell_id"):
                        queued.add(request["cell_id"])
            except Exception as error:  # the running cell matters more
                self._log.warning("jupyterlab_handoff: cannot list %s: %r", kernel_id, error)
        cause = self._causes.setdefault(kernel_id, cause)
        cut = sum(run.begin_cut(cause) for run in self._runs.running_on(kernel_id))
        if queued:
            self._idle(queued)
        return cut

    async def finish(self, kernel_id: str, timeout: float = 5.0) -> None:
        """The restart is over: end the kernel's runs now, reply or not."""
        # Also runs that started on the dying kernel since it began.
        self.begin(kernel_id, self._causes.get(kernel_id, "restart"))
        self._causes.pop(kernel_id, None)
        pending = []
        for run in self._runs.running_on(kernel_id):
            if run.cut_cause is not None and run.cut_done is not None:
                run.end_cut()
                pending.append(run.cut_done)
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    def _on_cut_end(self, run: Any, result: dict | None) -> dict:
        """A cut run ended: its cell's end, and nbmodel's result for it."""
        cell = run.ycell if run.ycell is not None else self._find(run.cell_id)
        if result is not None and result.get("status") == "ok":
            # It had finished before the kernel went: end it as nbmodel would.
            if cell is not None:
                with cell.doc.transaction():
                    cell["execution_count"] = result.get("execution_count")
                    cell["execution_state"] = "idle"
                    if notes.NBMODEL_MARK in cell["metadata"]:
                        del cell["metadata"][notes.NBMODEL_MARK]
            return result
        message = MESSAGES[run.cut_cause]
        outputs: list = []
        if cell is not None:
            try:
                notes.write_note(cell, message, end_run=True)
                outputs = [notes.plain(output) for output in cell.get("outputs") or ()]
            except Exception as error:
                self._log.warning(
                    "jupyterlab_handoff: could not mark cell %s: %r", run.cell_id, error
                )
        if result is None:
            self._ended(run, message)  # nbmodel's execution did not get to its end
        self._log.info(
            "jupyterlab_handoff: kernel %s %s while cell %s ran; the cell says so",
            run.kernel_id,
            "restarted" if run.cut_cause == "restart" else "died",
            run.cell_id,
        )
        return {"status": "error", "execution_count": None, "outputs": json.dumps(outputs)}

    def _find(self, cell_id: str) -> Any:
        for cells in self._documents():
            cell = notes.find_cell(cells, cell_id)
            if cell is not None:
                return cell
        return None

    def _idle(self, cell_ids: set[str]) -> None:
        for cells in self._documents():
            for cell in cells:
                if (
                    cell.get("id") in cell_ids
                    and cell.get("execution_state") == "running"
                    and cell.get("execution_count") is None
                ):
                    with cell.doc.transaction():
                        cell["execution_state"] = "idle"

    def _ended(self, run: Any, message: str) -> None:
        """nbmodel's end-of-run event, which the cut run will not send."""
        if self._emit is None or not run.document_id:
            return
        try:
            self._emit(
                {
                    "event_type": "execution_end",
                    "cell_id": run.cell_id,
                    "document_id": run.document_id,
                    "success": False,
                    "kernel_error": f"{notes.CUT_SHORT_NAME}: {message}",
                    "timestamp": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
                }
            )
        except Exception as error:
            self._log.warning("jupyterlab_handoff: no end event for %s: %r", run.cell_id, error)


def follow_kernel_manager(manager: Any, cuts: KernelCuts, log: Any) -> None:
    """Cut runs at the start of every restart, and when a kernel dies."""
    original_restart = manager.restart_kernel
    original_start = manager.start_kernel
    followed: set[str] = set()

    def follow(kernel_id: str) -> None:
        if kernel_id in followed:
            return
        try:
            kernel = manager.get_kernel(kernel_id)
        except KeyError:
            return
        if getattr(kernel, "_restarter", None) is None:
            log.warning(
                "jupyterlab_handoff: kernel %s has no restarter: a death is told as a restart",
                kernel_id,
            )
            return
        followed.add(kernel_id)

        def died() -> None:
            # The restarter restarts it next; the restart event finishes.
            _safely(cuts, kernel_id, "death", log)

        def gave_up() -> None:
            # No restart follows.
            _safely(cuts, kernel_id, "death", log)
            asyncio.ensure_future(cuts.finish(kernel_id))

        kernel.add_restart_callback(died, "restart")
        kernel.add_restart_callback(gave_up, "dead")

    async def start_kernel(*args: Any, **kwargs: Any) -> str:
        kernel_id = await original_start(*args, **kwargs)
        follow(kernel_id)
        return kernel_id

    async def restart_kernel(kernel_id: str, *args: Any, **kwargs: Any) -> Any:
        if kernel_id not in manager:
            return await original_restart(kernel_id, *args, **kwargs)
        _safely(cuts, kernel_id, "restart", log)
        try:
            return await original_restart(kernel_id, *args, **kwargs)
        finally:
            await cuts.finish(kernel_id)

    manager.start_kernel = start_kernel
    manager.restart_kernel = restart_kernel


def _safely(cuts: KernelCuts, kernel_id: str, cause: str, log: Any) -> None:
    try:
        cuts.begin(kernel_id, cause)
    except Exception:  # a restart must go on
        log.exception("jupyterlab_handoff: could not end the runs of kernel %s", kernel_id)


def _documents(serverapp: Any) -> Callable[[], Iterable[Any]]:
    def documents() -> Iterable[Any]:
        for ext in serverapp.extension_manager.extension_apps.get("jupyter_server_ydoc", ()):
            server = getattr(ext, "ywebsocket_server", None)
            for room in list(getattr(server, "rooms", {}).values()):
                cells = getattr(getattr(room, "_document", None), "ycells", None)
                if cells is not None:
                    yield cells

    return documents


def install(serverapp: Any, runs: Any, follower: Any = None) -> KernelCuts | None:
    """Follow the server's kernels; None without nbmodel's known runs."""
    if runs is None:
        serverapp.log.warning(
            "jupyterlab_handoff: a kernel restart or death ends a run without a note"
        )
        return None
    from jupyter_server_nbmodel.event_logger import event_logger

    from .restarts import nbmodel_stacks

    cuts = KernelCuts(
        runs,
        lambda: nbmodel_stacks(serverapp),
        _documents(serverapp),
        serverapp.log,
        lambda data: event_logger.emit(schema_id=NBMODEL_SCHEMA, data=data),
    )
    follow_kernel_manager(serverapp.kernel_manager, cuts, serverapp.log)
    if follower is not None:
        # A restart's event (after a death too) ends the cut runs with their
        # note before nbmodel's worker is cancelled.
        follower.before_cancel = cuts.finish
    serverapp.log.info("jupyterlab_handoff: a kernel restart or death ends its run with a note")
    return cuts
