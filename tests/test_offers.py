"""``GET /api/handoff`` says what our server part does here (offers.py).

The frontend counts on the server writing a cut run's note only where this
says ``kernel-notes``; a server without our server part answers 404, and the
tab writes the note itself.
"""

from __future__ import annotations

import pytest
import requests

from serverharness import Server


@pytest.fixture
def root(tmp_path):
    yield tmp_path
    Server.kill_all()


def test_the_server_part_offers_kernel_notes_to_authenticated_clients_only(root):
    server = Server(root)
    body = server.api("GET", "/api/handoff").json()
    assert body["server"] == "jupyter-server"
    assert body["offers"] == ["kernel-notes", "batch-execute"]
    assert isinstance(body["version"], str)
    anonymous = requests.get(f"{server.url}/api/handoff", timeout=30)
    assert anonymous.status_code == 403


def test_without_the_server_part_the_route_is_missing(root):
    server = Server(root, handoff=False)
    response = requests.get(f"{server.url}/api/handoff", headers=server.headers, timeout=30)
    assert response.status_code == 404
