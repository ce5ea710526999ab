"""The server-side queue: cells wait here, per kernel, and go to the kernel
one at a time.

A cell is sent only when the previous one has ended (its count and ``idle``
written into the document) and the kernel has no other client's cell in it.
jupyverse's server dies when an ``aborted`` execute reply reaches its own
driver, which happens to any cell queued in the kernel behind a failing one;
we never queue a cell in the kernel, and our own connection survives an
aborted reply. The queue lives in the server, so it survives closing the tab.

While a cell waits or runs, the shared document says so: ``execution_state``
is ``running`` (JupyterLab draws ``[*]`` in every tab) and the cell's
metadata carries ``jupyterlab_handoff: {requestId, kernelId, state}`` with
``state`` ``queued`` or ``running``. At the end the count, ``idle`` and the
removal of the mark are one transaction.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog
from anyio import Event
from anyio.abc import TaskGroup

from .kernel import KernelGone
from .outputs import OutputWriter
from .rooms import RoomHolds

log = structlog.get_logger()

MARK_KEY = "jupyterlab_handoff"


class Runner(Protocol):
    async def wait_idle(self) -> None: ...

    async def execute(self, code: str, on_message: Callable[[dict], Any]) -> dict: ...


class SubmitError(Exception):
    """A submission we refuse, with the HTTP status and a readable message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Request:
    request_id: str
    kernel_id: str
    document_id: str
    cell_id: str
    code: str | None
    room: Any
    status: str = "queued"  # queued | running | done
    outcome: dict | None = None
    submitted: float = field(default_factory=time.time)
    ended: float | None = None

    def describe(self, path: str | None = None) -> dict:
        return {
            "request_id": self.request_id,
            "kernel_id": self.kernel_id,
            "document_id": self.document_id,
            "document_path": path,
            "cell_id": self.cell_id,
            "status": self.status,
            "outcome": self.outcome,
        }


def find_cell(room: Any, cell_id: str) -> Any | None:
    for ycell in room.jupyter_ydoc.ycells:
        if ycell.get("id") == cell_id:
            return ycell
    return None


def _set_mark(ycell: Any, request: Request, state: str) -> None:
    metadata = ycell.get("metadata")
    if metadata is not None:
        metadata[MARK_KEY] = {
            "requestId": request.request_id,
            "kernelId": request.kernel_id,
            "state": state,
        }


def _clear_mark(ycell: Any) -> None:
    metadata = ycell.get("metadata")
    if metadata is not None and MARK_KEY in metadata:
        del metadata[MARK_KEY]


class KernelQueue:
    def __init__(self, service: "HandoffQueues", kernel_id: str) -> None:
        self.service = service
        self.kernel_id = kernel_id
        self.pending: deque[Request] = deque()
        self.current: Request | None = None
        self._wake = Event()

    def wake(self) -> None:
        self._wake.set()

    def in_flight(self) -> list[Request]:
        return ([self.current] if self.current else []) + list(self.pending)

    async def work(self) -> None:
        while True:
            try:
                await self._next()
            except Exception:
                # A bug here must cost one request, never the server.
                log.exception("Handoff: queue failed", kernel_id=self.kernel_id)
                if self.current is not None:
                    request, self.current = self.current, None
                    self.service.finish(
                        request, {"kind": "failed", "message": "The server failed to run it."}
                    )
                self.cancel_pending("cancelled", "The server failed to run a cell before it.")

    async def _next(self) -> None:
        if not self.pending:
            self._wake = Event()
            await self._wake.wait()
            return
        request = self.pending[0]
        try:
            runner = await self.service.get_runner(self.kernel_id)
            await runner.wait_idle()
        except (KernelGone, SubmitError) as e:
            message = e.message if isinstance(e, SubmitError) else "The kernel is gone."
            self.cancel_pending("cancelled", message)
            return
        if not self.pending or self.pending[0] is not request:
            return  # cancelled while we waited
        self.pending.popleft()
        await self._run(runner, request)

    async def _run(self, runner: Runner, request: Request) -> None:
        ycell = find_cell(request.room, request.cell_id)
        if ycell is None:
            self.service.finish(
                request, {"kind": "failed", "message": "The cell was deleted before it ran."}
            )
            return
        self.current = request
        request.status = "running"
        code = request.code if request.code is not None else str(ycell["source"])
        with ycell.doc.transaction():
            if len(ycell["outputs"]):
                del ycell["outputs"][:]
            if ycell.get("execution_count") is not None:
                ycell["execution_count"] = None
            ycell["execution_state"] = "running"
            _set_mark(ycell, request, "running")
        writer = OutputWriter(ycell)
        try:
            reply = await runner.execute(code, writer.handle)
        except KernelGone:
            self.current = None
            self.service.finish(
                request,
                {"kind": "failed", "message": "The kernel restarted or stopped during the run."},
                ycell,
            )
            self.cancel_pending("cancelled", "The kernel restarted or stopped.")
            return
        self.current = None
        content = reply.get("content", {})
        status = content.get("status", "error")
        count = content.get("execution_count") if status != "aborted" else None
        self.service.finish(
            request,
            {"kind": "reply", "status": status, "execution_count": count},
            ycell,
            count,
        )
        if status != "ok":
            self.cancel_pending(
                "previous-failed", "A cell before it failed, so it was not run."
            )

    def cancel_pending(self, reason: str, message: str) -> None:
        while self.pending:
            request = self.pending.popleft()
            self.service.finish(
                request, {"kind": "cancelled", "reason": reason, "message": message}
            )


class HandoffQueues:
    """Every kernel's queue, and the results of recent requests."""

    def __init__(
        self,
        task_group: TaskGroup,
        get_room: Callable[[str], Awaitable[Any]],
        get_runner: Callable[[str], Awaitable[Runner]],
        holds: RoomHolds | None = None,
        result_ttl: float = 600,
    ) -> None:
        self._tg = task_group
        self._get_room = get_room
        self.get_runner = get_runner
        self.holds = holds or RoomHolds()
        self.result_ttl = result_ttl
        self.queues: dict[str, KernelQueue] = {}
        self.requests: dict[str, Request] = {}

    def queue(self, kernel_id: str) -> KernelQueue:
        queue = self.queues.get(kernel_id)
        if queue is None:
            queue = self.queues[kernel_id] = KernelQueue(self, kernel_id)
            self._tg.start_soon(queue.work)
        return queue

    async def submit(self, kernel_id: str, document_id: str, cells: list[dict]) -> list[Request]:
        """Queue cells in order. All or nothing: a bad cell queues none."""
        if not cells:
            raise SubmitError(400, "No cells to run.")
        room = await self._get_room(document_id)
        ycells = []
        for cell in cells:
            cell_id = cell.get("cell_id")
            code = cell.get("code")
            if not isinstance(cell_id, str) or (code is not None and not isinstance(code, str)):
                raise SubmitError(400, "Each cell needs a string cell_id (and code, if given).")
            ycell = find_cell(room, cell_id)
            if ycell is None:
                raise SubmitError(400, f"The notebook has no cell with id {cell_id}.")
            if ycell.get("cell_type") != "code":
                raise SubmitError(400, f"Cell {cell_id} is not a code cell.")
            ycells.append(ycell)
        self._prune()
        queue = self.queue(kernel_id)
        created = []
        for cell in cells:
            # A cell queued again replaces its older queued run.
            for old in [r for r in queue.pending if r.cell_id == cell["cell_id"] and r.room is room]:
                queue.pending.remove(old)
                self.finish(
                    old,
                    {"kind": "cancelled", "reason": "superseded", "message": "Queued again."},
                    write=False,
                )
            request = Request(
                request_id=uuid.uuid4().hex,
                kernel_id=kernel_id,
                document_id=document_id,
                cell_id=cell["cell_id"],
                code=cell.get("code"),
                room=room,
            )
            self.holds.hold(room)
            self.requests[request.request_id] = request
            queue.pending.append(request)
            created.append(request)
        with room.doc.transaction():
            self._clear_stale_marks(room)
            for request, ycell in zip(created, ycells):
                if queue.current is not None and queue.current.cell_id == request.cell_id:
                    continue  # the running run keeps its mark; the end hands it over
                ycell["execution_state"] = "running"
                _set_mark(ycell, request, "queued")
        queue.wake()
        return created

    def _clear_stale_marks(self, room: Any) -> None:
        """Marks of requests this server never had (it restarted mid-run):
        the cell is not running any more."""
        for ycell in room.jupyter_ydoc.ycells:
            metadata = ycell.get("metadata")
            mark = metadata.get(MARK_KEY) if metadata is not None else None
            if mark is None:
                continue
            known = self.requests.get(mark.get("requestId")) if isinstance(mark, dict) else None
            if known is None or known.status == "done":
                del metadata[MARK_KEY]
                if ycell.get("execution_state") == "running":
                    ycell["execution_state"] = "idle"

    def finish(
        self,
        request: Request,
        outcome: dict,
        ycell: Any = None,
        count: int | None = None,
        write: bool = True,
    ) -> None:
        request.status = "done"
        request.outcome = outcome
        request.ended = time.time()
        if write:
            if ycell is None:
                ycell = find_cell(request.room, request.cell_id)
            if ycell is not None:
                self._write_end(request, ycell, count)
        self.holds.release(request.room)

    def _write_end(self, request: Request, ycell: Any, count: int | None) -> None:
        queue = self.queues.get(request.kernel_id)
        again = None
        if queue is not None:
            again = next(
                (
                    r
                    for r in queue.pending
                    if r.cell_id == request.cell_id and r.room is request.room
                ),
                None,
            )
        with ycell.doc.transaction():
            if count is not None or ycell.get("execution_count") is not None:
                ycell["execution_count"] = count
            if again is not None:
                _set_mark(ycell, again, "queued")
            else:
                ycell["execution_state"] = "idle"
                _clear_mark(ycell)

    def interrupt(self, kernel_id: str) -> None:
        queue = self.queues.get(kernel_id)
        if queue is not None:
            queue.cancel_pending("cancelled", "The kernel was interrupted.")

    def in_flight(self, kernel_id: str) -> list[Request]:
        queue = self.queues.get(kernel_id)
        return queue.in_flight() if queue else []

    def get(self, request_id: str) -> Request | None:
        return self.requests.get(request_id)

    def _prune(self) -> None:
        limit = time.time() - self.result_ttl
        for rid in [
            rid for rid, r in self.requests.items() if r.ended is not None and r.ended < limit
        ]:
            del self.requests[rid]
