"""input() prompts: read by any tab, the first answer wins (jupyterlab_handoff.stdin).

jupyter-server-nbmodel's real queue on a real ipykernel for the logic, and
a real Jupyter server (token auth and XSRF on) for the routes.
"""

from __future__ import annotations

import asyncio
import tempfile
import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from test_displays import notebook
from test_reruns import Rooms, dispose, result

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server_nbmodel.execution_stack import ExecutionStack

from jupyterlab_handoff.stdin import Prompts, prepare_new_clients


@pytest.fixture(autouse=True)
def prepared_clients():
    """What the server extension does when it loads (stdin.install), for
    this module's tests only."""
    original = ExecutionStack._get_local_client
    if os.environ.get("HANDOFF_STDIN_UNPATCHED") != "1":
        prepare_new_clients(ExecutionStack)
    yield
    ExecutionStack._get_local_client = original


@contextlib.asynccontextmanager
async def running_kernel():
    # Started in the test's own loop: a kernel started by an async fixture
    # never delivered its input requests here.
    # Connection files in a temporary folder, not the working directory.
    manager = AsyncMappingKernelManager(connection_dir=tempfile.mkdtemp())
    kernel_id = await manager.start_kernel(kernel_name="python3")
    try:
        yield manager, kernel_id
    finally:
        await manager.shutdown_all(now=True)


@contextlib.asynccontextmanager
async def prompts_on(manager):
    """nbmodel's queue on the kernels of ``manager``, and our prompts on it."""
    stack = ExecutionStack(manager, Rooms(notebook(1)))
    try:
        yield stack, Prompts(stack)
    finally:
        await dispose(stack)


def printed(done: dict) -> str:
    """The last text a finished request printed."""
    return json.loads(done["outputs"])[-1]["text"]


def put(stack, kernel_id, code):
    return stack.put(kernel_id, code, {"document_id": "json:notebook:test", "cell_id": "c0"})


async def prompt(prompts: Prompts, kernel_id: str, not_id: str | None = None) -> dict:
    async def poll():
        while True:
            now = prompts.pending(kernel_id)
            if now is not None and now["prompt_id"] != not_id:
                return now
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), 30)


FIRST_REQUEST_ATTEMPTS = 6


@pytest.mark.asyncio
async def test_an_input_in_the_first_request_on_a_fresh_kernel_is_never_lost():
    # Without prepare_new_clients most fresh kernels here lose the prompt or
    # the answer (HANDOFF_STDIN_UNPATCHED=1 shows it).
    for _ in range(FIRST_REQUEST_ATTEMPTS):
        async with running_kernel() as (manager, kernel_id), prompts_on(manager) as (stack, prompts):
            uid = put(stack, kernel_id, "name = input('who? ')\nprint('hi', name)")
            now = await prompt(prompts, kernel_id)
            assert now["request_id"] == uid
            assert await prompts.answer(kernel_id, uid, now["prompt_id"], "you")
            assert printed(await result(stack, kernel_id, uid)) == "hi you\n"


@pytest.mark.asyncio
async def test_the_first_of_two_answers_wins_and_never_answers_the_next_prompt():
    async with running_kernel() as (manager, kernel_id):
        await first_answer_wins(manager, kernel_id)


async def first_answer_wins(manager, kernel_id):
    async with prompts_on(manager) as (stack, prompts):
        uid = put(stack, kernel_id, "a = input('first? ')\nb = input('second? ')\nprint(a, b)")
        first = await prompt(prompts, kernel_id)
        assert first["request_id"] == uid
        assert first["prompt"] == "first? "
        assert first["password"] is False
        won = await asyncio.gather(
            prompts.answer(kernel_id, uid, first["prompt_id"], "tab A"),
            prompts.answer(kernel_id, uid, first["prompt_id"], "tab B"),
        )
        assert sorted(won) == [False, True]
        assert prompts.late_answers == 1
        second = await prompt(prompts, kernel_id, not_id=first["prompt_id"])
        assert second["prompt"] == "second? "
        # A late answer to the first prompt does not answer the second.
        assert not await prompts.answer(kernel_id, uid, first["prompt_id"], "late")
        assert await prompts.answer(kernel_id, uid, second["prompt_id"], "two")
        winner = "tab A" if won[0] else "tab B"
        assert printed(await result(stack, kernel_id, uid)) == f"{winner} two\n"


@pytest.mark.asyncio
async def test_a_password_prompt_says_so_and_reading_never_takes_a_result():
    async with running_kernel() as (manager, kernel_id):
        await password_prompt(manager, kernel_id)


async def password_prompt(manager, kernel_id):
    async with prompts_on(manager) as (stack, prompts):
        uid = put(stack, kernel_id, "import getpass\nsecret = getpass.getpass('pw: ')\nprint(len(secret))")
        now = await prompt(prompts, kernel_id)
        assert now["password"] is True
        assert await prompts.answer(kernel_id, uid, now["prompt_id"], "hunter2")

        async def idle():
            while stack.pending(kernel_id):
                assert prompts.pending(kernel_id) is None or prompts.pending(kernel_id)
                await asyncio.sleep(0.05)

        await asyncio.wait_for(idle(), 30)
        # Polling for prompts after the end leaves the result to its reader.
        assert prompts.pending(kernel_id) is None
        assert printed(await result(stack, kernel_id, uid)) == "7\n"
        assert not await prompts.answer(kernel_id, uid, now["prompt_id"], "late")


PORT = int(os.environ.get("HANDOFF_PYTEST_PORT", "24070"))
TOKEN = "stdin-test-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("server")
    log_path = root.parent / "server.log"
    log = open(log_path, "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            f"--ServerApp.port={PORT}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.open_browser=False",
            "--ServerApp.allow_root=True",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{PORT}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
            break
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(log_path.read_text()[-2000:]) from None
            time.sleep(0.3)
    yield base
    process.terminate()
    process.wait(10)
    log.close()


def call(base: str, method: str, path: str, body: dict | None = None, token: str | None = TOKEN):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"token {token}"
    request = urllib.request.Request(
        base + path,
        method=method,
        headers=headers,
        data=json.dumps(body).encode() if body is not None else None,
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            text = reply.read().decode()
            return reply.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, text


def wait_for_result(server: str, kernel_id: str, request_id: str):
    deadline = time.monotonic() + 30
    while True:
        status, reply = call(server, "GET", f"/api/kernels/{kernel_id}/requests/{request_id}")
        if status != 202:
            return status, reply
        assert time.monotonic() < deadline
        time.sleep(0.1)


@contextlib.contextmanager
def new_kernel(server: str):
    """A fresh kernel on the server, shut down afterwards."""
    status, kernel = call(server, "POST", "/api/kernels", {"name": "python3"})
    assert status == 201
    try:
        yield kernel["id"]
    finally:
        call(server, "DELETE", f"/api/kernels/{kernel['id']}")


def execute(server: str, kernel_id: str, code: str) -> dict:
    """Submit code through nbmodel's execute route."""
    status, reply = call(server, "POST", f"/api/kernels/{kernel_id}/execute", {"code": code})
    assert status == 202
    return reply


def wait_for_prompt(server: str, kernel_id: str, what: str = "the prompt never came") -> dict:
    """The kernel's pending prompt, as our input route reads it."""
    deadline = time.monotonic() + 30
    while True:
        status, pending = call(server, "GET", f"/api/handoff/kernels/{kernel_id}/input")
        if status == 200:
            return pending
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def answer(server: str, kernel_id: str, pending: dict, value: str):
    """One tab's answer to a prompt read: (status, reply)."""
    ids = {k: pending[k] for k in ("request_id", "prompt_id")}
    return call(server, "POST", f"/api/handoff/kernels/{kernel_id}/input", {**ids, "input": value})


def printed_by(server: str, kernel_id: str, request_id: str) -> str:
    """What a request printed last, once it finished."""
    status, done = wait_for_result(server, kernel_id, request_id)
    assert status == 200, done
    return printed(done)


def test_the_routes_answer_the_first_tab_and_refuse_the_second(server):
    with new_kernel(server) as kernel_id:
        assert call(server, "GET", f"/api/handoff/kernels/{kernel_id}/input")[0] == 204
        # Token auth stays on.
        assert call(server, "GET", f"/api/handoff/kernels/{kernel_id}/input", token=None)[0] in (
            401,
            403,
        )
        assert call(server, "GET", "/api/handoff/kernels/nope/input")[0] == 404
        # The prompt comes in the kernel's very first request: see
        # prepare_new_clients().
        execute(server, kernel_id, "name = input('who? ')\nprint('hi', name)")
        pending = wait_for_prompt(server, kernel_id)
        assert pending["prompt"] == "who? "
        assert pending["password"] is False
        assert answer(server, kernel_id, pending, "B")[0] == 201
        status, refused = answer(server, kernel_id, pending, "A")
        assert (status, refused["answered"]) == (409, False)
        assert call(server, "POST", f"/api/handoff/kernels/{kernel_id}/input", {"input": 1})[0] == 400
        assert printed_by(server, kernel_id, pending["request_id"]) == "hi B\n"


def test_an_input_in_the_first_cell_run_on_a_fresh_kernel_is_never_lost(server):
    """The same through the real server and our routes (``install`` applies
    ``prepare_new_clients``): the first request of each of five fresh
    kernels asks for input, as a fresh notebook's first cell does, and each
    gets its prompt and its answer."""
    for attempt in range(5):
        with new_kernel(server) as kernel_id:
            reply = execute(server, kernel_id, "name = input('first? ')\nprint('got', name)")
            pending = wait_for_prompt(server, kernel_id, f"kernel {attempt}: the prompt never came")
            assert pending["request_id"] == reply["request_id"]
            assert answer(server, kernel_id, pending, "x")[0] == 201
            assert printed_by(server, kernel_id, reply["request_id"]) == "got x\n"
