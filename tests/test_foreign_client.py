"""The foreign client of the browser tests, against a real Jupyter server.

It must behave as another frontend does: run a cell over its own kernel
websocket and session (never through jupyter-server-nbmodel), and write
outputs, count and state into the shared document. And every other
websocket on the kernel (a JupyterLab tab) must hear its run start:
`status: busy` and `execute_input` with the client's session, which is what
the extension's foreign-run detection relies on.

The server keeps token authentication and XSRF protection on.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from jupyter_ydoc import YNotebook
from pycrdt import Doc, Provider
from tornado.httpclient import HTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

ROOT = Path(__file__).resolve().parent.parent
CLIENT = ROOT / "ui-tests" / "foreign_client.py"
sys.path.insert(0, str(CLIENT.parent))

from foreign_client import Server, WebsocketChannel, open_room  # noqa: E402

TOKEN = "foreign-client-test-token"
# The port base of the browser tests (HANDOFF_PORT_BASE, 18888 by default)
# plus 50, so parallel runs on one machine keep to their own ranges;
# HANDOFF_PYTEST_PORT sets it outright.
PORT = int(
    os.environ.get("HANDOFF_PYTEST_PORT")
    or int(os.environ.get("HANDOFF_PORT_BASE", "18888")) + 50
)
CODE = "import time\nprint('one')\ntime.sleep(1)\nprint('two')\n1 + 1"
# Runs until the test creates the file "go" next to the notebook.
WAIT = "import os, time\nwhile not os.path.exists('go'):\n    time.sleep(0.05)"


def rest(method: str, path: str, body: object = None) -> object:
    request = HTTPRequest(
        f"http://127.0.0.1:{PORT}/{path}?token={TOKEN}",
        method=method,
        body=None if body is None else json.dumps(body),
        headers={"Content-Type": "application/json"},
    )
    response = HTTPClient().fetch(request)
    return json.loads(response.body or b"null")


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not port_free(PORT):
        pytest.fail(f"port {PORT} is taken; set HANDOFF_PYTEST_PORT")
    root = tmp_path_factory.mktemp("root")
    log = open(root.parent / "server.log", "wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--port={PORT}",
            "--ip=127.0.0.1",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.allow_root=True",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                rest("GET", "api/status")
                break
            except (OSError, HTTPClientError):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not start; see {log.name}")
                time.sleep(0.5)
        notebook = {
            "cells": [
                {
                    "cell_type": "code",
                    "id": "foreign-cell",
                    "source": CODE,
                    "metadata": {},
                    "outputs": [],
                    "execution_count": None,
                },
                {
                    "cell_type": "code",
                    "id": "wait-cell",
                    "source": WAIT,
                    "metadata": {},
                    "outputs": [],
                    "execution_count": None,
                },
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        rest("PUT", "api/contents/a.ipynb", {"type": "notebook", "content": notebook})
        session = rest(
            "POST",
            "api/sessions",
            {"path": "a.ipynb", "type": "notebook", "name": "", "kernel": {"name": "python3"}},
        )
        yield {"kernel": session["kernel"]["id"], "root": root}
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def run_client(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            str(CLIENT),
            "--url",
            f"http://127.0.0.1:{PORT}",
            "--token",
            TOKEN,
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


async def read_cell(cell_id: str) -> dict:
    """The cell as another collaborator's document has it."""
    server = Server(f"http://127.0.0.1:{PORT}", TOKEN)
    socket_, room = await open_room(server, "a.ipynb")
    doc = Doc()
    notebook = YNotebook(doc)
    async with Provider(doc, WebsocketChannel(socket_, room)) as provider:
        await asyncio.wait_for(provider.synced.wait(), 30)
        cell = next(c for c in notebook.ycells if c.get("id") == cell_id)
        result = cell.to_py()
    socket_.close()
    return result


async def watch_kernel(kernel_id: str, seen: list, ready: asyncio.Event) -> None:
    """A second kernel websocket, as a JupyterLab tab holds one."""
    url = f"ws://127.0.0.1:{PORT}/api/kernels/{kernel_id}/channels?session_id=tab&token={TOKEN}"
    socket_ = await websocket_connect(url)
    ready.set()
    try:
        while True:
            text = await socket_.read_message()
            if text is None:
                return
            message = json.loads(text)
            if message.get("channel") == "iopub":
                seen.append(message)
    finally:
        socket_.close()


def test_runs_a_cell_as_another_client_and_the_tab_hears_it(server):
    async def scenario():
        seen: list = []
        ready = asyncio.Event()
        watcher = asyncio.create_task(watch_kernel(server["kernel"], seen, ready))
        await ready.wait()
        result = await asyncio.to_thread(run_client, "--path", "a.ipynb", "--cell", "0")
        # The watcher may still be reading the last messages.
        await asyncio.sleep(1)
        watcher.cancel()
        return result, seen

    result, seen = asyncio.run(scenario())
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["event"] for e in events] == ["connected", "started", "finished"]
    connected, started, finished = events
    assert connected["cell"] == "foreign-cell"
    assert started["code"] == CODE
    assert finished["status"] == "ok"
    count = finished["execution_count"]
    assert isinstance(count, int)

    # What a tab's kernel websocket heard: the run, with the client's session.
    ours = [m for m in seen if m["parent_header"].get("msg_id") == finished["msg_id"]]
    kinds = [(m["header"]["msg_type"], m["content"].get("execution_state")) for m in ours]
    assert kinds[0] == ("status", "busy")
    assert ("execute_input", None) in kinds
    assert kinds[-1] == ("status", "idle")
    assert {m["parent_header"]["session"] for m in ours} == {finished["session"]}

    cell = asyncio.run(read_cell("foreign-cell"))
    assert cell["execution_count"] == count
    assert cell["execution_state"] == "idle"
    assert cell["outputs"][0]["output_type"] == "stream"
    assert cell["outputs"][0]["text"] == "one\ntwo\n"
    assert cell["outputs"][1]["output_type"] == "execute_result"
    assert cell["outputs"][1]["data"]["text/plain"] == "2"
    assert len(cell["outputs"]) == 2


def test_marks_the_cell_running_while_it_runs(server):
    async def scenario():
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(CLIENT),
            "--url",
            f"http://127.0.0.1:{PORT}",
            "--token",
            TOKEN,
            "--path",
            "a.ipynb",
            "--cell-id",
            "wait-cell",
            stdout=asyncio.subprocess.PIPE,
        )
        while True:
            line = await asyncio.wait_for(process.stdout.readline(), 60)
            assert line, "the client ended before the kernel started the cell"
            if json.loads(line)["event"] == "started":
                break
        # The cell runs until we let it end.
        during = await read_cell("wait-cell")
        (server["root"] / "go").touch()
        await asyncio.wait_for(process.wait(), 60)
        after = await read_cell("wait-cell")
        return during, after, process.returncode
    during, after, code = asyncio.run(scenario())
    assert code == 0
    assert during["execution_state"] == "running"
    assert during["execution_count"] is None
    assert after["execution_state"] == "idle"
    # Numbers in the shared document are JavaScript numbers (floats here).
    assert after["execution_count"] >= 1


def test_says_why_it_cannot_run(server):
    result = run_client("--path", "missing.ipynb")
    assert result.returncode == 1
    assert "no kernel session for missing.ipynb" in result.stderr
    result = run_client("--path", "a.ipynb", "--cell", "7")
    assert result.returncode == 1
    assert "no cell 7: the notebook has 2" in result.stderr


def test_the_server_runs_echo_our_code_with_one_session_per_kernel(server):
    """What the foreign-run derivation takes for the server's own runs:
    jupyter-server-nbmodel sends the code as we posted it (the kernel echoes
    it in `execute_input`), always from one session per kernel."""

    async def scenario():
        seen: list = []
        ready = asyncio.Event()
        watcher = asyncio.create_task(watch_kernel(server["kernel"], seen, ready))
        await ready.wait()
        codes = ["x = 40", "x + 2"]
        for code in codes:
            answer = await asyncio.to_thread(
                rest,
                "POST",
                f"api/kernels/{server['kernel']}/execute",
                {"code": code, "metadata": {"cell_id": "foreign-cell"}},
            )
            assert answer is None or isinstance(answer, dict)
            deadline = time.monotonic() + 60
            while not any(
                m["header"]["msg_type"] == "execute_input" and m["content"]["code"] == code
                for m in seen
            ):
                assert time.monotonic() < deadline, f"no execute_input for {code!r}"
                await asyncio.sleep(0.1)
        watcher.cancel()
        return codes, seen

    codes, seen = asyncio.run(scenario())
    inputs = [m for m in seen if m["header"]["msg_type"] == "execute_input"]
    assert [m["content"]["code"] for m in inputs] == codes
    sessions = {m["parent_header"]["session"] for m in inputs}
    assert len(sessions) == 1
    assert "tab" not in sessions
