"""A kernel restart (from a tab, or automatic after the kernel died) ends
jupyter-server-nbmodel's runs on it, so the next run starts.

nbmodel 0.2 alone keeps the cut run listed as running forever and every later
request on the kernel queued behind it (restarts.py); the control test shows
that, the others show our server part ending them.
"""

from __future__ import annotations

import time

import pytest

from serverharness import Server, wait_for

LOOP = "import time\nfor i in range(400):\n    print(i, flush=True)\n    time.sleep(0.25)\n"
DIE = "import os, time\ntime.sleep(1)\nos._exit(1)\n"


@pytest.fixture
def root(tmp_path):
    yield tmp_path
    Server.kill_all()


def post(server: Server, kernel: str, code: str) -> str:
    reply = server.api("POST", f"/api/kernels/{kernel}/execute", {"code": code})
    return reply.json()["request_id"]


def listed(server: Server, kernel: str) -> dict[str, str]:
    body = server.api("GET", f"/api/kernels/{kernel}/execute").json()
    return {r["request_id"]: r["request_status"] for r in body["requests"]}


def result(server: Server, kernel: str, request: str) -> int:
    import requests

    reply = requests.get(
        f"{server.url}/api/kernels/{kernel}/requests/{request}",
        headers=server.headers,
        timeout=30,
    )
    return reply.status_code


def cut_mid_run(server: Server, how: str) -> tuple[str, str, str]:
    kernel = server.api("POST", "/api/kernels", {"name": "python3"}).json()["id"]
    running = post(server, kernel, LOOP if how == "restart" else DIE)
    queued = post(server, kernel, "print('queued')")
    wait_for(lambda: listed(server, kernel).get(running) == "running", 60, "the run to start")
    if how == "restart":
        server.api("POST", f"/api/kernels/{kernel}/restart")
    return kernel, running, queued


@pytest.mark.parametrize("how", ["restart", "death"])
def test_after_a_restart_the_next_run_works(root, how):
    server = Server(root)
    kernel, running, queued = cut_mid_run(server, how)
    # The cut run and the one queued behind it end (cancelled) ...
    wait_for(
        lambda: running not in listed(server, kernel) and queued not in listed(server, kernel),
        60,
        "the cut and queued runs to end",
    )
    # ... and the next one runs on the restarted kernel.
    after = post(server, kernel, "print('after')")
    wait_for(lambda: result(server, kernel, after) == 200, 60, "the next run to finish")


def test_without_our_server_part_the_next_run_never_starts(root):
    server = Server(root, handoff=False)
    kernel, running, queued = cut_mid_run(server, "restart")
    time.sleep(5)
    after = post(server, kernel, "print('after')")
    time.sleep(5)
    assert listed(server, kernel) == {running: "running", queued: "queued", after: "queued"}


# -- The cut cell says why it ended, written by the server (kernelcuts.py) --

import asyncio  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from serverharness import TOKEN  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ui-tests"))

from foreign_client import Server as Client  # noqa: E402
from foreign_client import WebsocketChannel, open_room  # noqa: E402
from jupyter_ydoc import YNotebook  # noqa: E402
from pycrdt import Doc, Provider  # noqa: E402

RESTARTED = "This run was cut short: the kernel was restarted while it ran."
DIED = "This run was cut short: the kernel died while it ran."
# Each number goes to progress.txt before it is printed.
COUNT = (
    "import time\nfor i in range(400):\n    open('progress.txt', 'a').write(f'{i}\\n')\n"
    "    print(i, flush=True)\n    time.sleep(0.25)\n"
)
COUNT_THEN_DIE = (
    "import os, time\nfor i in range(6):\n    print(i, flush=True)\n    time.sleep(0.25)\n"
    "time.sleep(0.5)\nos._exit(1)\n"
)


def write_notebook(path: Path, sources: dict[str, str]) -> None:
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": cell_id,
            "metadata": {},
            "outputs": [],
            "source": source,
        }
        for cell_id, source in sources.items()
    ]
    path.write_text(
        json.dumps(
            {
                "cells": cells,
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )


class Tab:
    """A collaborator's copy of the notebook, as a tab holds it."""

    def __init__(self, server: Server, path: str) -> None:
        self._client = Client(server.url, TOKEN)
        self._path = path
        self.doc = Doc()
        self.notebook = YNotebook(self.doc)

    async def __aenter__(self) -> Tab:
        self._socket, self.room = await open_room(self._client, self._path)
        self._provider = Provider(self.doc, WebsocketChannel(self._socket, self.room))
        await self._provider.__aenter__()
        await asyncio.wait_for(self._provider.synced.wait(), 30)
        return self

    async def __aexit__(self, *args) -> None:
        await self._provider.__aexit__(*args)
        self._socket.close()

    def cell(self, cell_id: str) -> dict:
        return next(c for c in self.notebook.ycells if c.get("id") == cell_id).to_py()

    def mark_running(self, *cell_ids: str) -> None:
        """What the submitting tab does to the cells it queues: cleared, [*]."""
        for cell in self.notebook.ycells:
            if cell.get("id") in cell_ids:
                with self.doc.transaction():
                    del cell["outputs"][:]
                    cell["execution_count"] = None
                    cell["execution_state"] = "running"

    async def until(self, predicate, timeout: float, what: str):
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            value = predicate()
            if value:
                return value
            await asyncio.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}")


def text_of(cell: dict) -> str:
    return "".join(
        "".join(o["text"]) if isinstance(o["text"], list) else o["text"]
        for o in cell["outputs"]
        if o["output_type"] == "stream"
    )


def errors_of(cell: dict) -> list[dict]:
    return [o for o in cell["outputs"] if o["output_type"] == "error"]


def assert_cut_short(cell: dict, words: str) -> None:
    """Printed numbers in order, then the note once, and nothing else."""
    errors = errors_of(cell)
    assert [e["ename"] for e in errors] == ["RunCutShort"], cell["outputs"]
    assert errors[0]["evalue"].startswith(words), errors[0]
    assert cell["outputs"][-1] == errors[0], "the note comes after what the run printed"
    numbers = [int(x) for x in text_of(cell).split()]
    assert numbers and numbers == list(range(len(numbers))), text_of(cell)


def saved_cell(path: Path, cell_id: str) -> dict:
    """The cell as saved; read again while the server is writing the file."""
    notebook = wait_for(lambda: _complete_json(path), 10, "a complete file")
    return next(c for c in notebook["cells"] if c["id"] == cell_id)


def _complete_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        return None


def execute(server: Server, kernel: str, room: str, cell_id: str, code: str) -> str:
    body = {"code": code, "metadata": {"cell_id": cell_id, "document_id": room}}
    return server.api("POST", f"/api/kernels/{kernel}/execute", body).json()["request_id"]


def final(server: Server, kernel: str, request: str) -> tuple[int, dict]:
    import requests

    reply = requests.get(
        f"{server.url}/api/kernels/{kernel}/requests/{request}",
        headers=server.headers,
        timeout=30,
    )
    return reply.status_code, reply.json() if reply.content else {}


async def test_a_restart_from_any_tab_mid_run_ends_the_cell_with_the_note(root):
    path = root / "restart.ipynb"
    write_notebook(path, {"running": COUNT, "queued": "print('queued')", "next": "print('next')"})
    server = await asyncio.to_thread(Server, root)
    kernel = server.api("POST", "/api/kernels", {"name": "python3"}).json()["id"]
    async with Tab(server, "restart.ipynb") as tab:
        tab.mark_running("running", "queued")
        running = execute(server, kernel, tab.room, "running", COUNT)
        queued = execute(server, kernel, tab.room, "queued", "print('queued')")
        await tab.until(lambda: len(text_of(tab.cell("running")).split()) >= 4, 60, "output")
        printed = (root / "progress.txt").read_text().split()
        # As JupyterLab restarts a kernel (from this tab or another one).
        await asyncio.to_thread(server.api, "POST", f"/api/kernels/{kernel}/restart")
        await tab.until(lambda: errors_of(tab.cell("running")), 30, "the note")
        # The kernel's reply to the restart's interrupt came too: let it.
        await asyncio.sleep(2)
        cell = tab.cell("running")
        assert_cut_short(cell, RESTARTED)
        # Everything printed before the restart was asked for is kept.
        assert text_of(cell).split()[: len(printed)] == printed
        assert "KeyboardInterrupt" not in json.dumps(cell["outputs"])
        assert cell["execution_state"] == "idle"
        assert cell["execution_count"] is None
        assert "jupyter_server_nbmodel" not in cell["metadata"]
        # The queued cell is back to [ ], as JupyterLab shows an aborted cell.
        assert tab.cell("queued")["execution_state"] == "idle"
        assert tab.cell("queued")["outputs"] == []
        # What nbmodel answers the submitting tab: the same end, the queued
        # cell dropped.
        status, body = final(server, kernel, running)
        assert status == 200 and body["status"] == "error", body
        assert json.loads(body["outputs"]) == cell["outputs"]
        status, body = final(server, kernel, queued)
        assert status == 500 and "previous queued request failed" in body["error"], body
        # The next run works.
        after = execute(server, kernel, tab.room, "next", "print('next')")
        await tab.until(lambda: tab.cell("next")["execution_count"], 60, "the next run")
        assert text_of(tab.cell("next")) == "next\n"
        assert final(server, kernel, after)[0] == 200
    # Saved with the note, once.
    wait_for(lambda: errors_of(saved_cell(path, "running")), 30, "the saved note")
    assert_cut_short(saved_cell(path, "running"), RESTARTED)


async def test_a_kernel_death_with_no_tab_open_is_told_in_the_document_and_file(root):
    path = root / "death.ipynb"
    write_notebook(path, {"dies": COUNT_THEN_DIE, "queued": "print('q')", "next": "1 + 1"})
    server = await asyncio.to_thread(Server, root)
    kernel = server.api("POST", "/api/kernels", {"name": "python3"}).json()["id"]
    async with Tab(server, "death.ipynb") as tab:
        tab.mark_running("dies", "queued")
        execute(server, kernel, tab.room, "dies", COUNT_THEN_DIE)
        execute(server, kernel, tab.room, "queued", "print('q')")
        await tab.until(lambda: text_of(tab.cell("dies")).split(), 60, "the run to print")
    # The tab is gone; the kernel dies (os._exit) and is restarted by the server.
    saved = await asyncio.to_thread(
        wait_for, lambda: errors_of(saved_cell(path, "dies")), 60, "the saved note"
    )
    assert saved
    assert_cut_short(saved_cell(path, "dies"), DIED)
    assert text_of(saved_cell(path, "dies")).split() == [str(i) for i in range(6)]
    # A tab opened now sees the same, and no [*] anywhere.
    async with Tab(server, "death.ipynb") as later:
        cell = later.cell("dies")
        assert_cut_short(cell, DIED)
        assert cell["execution_state"] == "idle"
        assert later.cell("queued")["execution_state"] == "idle"
        execute(server, kernel, later.room, "next", "1 + 1")
        await later.until(lambda: later.cell("next")["execution_count"], 60, "the next run")
        assert later.cell("next")["outputs"][0]["data"]["text/plain"] == "2"
