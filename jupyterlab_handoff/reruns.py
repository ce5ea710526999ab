"""A cell run again while it runs: the old run stops writing into it.

jupyter-server-nbmodel 0.2 queues the new run of a cell behind the one the
kernel is still running, and the old run goes on writing into the cell: its
later outputs appear under the new run's ``[*]``, then its count, until the
new run starts and clears the cell again. Stock JupyterLab shows nothing of
the old run once the cell is run again; the new run's outputs follow when
the kernel gets to it. This module makes the shared document do the same,
so every tab, and a tab opened later, shows it:

- A run is *superseded* when a newer request for the same cell reaches
  nbmodel's queue on the same kernel (``ExecutionStack.put``). From then on
  the old run writes nothing into the cell, neither outputs nor its end
  (count, idle): the cell keeps showing the new run as waiting (``[*]``,
  empty) until nbmodel starts it. nbmodel still records the old run's
  outputs in its own result, for whoever reads it.
- The tab that runs the cell again clears it just before its request
  reaches the server. An output the old run writes in between, or its end
  if it ends in between, would show under the new ``[*]``. So when a run
  finds its cell cleared by someone else, it holds its writes (outputs,
  then its end) for up to ``HOLD_SECONDS``: if the new request arrives
  meanwhile they are dropped; if not (someone cleared the outputs of a
  running cell, which in stock JupyterLab does not stop the run from
  showing more), they are written then, in order (runwrites.py).
- If the old run ends in an error, an interrupt or a dead kernel, nbmodel
  drops what was queued behind it, the new run included: the cell is then
  set idle with no count, as stock JupyterLab shows a run the kernel
  aborted.

A run can also be *cut* (by kernelcuts.py, when its kernel is restarted or
found dead): from ``Run.begin_cut`` on it still writes what the kernel had
printed, but not its end (count, idle) nor the KeyboardInterrupt traceback
a restart's interrupt makes the kernel send. It ends when nbmodel's
execution does (the kernel's reply) or at ``Run.end_cut`` (the restart is
over: a dead kernel never replies), and ``Runs.on_cut_end`` (kernelcuts.py)
then writes the cell's end and gives nbmodel the run's result.

It wraps nbmodel's ``_execute_snippet``, ``_get_ycell`` and output hook
(``actions``) and ``ExecutionStack.put``, for the nbmodel versions we know.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

from .runwrites import Run, RunCell

#: nbmodel versions whose queue behaves as described above.
SUPPORTED = ("0.2.",)
#: How long a run whose cell was cleared by someone else holds its writes.
HOLD_SECONDS = 5.0
#: Exceptions after which nbmodel's worker drops its queue (``kernel_worker``).
QUEUE_DROPPING = (asyncio.CancelledError, KeyboardInterrupt, RuntimeError)


class Runs:
    """The runs nbmodel is executing, and the newest request of each cell."""

    def __init__(self, log: Any, hold_seconds: float = HOLD_SECONDS) -> None:
        self._log = log
        self.hold_seconds = hold_seconds
        self._running: dict[tuple[str, str], Run] = {}
        #: Runs that ended while holding their writes (their end included).
        self._ending: dict[tuple[str, str], Run] = {}
        self._by_request: dict[str, Run] = {}
        self.inner_hook: Any = None
        #: ``(run, result or None) -> result``: how a cut run ends (kernelcuts.py).
        self.on_cut_end: Any = None

    # -- nbmodel's queue -------------------------------------------------

    def queued(self, kernel_id: str, metadata: dict | None, request_id: str) -> None:
        """A request reached nbmodel's queue."""
        cell_id = (metadata or {}).get("cell_id")
        if not isinstance(cell_id, str):
            return
        run = self._running.get((kernel_id, cell_id)) or self._ending.get((kernel_id, cell_id))
        if run is not None and run.request_id != request_id and not run.superseded:
            self._log.info(
                "jupyterlab_handoff: cell %s run again; its running request %s stops writing",
                cell_id,
                run.request_id,
            )
            run.supersede()

    # -- one run ---------------------------------------------------------

    def started(self, metadata: dict | None) -> Run | None:
        metadata = metadata or {}
        kernel_id, cell_id = metadata.get("kernel_id"), metadata.get("cell_id")
        request_id = metadata.get("request_id")
        if not (kernel_id and isinstance(cell_id, str) and request_id):
            return None
        run = Run(self, kernel_id, cell_id, request_id, metadata.get("document_id"))
        self._running[(kernel_id, cell_id)] = run
        self._by_request[request_id] = run
        return run

    def running_on(self, kernel_id: str) -> list[Run]:
        """The runs nbmodel is executing on this kernel (one, normally)."""
        return [run for (kernel, _), run in self._running.items() if kernel == kernel_id]

    def cell_found(self, metadata: dict | None, ycell: Any) -> Any:
        run = self._by_request.get((metadata or {}).get("request_id"))
        if run is None or ycell is None:
            return ycell
        run.ycell = ycell
        return RunCell(ycell, run)

    def ended(self, metadata: dict | None, queue_dropped: bool, replied: bool = True) -> None:
        run = self._by_request.pop((metadata or {}).get("request_id"), None)
        if run is None:
            return
        key = (run.kernel_id, run.cell_id)
        if self._running.get(key) is run:
            del self._running[key]
        if run.held is not None and not run.fenced:
            if replied:
                # Its end is held too: a new request for the cell may be on
                # its way. The hold's timer, or the request, settles it.
                self._ending[key] = run
            else:
                run.release()
        if run.superseded and queue_dropped and run.ycell is not None:
            # nbmodel dropped the new run with its queue: nobody will end
            # the [*] the new run was given.
            self._set_idle(run)

    def settled(self, run: Run) -> None:
        """A run's held writes were written or dropped."""
        key = (run.kernel_id, run.cell_id)
        if self._ending.get(key) is run:
            del self._ending[key]

    def _set_idle(self, run: Run) -> None:
        cell = run.ycell
        try:
            info = cell["metadata"].get("jupyter_server_nbmodel")
            info = info.to_py() if hasattr(info, "to_py") else info
            if info and info.get("requestId") not in (None, run.request_id):
                return  # Another run shows there now.
            with cell.doc.transaction():
                cell["execution_count"] = None
                cell["execution_state"] = "idle"
                if "jupyter_server_nbmodel" in cell["metadata"]:
                    del cell["metadata"]["jupyter_server_nbmodel"]
        except Exception:
            self._log.exception("jupyterlab_handoff: could not end cell %s", run.cell_id)

    # -- output messages -------------------------------------------------

    def hook(self, outputs: list, ycell: Any, stream_state: Any, msg: dict) -> None:
        """nbmodel's output hook, as this run may write."""
        if not isinstance(ycell, RunCell):
            self.inner_hook(outputs, ycell, stream_state, msg)
            return
        run, cell = ycell.run, ycell.cell
        if run.superseded or (run.cut_cause is not None and _is_interrupt(msg)):
            self.inner_hook(outputs, None, stream_state, msg)
            return
        if run.held is not None or run.cleared_by_other():
            # Cleared by someone else: maybe a new run of this cell whose
            # request is on its way.
            run.hold(self._held_output(outputs, cell, stream_state, msg))
            return
        self.inner_hook(outputs, cell, stream_state, msg)
        run.written = len(cell["outputs"])

    def _held_output(self, outputs: list, cell: Any, stream_state: Any, msg: dict) -> Any:
        """Record an output in nbmodel's result now; the write into the cell, for later."""
        length = len(outputs)
        self.inner_hook(outputs, None, stream_state, msg)
        recorded = outputs[-1] if len(outputs) > length else None

        def apply() -> None:
            self.inner_hook(outputs, cell, stream_state, msg)
            # The result keeps the entry just written (a display's update
            # finds it there), not the one recorded when it was held.
            for index, entry in enumerate(outputs[:-1]):
                if entry is recorded:
                    del outputs[index]
                    break

        return apply


def _is_interrupt(msg: dict) -> bool:
    return (
        msg.get("header", {}).get("msg_type") == "error"
        and msg.get("content", {}).get("ename") == "KeyboardInterrupt"
    )


async def _until_cut(runs: Runs, run: Run, execution: Any) -> dict:
    """nbmodel's execution of ``run``; for a run being cut, its cut end."""
    inner = asyncio.ensure_future(execution)
    run.cut_signal = asyncio.get_event_loop().create_future()
    try:
        try:
            await asyncio.wait({inner, run.cut_signal}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            if run.cut_cause is not None and runs.on_cut_end is not None:
                runs.on_cut_end(run, None)  # the note, even on a cancel
            raise
        if run.cut_cause is None or runs.on_cut_end is None:
            return await inner
        result = None
        if inner.done():
            if not inner.cancelled() and inner.exception() is None:
                result = inner.result()
        else:
            inner.cancel()
            try:
                await inner
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
            except Exception:  # noqa: S110 - the kernel's end of a run that was cut
                pass
        return runs.on_cut_end(run, result)
    finally:
        if not inner.done():
            inner.cancel()
        run.cut_signal.cancel()
        if run.cut_done is not None and not run.cut_done.done():
            run.cut_done.set_result(None)


def install(log: Any, hold_seconds: float = HOLD_SECONDS) -> Runs | None:
    """Wrap nbmodel's executor, if it is a version we know."""
    try:
        import jupyter_server_nbmodel
        from jupyter_server_nbmodel import actions
        from jupyter_server_nbmodel.execution_stack import ExecutionStack
    except ImportError:
        return None
    version = getattr(jupyter_server_nbmodel, "__version__", "")
    names = ("_execute_snippet", "_get_ycell", "_output_hook")
    if not version.startswith(SUPPORTED) or not all(hasattr(actions, n) for n in names):
        log.warning(
            "jupyterlab_handoff: jupyter-server-nbmodel %s is not one we know; "
            "a cell run again while it runs shows the old run's end",
            version,
        )
        return None
    if getattr(actions._execute_snippet, "__handoff_runs__", None) is not None:
        return None  # Already installed.
    if list(inspect.signature(ExecutionStack.put).parameters)[:4] != [
        "self",
        "kernel_id",
        "snippet",
        "metadata",
    ]:
        log.warning("jupyterlab_handoff: nbmodel's queue changed; re-runs are left to it")
        return None

    runs = Runs(log, hold_seconds)
    runs.inner_hook = actions._output_hook
    original_execute = actions._execute_snippet
    original_get_ycell = actions._get_ycell
    original_put = ExecutionStack.put

    async def _execute_snippet(client, ydoc, snippet, metadata, *args, **kwargs):
        run = runs.started(metadata)
        try:
            execution = original_execute(client, ydoc, snippet, metadata, *args, **kwargs)
            result = await (execution if run is None else _until_cut(runs, run, execution))
        except QUEUE_DROPPING:
            runs.ended(metadata, queue_dropped=True, replied=False)
            raise
        except BaseException:
            runs.ended(metadata, queue_dropped=False, replied=False)
            raise
        runs.ended(metadata, queue_dropped=result.get("status") == "error")
        return result

    async def _get_ycell(ydoc, metadata):
        return runs.cell_found(metadata, await original_get_ycell(ydoc, metadata))

    def put(self, kernel_id, snippet, metadata=None, *args, **kwargs):
        uid = original_put(self, kernel_id, snippet, metadata, *args, **kwargs)
        try:
            runs.queued(kernel_id, metadata, uid)
        except Exception:
            log.exception("jupyterlab_handoff: re-run check failed")
        return uid

    def output_hook(outputs, ycell, stream_state, msg):
        runs.hook(outputs, ycell, stream_state, msg)

    _execute_snippet.__handoff_runs__ = runs  # type: ignore[attr-defined]
    output_hook.__wrapped__ = runs.inner_hook  # type: ignore[attr-defined]
    actions._execute_snippet = _execute_snippet
    actions._get_ycell = _get_ycell
    actions._output_hook = output_hook
    ExecutionStack.put = put
    log.info("jupyterlab_handoff: a cell run again stops its old run's writes")
    return runs
