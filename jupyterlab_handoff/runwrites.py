"""What one nbmodel run may write into its cell, and when (see reruns.py).

- A *fenced* run (superseded by a newer request for its cell, or cut with
  its kernel) writes nothing more into the cell.
- A run whose cell someone else cleared *holds* its writes, its outputs and
  then its end (count, idle, its metadata), for up to ``hold_seconds``: a
  new request for the cell drops them; otherwise they are written then, in
  order, in one transaction. The end is held too because the tab clears the
  cell just before its request reaches the server: a run that ends in
  between would otherwise show its count under the new ``[*]``.
- A held output is recorded in nbmodel's result at once (nbmodel serializes
  the result when the run ends, which may be before the hold is over).
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

Write = Callable[[], None]


class Run:
    """One run of a cell by nbmodel, as far as its writes are concerned."""

    def __init__(
        self,
        runs: Any,
        kernel_id: str,
        cell_id: str,
        request_id: str,
        document_id: str | None = None,
    ) -> None:
        #: The ``reruns.Runs`` that follows this run.
        self._runs = runs
        self.kernel_id = kernel_id
        self.cell_id = cell_id
        self.request_id = request_id
        self.document_id = document_id
        self.ycell: Any = None
        self.superseded = False
        #: Why the run is being cut short (``begin_cut``), e.g. "restart".
        self.cut_cause: str | None = None
        #: Resolved to end a run being cut (``end_cut``).
        self.cut_signal: asyncio.Future | None = None
        #: Resolved once a run being cut ended.
        self.cut_done: asyncio.Future | None = None
        #: Writes held while the cell was cleared by someone else, in order.
        self.held: list[Write] | None = None
        self._timer: asyncio.TimerHandle | None = None
        #: How many outputs the cell has after this run's last write.
        self.written = 0

    @property
    def fenced(self) -> bool:
        """Whether this run may no longer write into its cell."""
        return self.superseded or self.cut_cause is not None

    def cleared_by_other(self) -> bool:
        """Whether the cell lost outputs this run wrote (someone cleared it)."""
        return self.ycell is not None and len(self.ycell["outputs"]) < self.written

    def write(self, apply: Write) -> None:
        """One of nbmodel's writes of the cell's fields (its start or end)."""
        if self.fenced:
            return
        if self.held is None and not self.cleared_by_other():
            apply()
            return
        self.hold(apply)

    def begin_cut(self, cause: str) -> bool:
        """The kernel is going: write no end, and no interrupt's traceback."""
        if self.cut_cause is not None or self.superseded:
            return False
        if self.held is not None:
            self.release()
        self.cut_cause = cause
        self.cut_done = asyncio.get_event_loop().create_future()
        return True

    def end_cut(self) -> None:
        """End the run being cut now, reply or not."""
        if self.cut_signal is not None and not self.cut_signal.done():
            self.cut_signal.set_result(None)

    def supersede(self) -> None:
        self.superseded = True
        self._cancel_timer()
        # Held outputs are in nbmodel's result already; nothing reaches the cell.
        self.held = None
        self._runs.settled(self)

    def hold(self, apply: Write) -> None:
        if self.held is None:
            self.held = []
            loop = asyncio.get_event_loop()
            self._timer = loop.call_later(self._runs.hold_seconds, self.release)
        self.held.append(apply)

    def release(self) -> None:
        """Write what was held: no newer run came."""
        self._cancel_timer()
        held, self.held = self.held or [], None
        if held and self.ycell is not None:
            with self.ycell.doc.transaction():
                for apply in held:
                    apply()
            self.written = len(self.ycell["outputs"])
        self._runs.settled(self)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class _Guarded:
    """A map of the cell whose writes follow the run's rules (``Run.write``)."""

    def __init__(self, target: Any, run: Run) -> None:
        self._target = target
        self._run = run

    def __getitem__(self, key: str) -> Any:
        return self._target[key]

    def __contains__(self, key: str) -> bool:
        return key in self._target

    def get(self, key: str, default: Any = None) -> Any:
        return self._target.get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        target = self._target

        def apply() -> None:
            target[key] = value

        self._run.write(apply)

    def __delitem__(self, key: str) -> None:
        target = self._target

        def apply() -> None:
            # Held, it may be gone by the time it is written.
            if key in target:
                del target[key]

        self._run.write(apply)

    @property
    def doc(self) -> Any:
        return self._target.doc


class RunCell(_Guarded):
    """The cell as one nbmodel run sees it (what ``_get_ycell`` returns)."""

    def __getitem__(self, key: str) -> Any:
        value = self._target[key]
        if key == "metadata":
            return _Guarded(value, self._run)
        return value

    @property
    def run(self) -> Run:
        return self._run

    @property
    def cell(self) -> Any:
        return self._target
