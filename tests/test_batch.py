"""Several cells queued in nbmodel's queue in one request (batch.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from jupyterlab_handoff.batch import MAX_CELLS, BatchError, parse_batch, queue_batch
from serverharness import Server, wait_for

# -------------------------------------------------------------- the body


def body(**changes):
    return {
        "document_id": "json:notebook:abc",
        "cells": [{"cell_id": "c1", "code": "1"}, {"cell_id": "c2", "code": "2"}],
        **changes,
    }


def test_a_batch_gives_every_cell_the_common_metadata_in_order():
    common, cells = parse_batch(body(document_path="a/b.ipynb", record_timing=True))
    assert common == {
        "document_id": "json:notebook:abc",
        "document_path": "a/b.ipynb",
        "record_timing": True,
    }
    assert cells == [("c1", "1"), ("c2", "2")]


@pytest.mark.parametrize(
    "bad, message",
    [
        ([], "JSON object"),
        (body(document_id=""), "document_id"),
        (body(document_id=3), "document_id"),
        (body(document_path=1), "document_path"),
        (body(cells=[]), "non-empty list"),
        (body(cells={"cell_id": "c1"}), "non-empty list"),
        (body(cells=[{"cell_id": "c1", "code": "1"}, "c2"]), r"cells\[1\] must be an object"),
        (body(cells=[{"cell_id": "", "code": "1"}]), r"cells\[0\] needs"),
        (body(cells=[{"cell_id": "c1", "code": None}]), r"cells\[0\] needs"),
        (body(cells=[{"cell_id": "c", "code": ""}] * (MAX_CELLS + 1)), "at most"),
    ],
)
def test_a_malformed_body_is_refused_with_a_message(bad, message):
    with pytest.raises(BatchError, match=message):
        parse_batch(bad)


def test_each_cell_goes_to_the_queue_as_nbmodels_own_handler_puts_it():
    class Stack:
        def __init__(self):
            self.puts = []

        def put(self, kernel_id, snippet, metadata):
            self.puts.append((kernel_id, snippet, metadata))
            return f"r{len(self.puts)}"

    stack = Stack()
    common, cells = parse_batch(body())
    requests_ = queue_batch(stack, "k1", common, cells)
    assert stack.puts == [
        ("k1", "1", {"document_id": "json:notebook:abc", "cell_id": "c1"}),
        ("k1", "2", {"document_id": "json:notebook:abc", "cell_id": "c2"}),
    ]
    assert requests_ == [
        {"request_id": "r1", "cell_id": "c1", "request_url": "/api/kernels/k1/requests/r1"},
        {"request_id": "r2", "cell_id": "c2", "request_url": "/api/kernels/k1/requests/r2"},
    ]


# -------------------------------------------------------------- a real server

# The second cell needs the first, the third the second: run out of order,
# one of them fails.
SOURCES = [
    "import time\ntime.sleep(0.5)\na = 1",
    "b = a + 1\nprint(b)",
    "print(a + b)",
]


def write_cells(path: Path) -> None:
    path.write_text(
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "execution_count": None,
                        "id": f"cell-{i}",
                        "metadata": {},
                        "outputs": [],
                        "source": source,
                    }
                    for i, source in enumerate(SOURCES)
                ],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )


@pytest.fixture
def server(tmp_path):
    yield Server(tmp_path)
    Server.kill_all()


def post_batch(server: Server, kernel_id: str, payload: object, headers=None):
    return requests.post(
        f"{server.url}/api/handoff/kernels/{kernel_id}/execute",
        headers=server.headers if headers is None else headers,
        json=payload,
        timeout=30,
    )


def pending(server: Server, kernel_id: str) -> list:
    return server.api("GET", f"/api/kernels/{kernel_id}/execute").json()["requests"]


def test_a_batch_runs_every_cell_in_order_after_the_tab_closed(server, tmp_path):
    write_cells(tmp_path / "three.ipynb")
    room_id, tab = server.open_room("three.ipynb")
    kernel = server.api("POST", "/api/kernels", {"name": "python3"}).json()["id"]
    cells = [{"cell_id": f"cell-{i}", "code": s} for i, s in enumerate(SOURCES)]
    response = post_batch(
        server, kernel, {"document_id": room_id, "document_path": "three.ipynb", "cells": cells}
    )
    assert response.status_code == 202, response.text
    answered = response.json()["requests"]
    assert [r["cell_id"] for r in answered] == ["cell-0", "cell-1", "cell-2"]
    assert len({r["request_id"] for r in answered}) == 3
    # Queued before the answer: nbmodel lists all three at once.
    assert {r["request_id"] for r in pending(server, kernel)} <= {
        r["request_id"] for r in answered
    }
    tab.close()  # nothing more comes from the tab

    def ran():
        saved = json.loads((tmp_path / "three.ipynb").read_text())["cells"]
        return saved if all(c["execution_count"] for c in saved) else None

    saved = wait_for(ran, 60, "all three cells to run and be saved")
    counts = [c["execution_count"] for c in saved]
    assert counts == sorted(counts) and len(set(counts)) == 3
    texts = ["".join(o.get("text", "")) for c in saved for o in c["outputs"]]
    assert texts == ["2\n", "3\n"]
    # Each is an ordinary nbmodel request: its result is read at nbmodel's URL.
    final = server.api("GET", answered[2]["request_url"])
    assert final.json()["status"] == "ok"


def test_a_refused_batch_queues_nothing(server):
    kernel = server.api("POST", "/api/kernels", {"name": "python3"}).json()["id"]
    bad = post_batch(server, kernel, {"document_id": "d", "cells": [{"cell_id": "c"}]})
    assert bad.status_code == 400
    assert "cells[0] needs a cell_id and code" in bad.json()["message"]
    assert pending(server, kernel) == []
    good = {"document_id": "d", "cells": [{"cell_id": "c", "code": "1"}]}
    assert post_batch(server, "no-such-kernel", good).status_code == 404
    assert post_batch(server, kernel, good, headers={}).status_code == 403
    assert pending(server, kernel) == []
    assert "batch-execute" in server.api("GET", "/api/handoff").json()["offers"]
