"""A cell run again while it runs (jupyterlab_handoff.reruns).

jupyter-server-nbmodel's real queue (ExecutionStack) on a real ipykernel,
writing into a real Yjs notebook; the tab's part (clear the cell, mark it
``[*]``, then POST) is done here by hand, with a delay between the two, as
a slow network would leave it. Every state the cell goes through is
recorded, to check that the old run never shows after the re-run.
"""

from __future__ import annotations

import asyncio
import tempfile
import contextlib
import logging

import pytest
import pytest_asyncio
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server_nbmodel import actions
from jupyter_server_nbmodel.execution_stack import ExecutionStack
from jupyter_ydoc import YNotebook
from test_displays import notebook, texts

from jupyterlab_handoff import displays, reruns

LOG = logging.getLogger("test_reruns")

COUNTING = "import time\nfor i in range(100):\n    print(i, flush=True)\n    time.sleep(0.1)"


class Rooms:
    def __init__(self, nb) -> None:
        self.nb = nb

    async def get_document(self, **kwargs):
        return self.nb


@pytest.fixture
def patched(monkeypatch):
    for name in ("_execute_snippet", "_get_ycell", "_output_hook"):
        monkeypatch.setattr(actions, name, getattr(actions, name))
    monkeypatch.setattr(ExecutionStack, "put", ExecutionStack.put)
    assert displays.install(LOG) is not None
    runs = reruns.install(LOG)
    assert runs is not None
    return runs


@pytest_asyncio.fixture
async def kernel():
    # Connection files in a temporary folder, not the working directory.
    manager = AsyncMappingKernelManager(connection_dir=tempfile.mkdtemp())
    kernel_id = await manager.start_kernel(kernel_name="python3")
    try:
        yield manager, kernel_id
    finally:
        await manager.shutdown_all(now=True)


class Cell:
    """The first cell of a notebook, and every state a tab saw it in.

    The tab is a second document that applies each update of the server's,
    as a tab does over its websocket.
    """

    def __init__(self, nb) -> None:
        self.nb = nb
        self.ycell = nb.ycells[0]
        self.tab = YNotebook()
        self.tab.ydoc.apply_update(nb.ydoc.get_update())
        self.states: list[tuple] = []
        self._sub = nb.ydoc.observe(self._on_update)

    def _on_update(self, event) -> None:
        self.tab.ydoc.apply_update(event.update)
        self.states.append(self.state(self.tab.ycells[0]))

    def state(self, ycell=None) -> tuple:
        ycell = ycell if ycell is not None else self.ycell
        return (ycell["execution_state"], ycell["execution_count"], tuple(texts(ycell)))

    def rerun_mark(self) -> None:
        """What the tab writes before it posts the cell again."""
        with self.nb.ydoc.transaction():
            del self.ycell["outputs"][:]
            self.ycell["execution_count"] = None
            self.ycell["execution_state"] = "running"

    async def wait_for(self, predicate, timeout: float = 30) -> None:
        async def poll():
            while not predicate(self.state()):
                await asyncio.sleep(0.05)

        await asyncio.wait_for(poll(), timeout)


async def result(stack: ExecutionStack, kernel_id: str, uid: str, timeout: float = 30) -> dict:
    async def poll():
        while True:
            value = stack.get(kernel_id, uid)
            if value.get("request_status") == "complete":
                return value
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), timeout)


async def dispose(stack: ExecutionStack) -> None:
    # nbmodel cancels its workers and gathers them: their cancellation comes
    # back out of dispose() before it closes its kernel clients.
    with contextlib.suppress(asyncio.CancelledError):
        await stack.dispose()
    clients = stack._ExecutionStack__kernel_clients
    for client in clients.values():
        client.stop_channels()
    clients.clear()


def put(stack, kernel_id, code):
    return stack.put(kernel_id, code, {"document_id": "json:notebook:test", "cell_id": "c0"})


def shows_old_run(state: tuple) -> bool:
    return any(line.strip().isdigit() for text in state[2] for line in text.splitlines())


async def assert_only_the_new_run_shows(cell: Cell, mark: int, old: dict, new: dict) -> None:
    """Since the re-run's mark: no line of the old run, never its count, and
    the cell ends showing the new run alone."""
    after = cell.states[mark:]
    assert not [s for s in after if any("old" in t for t in s[2])]
    assert not [s for s in after if s[1] == old["execution_count"]]
    await cell.wait_for(lambda s: s[0] == "idle")
    assert cell.state() == ("idle", new["execution_count"], ("new run\n",))


@pytest.mark.asyncio
@pytest.mark.parametrize("post_delay", [0.0, 0.5])
async def test_the_old_run_never_shows_under_the_new_run(kernel, patched, post_delay):
    manager, kernel_id = kernel
    nb = notebook(1)
    stack = ExecutionStack(manager, Rooms(nb))
    cell = Cell(nb)
    try:
        put(stack, kernel_id, COUNTING)
        await cell.wait_for(lambda s: "3" in "".join(s[2]))
        cell.rerun_mark()
        mark = len(cell.states)
        # The request follows the mark after a network delay, while the old
        # run goes on printing every 0.1 s.
        await asyncio.sleep(post_delay)
        second = put(stack, kernel_id, "print('new run')")
        await asyncio.sleep(0.5)
        # The old run is still running in the kernel: stop it.
        await manager.interrupt_kernel(kernel_id)
        outcome = await result(stack, kernel_id, second)
        assert "error" in outcome  # nbmodel drops its queue after an interrupt
        after = cell.states[mark:]
        assert after, "no state recorded after the re-run"
        assert not [s for s in after if shows_old_run(s)]
        # The new run was dropped with nbmodel's queue: idle, no count.
        await cell.wait_for(lambda s: s[0] == "idle")
        assert cell.state() == ("idle", None, ())
        assert "jupyter_server_nbmodel" not in cell.ycell["metadata"]
    finally:
        await dispose(stack)


@pytest.mark.asyncio
async def test_the_new_run_follows_when_the_old_one_ends(kernel, patched):
    manager, kernel_id = kernel
    nb = notebook(1)
    stack = ExecutionStack(manager, Rooms(nb))
    cell = Cell(nb)
    try:
        first = put(stack, kernel_id, "import time\nprint('old', flush=True)\ntime.sleep(1)\nprint('old tail')")
        await cell.wait_for(lambda s: s[2] == ("old\n",))
        cell.rerun_mark()
        mark = len(cell.states)
        second = put(stack, kernel_id, "print('new run')")
        old = await result(stack, kernel_id, first)
        new = await result(stack, kernel_id, second)
        # nbmodel's result of the old run is whole; the document never showed
        # its tail nor its count.
        assert "old tail" in old["outputs"]
        assert new["status"] == "ok"
        await assert_only_the_new_run_shows(cell, mark, old, new)
    finally:
        await dispose(stack)


@pytest.mark.asyncio
async def test_an_old_run_that_ends_before_the_request_arrives_never_shows_its_end(kernel, patched):
    # The tab's mark reached the server, the old run ended, then the request
    # came: neither the old run's count nor its held output shows.
    manager, kernel_id = kernel
    nb = notebook(1)
    stack = ExecutionStack(manager, Rooms(nb))
    cell = Cell(nb)
    try:
        first = put(
            stack,
            kernel_id,
            "import time\nprint('old', flush=True)\ntime.sleep(0.5)\nprint('old tail')",
        )
        await cell.wait_for(lambda s: s[2] == ("old\n",))
        cell.rerun_mark()
        mark = len(cell.states)
        old = await result(stack, kernel_id, first)
        await asyncio.sleep(0.3)
        assert cell.state() == ("running", None, ())
        second = put(stack, kernel_id, "print('new run')")
        new = await result(stack, kernel_id, second)
        # nbmodel's result of the old run is whole, its held tail included.
        assert "old tail" in old["outputs"]
        await assert_only_the_new_run_shows(cell, mark, old, new)
    finally:
        await dispose(stack)


@pytest.mark.asyncio
async def test_a_run_that_ends_after_clear_outputs_shows_its_end_after_the_hold(kernel, patched):
    # Clear Outputs, not a re-run: no request comes, so the held end is
    # written when the hold is over, in one transaction with what was held.
    manager, kernel_id = kernel
    patched.hold_seconds = 0.3
    nb = notebook(1)
    stack = ExecutionStack(manager, Rooms(nb))
    cell = Cell(nb)
    try:
        uid = put(stack, kernel_id, "import time\nprint('a', flush=True)\ntime.sleep(0.5)")
        await cell.wait_for(lambda s: s[2] == ("a\n",))
        with nb.ydoc.transaction():
            del cell.ycell["outputs"][:]
        outcome = await result(stack, kernel_id, uid)
        assert cell.state()[0] == "running"
        await cell.wait_for(lambda s: s[0] == "idle")
        assert cell.state() == ("idle", outcome["execution_count"], ())
        assert "jupyter_server_nbmodel" not in cell.ycell["metadata"]
    finally:
        await dispose(stack)


@pytest.mark.asyncio
async def test_outputs_cleared_mid_run_come_back_when_no_new_run_comes(kernel, patched):
    manager, kernel_id = kernel
    patched.hold_seconds = 0.3
    nb = notebook(1)
    stack = ExecutionStack(manager, Rooms(nb))
    cell = Cell(nb)
    try:
        uid = put(
            stack,
            kernel_id,
            "import time\nprint('a', flush=True)\ntime.sleep(0.5)\nprint('b', flush=True)\ntime.sleep(1)\nprint('c')",
        )
        await cell.wait_for(lambda s: s[2] == ("a\n",))
        # Clear Outputs on a running cell: as in stock, what follows shows.
        with nb.ydoc.transaction():
            del cell.ycell["outputs"][:]
        outcome = await result(stack, kernel_id, uid)
        assert outcome["status"] == "ok"
        await cell.wait_for(lambda s: s[0] == "idle")
        assert texts(cell.ycell) == ["b\nc\n"]
    finally:
        await dispose(stack)


@pytest.mark.asyncio
async def test_without_our_part_the_old_tail_shows(kernel):
    # The behaviour this module removes, on the same queue and kernel.
    manager, kernel_id = kernel
    nb = notebook(1)
    stack = ExecutionStack(manager, Rooms(nb))
    cell = Cell(nb)
    try:
        first = put(stack, kernel_id, "import time\nprint('old', flush=True)\ntime.sleep(1)\nprint('old tail')")
        await cell.wait_for(lambda s: s[2] == ("old\n",))
        cell.rerun_mark()
        mark = len(cell.states)
        second = put(stack, kernel_id, "print('new run')")
        await result(stack, kernel_id, first)
        await result(stack, kernel_id, second)
        assert [s for s in cell.states[mark:] if any("old tail" in t for t in s[2])]
    finally:
        await dispose(stack)
