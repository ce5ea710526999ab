"""Our queue module inside a real jupyverse (from .venv-jupyverse), token
auth on, driven over HTTP and a Yjs websocket as a browser would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
import websocket

ROOT = Path(__file__).resolve().parent.parent
JUPYVERSE = ROOT / ".venv-jupyverse" / "bin" / "jupyverse"
PORT = int(os.environ.get("HANDOFF_JUPYVERSE_PYTEST_PORT", "21011"))
TOKEN = "pytest-token"
BASE = f"http://127.0.0.1:{PORT}"
CLEANUP_DELAY = 2


def code_cell(cell_id: str, source: str) -> dict:
    return {
        "cell_type": "code",
        "id": cell_id,
        "metadata": {},
        "outputs": [],
        "execution_count": None,
        "source": source,
    }


def write_notebook(path: Path, *sources: str) -> None:
    cells = [code_cell(f"c{i}", s) for i, s in enumerate(sources)]
    path.write_text(
        json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("jupyverse")
    write_notebook(root / "placeholder.ipynb", "1")
    log = open(root / "server.log", "w")
    proc = subprocess.Popen(
        [
            str(JUPYVERSE),
            "--port", str(PORT),
            "--host", "127.0.0.1",
            "--timeout", "120",  # each module gets 1 s by default: too little here
            "--set", "auth.mode=token",
            "--set", f"auth.token={TOKEN}",
            "--set", "kernels.require_yjs=true",
            "--set", "jupyterlab.server_side_execution=true",
            "--set", "frontend.collaborative=true",
            # Short, so the room test proves the hold: without it the room
            # would close mid-run.
            "--set", f"yrooms.document_cleanup_delay={CLEANUP_DELAY}",
        ],
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while True:
        try:
            requests.get(BASE + "/login", timeout=1)
            break
        except requests.ConnectionError:
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError((root / "server.log").read_text())
            time.sleep(0.3)
    yield {"root": root, "proc": proc}
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


class TimedSession(requests.Session):
    """Every request gets a timeout: jupyverse 0.14.18 has left a request
    unanswered (a session POST in a CI run), and pytest has no timeout of
    its own, so a hang would stall the whole run instead of failing here."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", 60)
        return super().request(*args, **kwargs)


@pytest.fixture
def session(server):
    s = TimedSession()
    s.get(f"{BASE}/?token={TOKEN}", timeout=10)
    assert "fastapiusersauth" in s.cookies
    return s


def open_notebook(server, session, name: str, *sources: str) -> tuple[str, str]:
    write_notebook(server["root"] / name, *sources)
    time.sleep(0.2)
    kernel = session.post(
        f"{BASE}/api/sessions",
        json={"path": name, "name": name, "type": "notebook", "kernel": {"name": "python3"}},
    ).json()["kernel"]["id"]
    file_id = session.put(
        f"{BASE}/api/collaboration/session/{name}", json={"format": "json", "type": "notebook"}
    ).json()["fileId"]
    return kernel, f"json:notebook:{file_id}"


def submit(session, kernel, document, cells) -> list[str]:
    r = session.post(
        f"{BASE}/api/handoff/kernels/{kernel}/execute",
        json={"document_id": document, "cells": cells},
    )
    assert r.status_code == 202, r.text
    return [x["request_id"] for x in r.json()["requests"]]


def wait_done(session, kernel, ids, timeout=60) -> list[dict]:
    deadline = time.time() + timeout
    while True:
        states = [
            session.get(f"{BASE}/api/handoff/kernels/{kernel}/requests/{i}").json() for i in ids
        ]
        if all(s["status"] == "done" for s in states):
            return states
        assert time.time() < deadline, states
        time.sleep(0.2)


def saved(server, name: str, wait_for=None, timeout=15) -> dict:
    deadline = time.time() + timeout
    while True:
        try:
            nb = json.loads((server["root"] / name).read_text())
        except json.JSONDecodeError:
            # jupyverse rewrites the file in place: read mid-write, it is
            # empty or cut short. Read it again once the write is done.
            nb = None
        if nb is not None and (wait_for is None or wait_for(nb)):
            return nb
        assert time.time() < deadline, nb
        time.sleep(0.2)


def text(cell: dict) -> str:
    return "".join(
        "".join(o["text"]) if isinstance(o.get("text"), list) else o.get("text", "")
        for o in cell["outputs"]
    )


def test_routes_need_the_login_cookie(server, session):
    assert session.get(f"{BASE}/api/handoff").json()["queue"] == "server"
    bare = requests.Session()
    for method, path in [
        ("get", "/api/handoff"),
        ("post", "/api/handoff/kernels/k/execute"),
        ("get", "/api/handoff/kernels/k/requests"),
        ("delete", "/api/handoff/kernels/k/requests"),
    ]:
        r = getattr(bare, method)(
            BASE + path, headers={"Authorization": f"token {TOKEN}"}, allow_redirects=False
        )
        assert r.status_code in (307, 401, 403), (path, r.status_code)


def test_bad_requests_get_clear_messages(server, session):
    kernel, document = open_notebook(server, session, "bad.ipynb", "1")
    url = f"{BASE}/api/handoff/kernels/{kernel}/execute"
    r = session.post(url, json={"document_id": document, "cells": [{"cell_id": "nope"}]})
    assert r.status_code == 400 and "no cell with id nope" in r.json()["detail"]
    r = session.post(url, json={"document_id": "json:notebook:missing", "cell_id": "c0"})
    assert r.status_code == 404 and "document id" in r.json()["detail"]
    r = session.post(f"{BASE}/api/handoff/kernels/unknown/execute", json={"document_id": document, "cell_id": "c0"})
    assert r.status_code == 404 and "kernel" in r.json()["detail"]
    r = session.post(url, data="not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400


def test_run_all_with_an_error_stops_there_and_the_server_lives(server, session):
    name = "errors.ipynb"
    kernel, document = open_notebook(
        server, session, name, "print(1)", "print(2)", "1/0", "print(4)", "print(5)", "print(6)"
    )
    ids = submit(session, kernel, document, [{"cell_id": f"c{i}"} for i in range(6)])
    states = wait_done(session, kernel, ids)
    assert [s["outcome"].get("status") for s in states[:3]] == ["ok", "ok", "error"]
    assert [s["outcome"]["reason"] for s in states[3:]] == ["previous-failed"] * 3
    nb = saved(server, name, lambda nb: nb["cells"][2]["execution_count"] is not None)
    assert [c["execution_count"] for c in nb["cells"]] == [1, 2, 3, None, None, None]
    assert [c["outputs"] for c in nb["cells"][3:]] == [[], [], []]
    assert "jupyterlab_handoff" not in nb["cells"][5]["metadata"]
    # Still alive, and still running cells.
    (again,) = submit(session, kernel, document, [{"cell_id": "c0"}])
    assert wait_done(session, kernel, [again])[0]["outcome"]["status"] == "ok"
    assert server["proc"].poll() is None


def test_jupyverse_own_failing_cell_cannot_abort_ours_into_a_crash(server, session):
    name = "foreign.ipynb"
    kernel, document = open_notebook(
        server, session, name, "import time; time.sleep(1.5); 1/0", "print('ours')"
    )
    # jupyverse's own route runs the failing cell; ours is submitted while it
    # runs and must wait for the kernel to be idle (not be queued in the
    # kernel behind it, which aborts it).
    r = session.post(
        f"{BASE}/api/kernels/{kernel}/execute", json={"document_id": document, "cell_id": "c0"}
    )
    assert r.status_code == 200
    time.sleep(0.5)
    (rid,) = submit(session, kernel, document, [{"cell_id": "c1"}])
    assert wait_done(session, kernel, [rid])[0]["outcome"]["status"] == "ok"
    nb = saved(server, name, lambda nb: nb["cells"][1]["execution_count"] is not None)
    assert text(nb["cells"][1]) == "ours\n"
    assert server["proc"].poll() is None


def test_interrupt_drops_the_queue(server, session):
    name = "interrupt.ipynb"
    kernel, document = open_notebook(
        server, session, name, "import time; time.sleep(30)", "print('no')", "print('no')"
    )
    ids = submit(session, kernel, document, [{"cell_id": f"c{i}"} for i in range(3)])
    deadline = time.time() + 30
    while session.get(f"{BASE}/api/handoff/kernels/{kernel}/requests/{ids[0]}").json()["status"] != "running":
        assert time.time() < deadline
        time.sleep(0.1)
    time.sleep(1)
    assert session.post(f"{BASE}/api/kernels/{kernel}/interrupt").status_code == 200
    states = wait_done(session, kernel, ids, timeout=20)
    assert states[0]["outcome"]["status"] == "error"
    assert [s["outcome"]["reason"] for s in states[1:]] == ["cancelled", "cancelled"]
    assert session.get(f"{BASE}/api/handoff/kernels/{kernel}/requests").json() == []
    assert server["proc"].poll() is None


def test_the_room_outlives_every_client_while_its_cell_runs(server, session):
    # A 6 s run; the only client leaves at once; the room's cleanup delay is
    # 2 s. Every line must reach the saved file.
    name = "room.ipynb"
    source = "import time\nfor i in range(12):\n    print(i, end=' ', flush=True)\n    time.sleep(0.5)"
    kernel, document = open_notebook(server, session, name, source)
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{PORT}/api/collaboration/room/{document}", header=[f"Cookie: {cookie}"]
    )
    ws.recv()  # the server's sync step 1: we are a client of the room
    (rid,) = submit(session, kernel, document, [{"cell_id": "c0"}])
    ws.close()
    assert wait_done(session, kernel, [rid], timeout=60)[0]["outcome"]["status"] == "ok"
    nb = saved(server, name, lambda nb: nb["cells"][0]["execution_count"] is not None)
    assert text(nb["cells"][0]) == " ".join(str(i) for i in range(12)) + " "
    assert nb["cells"][0]["execution_count"] == 1


def test_our_settings_save_although_jupyverse_saves_only_jupyterlab_ones(server, session):
    url = f"{BASE}/lab/api/settings/@jupyterlab-handoff/extension:server-execution"
    raw = '{"serverSideExecution": false}'
    assert session.put(url, json={"raw": raw}).status_code == 204
    got = session.get(url).json()
    assert got["raw"] == raw and got["settings"] == {"serverSideExecution": False}
    assert session.put(url, json={"raw": "{}"}).status_code == 204


def test_a_kernel_restart_ends_the_run_and_the_queue_and_the_next_run_works(server, session):
    name = "restart.ipynb"
    kernel, document = open_notebook(
        server,
        session,
        name,
        "import time; open('restart-started', 'w').close(); time.sleep(30)",
        "print('no')",
    )
    ids = submit(session, kernel, document, [{"cell_id": "c0"}, {"cell_id": "c1"}])
    deadline = time.time() + 30
    while session.get(f"{BASE}/api/handoff/kernels/{kernel}/requests/{ids[0]}", timeout=10).json()["status"] != "running":
        assert time.time() < deadline
        time.sleep(0.1)
    # Restart only once the kernel itself runs the cell: jupyverse 0.14.18
    # never answers a restart of a kernel it is still starting (its server
    # waits for a start that the restart has cut off; seen once in CI, the
    # restart sent in the kernel's first second).
    while not (server["root"] / "restart-started").exists():
        assert time.time() < deadline
        time.sleep(0.1)
    assert session.post(f"{BASE}/api/kernels/{kernel}/restart", timeout=60).status_code == 200
    states = wait_done(session, kernel, ids, timeout=30)
    assert states[0]["outcome"]["kind"] == "failed"
    assert "restarted" in states[0]["outcome"]["message"]
    assert states[1]["outcome"]["kind"] == "cancelled"
    nb = saved(server, name, lambda nb: "jupyterlab_handoff" not in nb["cells"][0]["metadata"])
    assert [c.get("execution_count") for c in nb["cells"]] == [None, None]
    # The restarted kernel (new ports) runs the next cell.
    (again,) = submit(session, kernel, document, [{"cell_id": "c1"}])
    assert wait_done(session, kernel, [again], timeout=60)[0]["outcome"] == {
        "kind": "reply",
        "status": "ok",
        "execution_count": 1,
    }
