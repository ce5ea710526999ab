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
