"""Display updates on a real kernel, run by jupyter-server-nbmodel's executor.

An ipykernel, nbmodel's ``_execute_snippet`` (what its queue worker runs for
each cell) and a real Yjs notebook. The only stand-in is the lookup of the
notebook's room, which jupyter-collaboration does in a server.
"""

from __future__ import annotations

import logging

import pytest
import pytest_asyncio
from jupyter_client.manager import AsyncKernelManager
from jupyter_server_nbmodel import actions

from jupyterlab_handoff import displays

from test_displays import notebook, texts

LOG = logging.getLogger("test_displays_kernel")


class Rooms:
    """jupyter-collaboration's document lookup, for one notebook."""

    def __init__(self, nb) -> None:
        self.nb = nb

    async def get_document(self, **kwargs):
        return self.nb


@pytest_asyncio.fixture
async def kernel():
    manager = AsyncKernelManager(kernel_name="python3")
    await manager.start_kernel()
    client = manager.client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    try:
        yield client
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)


@pytest.fixture
def installed(monkeypatch):
    monkeypatch.setattr(actions, "_output_hook", actions._output_hook)
    assert displays.install(LOG) is not None


async def run(client, nb, index: int, code: str) -> dict:
    metadata = {
        "document_id": "json:notebook:test",
        "cell_id": nb.ycells[index]["id"],
        "kernel_id": "kernel-under-test",
        "request_id": f"request-{index}-{len(code)}",
    }
    progress: dict = {}
    return await actions._execute_snippet(
        client, Rooms(nb), code, metadata, None, progress
    )


@pytest.mark.asyncio
async def test_an_update_in_the_same_cell(kernel, installed):
    nb = notebook(1)
    result = await run(
        kernel,
        nb,
        0,
        "h = display('first', display_id=True)\nprint('between')\nh.update('updated')",
    )
    assert texts(nb.ycells[0]) == ["'updated'", "between\n"]
    # nbmodel's result, read by the tab that ran the cell, agrees.
    assert "'updated'" in result["outputs"] and "'first'" not in result["outputs"]


@pytest.mark.asyncio
async def test_an_update_from_the_next_cell(kernel, installed):
    nb = notebook(2)
    await run(kernel, nb, 0, "h = display('first', display_id=True)")
    assert texts(nb.ycells[0]) == ["'first'"]
    await run(kernel, nb, 1, "h.update('from the next cell')")
    assert texts(nb.ycells[0]) == ["'from the next cell'"]
    assert texts(nb.ycells[1]) == []


@pytest.mark.asyncio
async def test_without_our_part_the_display_keeps_its_first_value(kernel):
    # The gap, on the same kernel and executor.
    nb = notebook(1)
    await run(kernel, nb, 0, "h = display('first', display_id=True)\nh.update('updated')")
    assert texts(nb.ycells[0]) == ["'first'"]
