"""``POST /api/handoff/kernels/{k}/execute`` queues a Run All at once
(batches.py): every cell in order, all or none, each an nbmodel request."""

from __future__ import annotations

import json

import pytest
import requests

from serverharness import Server, wait_for


@pytest.fixture
def root(tmp_path):
    yield tmp_path
    Server.kill_all()


def post(server: Server, kernel: str, body: object) -> requests.Response:
    return requests.post(
        f"{server.url}/api/handoff/kernels/{kernel}/execute",
        headers=server.headers,
        data=json.dumps(body),
        timeout=30,
    )


def result(server: Server, kernel: str, request_id: str) -> dict | None:
    response = requests.get(
        f"{server.url}/api/kernels/{kernel}/requests/{request_id}",
        headers=server.headers,
        timeout=30,
    )
    return response.json() if response.status_code == 200 else None


def test_the_cells_run_in_order_each_as_an_nbmodel_request(root):
    server = Server(root)
    kernel = server.api("POST", "/api/kernels", {"name": "python3"}).json()["id"]
    cells = [
        {"code": "import time; time.sleep(0.5); order = ['a']", "metadata": {"cell_id": "a"}},
        {"code": "order.append('b')", "metadata": {"cell_id": "b"}},
        {"code": "print(order)", "metadata": {"cell_id": "c"}},
    ]
    response = post(server, kernel, {"cells": cells})
    assert response.status_code == 202
    listed = response.json()["requests"]
    assert [r["cell_id"] for r in listed] == ["a", "b", "c"]
    ids = [r["request_id"] for r in listed]
    assert len(set(ids)) == 3
    # nbmodel lists them as its own requests, in the order given.
    pending = server.api("GET", f"/api/kernels/{kernel}/execute").json()["requests"]
    assert [r["request_id"] for r in pending] == ids
    final = wait_for(lambda: result(server, kernel, ids[2]), 60, "the last cell")
    outputs = json.loads(final["outputs"])
    assert outputs[0]["text"] == "['a', 'b']\n"


def test_a_bad_body_queues_nothing_and_says_why(root):
    server = Server(root)
    kernel = server.api("POST", "/api/kernels", {"name": "python3"}).json()["id"]
    bad = [
        {},
        {"cells": []},
        {"cells": [{"code": "1"}, {"code": 2}]},
        {"cells": [{"code": "1", "metadata": "no"}]},
    ]
    for body in bad:
        response = post(server, kernel, body)
        assert response.status_code == 400, body
        assert "cell" in response.json()["message"]
    pending = server.api("GET", f"/api/kernels/{kernel}/execute").json()["requests"]
    assert pending == []
    missing = post(server, "no-such-kernel", {"cells": [{"code": "1"}]})
    assert missing.status_code == 404


def test_without_the_token_nothing_runs(root):
    server = Server(root)
    kernel = server.api("POST", "/api/kernels", {"name": "python3"}).json()["id"]
    response = requests.post(
        f"{server.url}/api/handoff/kernels/{kernel}/execute",
        data=json.dumps({"cells": [{"code": "1"}]}),
        timeout=30,
    )
    assert response.status_code == 403
    pending = server.api("GET", f"/api/kernels/{kernel}/execute").json()["requests"]
    assert pending == []
