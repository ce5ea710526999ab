"""Our kernel connection and output writer against a real ipykernel, through
the queue, on a real shared notebook."""

from __future__ import annotations

import time

import anyio
import pytest
from jupyter_client.manager import AsyncKernelManager
from jv_helpers import Room, cell, notebook, until

from jupyterlab_handoff.jupyverse.kernel import KernelLink
from jupyterlab_handoff.jupyverse.queue import HandoffQueues

pytestmark = pytest.mark.anyio


@pytest.fixture
async def kernel():
    km = AsyncKernelManager(kernel_name="python3")
    await km.start_kernel()
    try:
        yield km
    finally:
        await km.shutdown_kernel(now=True)


def connection(km) -> dict:
    info = km.get_connection_info(session=False)
    return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in info.items()}


async def run_cells(km, tg, *sources, codes=None):
    nb = notebook(*sources)
    room = Room(nb, tg)
    link = KernelLink(connection(km))
    await tg.start(link.run)

    async def get_room(_):
        return room

    async def get_runner(_):
        return link

    queues = HandoffQueues(tg, get_room, get_runner)
    ids = range(len(sources))
    requests = await queues.submit(
        "k",
        room.id,
        [{"cell_id": f"c{i}", "code": (codes or sources)[i]} for i in ids],
    )
    await until(lambda: all(r.status == "done" for r in requests), timeout=30)
    return nb, link, requests


def texts(c: dict) -> list:
    return [o.get("text") or o.get("data") or o.get("ename") for o in c["outputs"]]


async def test_outputs_count_and_state_reach_the_document(kernel):
    async with anyio.create_task_group() as tg:
        nb, link, requests = await run_cells(
            kernel,
            tg,
            "for i in range(5): print(i, end=' ', flush=True)",
            "import sys; print('a'); print('b', file=sys.stderr); 6 * 7",
        )
        first, second = cell(nb, 0), cell(nb, 1)
        assert first["outputs"] == [{"name": "stdout", "output_type": "stream", "text": "0 1 2 3 4 "}]
        assert (first["execution_count"], first["execution_state"]) == (1, "idle")
        assert [o["output_type"] for o in second["outputs"]] == ["stream", "stream", "execute_result"]
        assert second["outputs"][2]["data"] == {"text/plain": "42"}
        assert second["execution_count"] == 2
        await link.stop()
        tg.cancel_scope.cancel()


async def test_clear_output_and_update_display_data_are_applied(kernel):
    code = (
        "from IPython.display import display, clear_output\n"
        "print('gone')\n"
        "clear_output()\n"
        "h = display('first', display_id=True)\n"
        "h.update('second')\n"
        "print('x')\n"
        "clear_output(wait=True)\n"
        "print('kept')\n"
    )
    async with anyio.create_task_group() as tg:
        nb, link, _ = await run_cells(kernel, tg, code)
        assert texts(cell(nb, 0)) == ["kept\n"]
        nb2, _, _ = await run_cells(
            kernel,
            tg,
            "from IPython.display import display\nh = display('a', display_id=True)\nh.update('b')",
        )
        assert [o["data"]["text/plain"] for o in cell(nb2, 0)["outputs"]] == ["'b'"]
        tg.cancel_scope.cancel()


async def test_input_fails_with_a_readable_error_and_stops_the_queue(kernel):
    async with anyio.create_task_group() as tg:
        nb, link, requests = await run_cells(kernel, tg, "input('name? ')", "print('after')")
        (error,) = cell(nb, 0)["outputs"]
        assert error["ename"] == "StdinNotImplementedError"
        assert "does not support input" in error["evalue"]
        assert requests[1].outcome["reason"] == "previous-failed"
        assert cell(nb, 1)["outputs"] == []
        tg.cancel_scope.cancel()


async def test_our_cell_waits_for_another_clients_failing_cell_instead_of_being_aborted(kernel):
    # In the kernel, a cell queued behind a failing one gets an "aborted"
    # reply (the reply that kills jupyverse's own driver). Ours waits until
    # the kernel is idle, so it runs.
    other = kernel.client()
    other.start_channels()
    await other.wait_for_ready(timeout=30)
    async with anyio.create_task_group() as tg:
        nb = notebook("print('ours')")
        room = Room(nb, tg)
        link = KernelLink(connection(kernel))
        await tg.start(link.run)
        other.execute("import time; time.sleep(1.5); 1/0")
        await until(lambda: link.busy_requests, timeout=10)

        async def get_room(_):
            return room

        async def get_runner(_):
            return link

        queues = HandoffQueues(tg, get_room, get_runner)
        started = time.monotonic()
        (request,) = await queues.submit("k", room.id, [{"cell_id": "c0", "code": "print('ours')"}])
        await until(lambda: request.status == "done", timeout=30)
        assert request.outcome["status"] == "ok"
        assert texts(cell(nb, 0)) == ["ours\n"]
        assert time.monotonic() - started > 0.5
        tg.cancel_scope.cancel()
    other.stop_channels()


async def test_interrupt_stops_the_running_cell_and_nothing_else_runs(kernel):
    async with anyio.create_task_group() as tg:
        nb = notebook("import time; time.sleep(20)", "print('no')", "print('no')")
        room = Room(nb, tg)
        link = KernelLink(connection(kernel))
        await tg.start(link.run)

        async def get_room(_):
            return room

        async def get_runner(_):
            return link

        queues = HandoffQueues(tg, get_room, get_runner)
        requests = await queues.submit(
            "k", room.id, [{"cell_id": f"c{i}", "code": s} for i, s in enumerate(
                ["import time; time.sleep(20)", "print('no')", "print('no')"])]
        )
        await until(lambda: requests[0].status == "running")
        await anyio.sleep(0.5)
        queues.interrupt("k")  # what the interrupt route's watcher does first
        await kernel.interrupt_kernel()
        await until(lambda: requests[0].status == "done", timeout=15)
        assert requests[0].outcome["status"] == "error"
        assert cell(nb, 0)["outputs"][-1]["ename"] == "KeyboardInterrupt"
        for i in (1, 2):
            assert cell(nb, i)["outputs"] == [] and cell(nb, i)["execution_state"] == "idle"
        tg.cancel_scope.cancel()
