"""The seen records of "while you were away", kept by the server (jupyterlab_handoff.seen).

The store itself on a temporary folder, and the routes on a real Jupyter
server (token auth and XSRF on). One server is one user (see seen.py), so
there is one user per server here too.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from jupyterlab_handoff.seen import SeenError, SeenRecords
from serverharness import TOKEN, Server

PORT = int(os.environ.get("HANDOFF_SEEN_PYTEST_PORT", "24076"))
NS = "jupyterlab-handoff-seen"
LOG = logging.getLogger("test_seen")


def record(browser: str, path: str = "a.ipynb", taken: int = 1) -> dict:
    return {"v": 2, "browser": browser, "path": path, "takenAt": taken, "cells": {}}


def rid(path: str, browser: str) -> str:
    # As the extension names them (recordId in seenrecords.ts).
    return f"{NS}:{quote(path, safe='')}:{browser}"


def body(value: object) -> bytes:
    return json.dumps(value).encode()


# The store


def test_each_record_is_its_own_entry(tmp_path):
    store = SeenRecords(tmp_path / "seen.json", 4096, 10, LOG)
    store.put(rid("a.ipynb", "A"), body(record("A")))
    store.put(rid("a.ipynb", "B"), body(record("B")))
    store.put(rid("b.ipynb", "A"), body(record("A", "b.ipynb")))
    # A browser rewriting its own record leaves the other one alone.
    store.put(rid("a.ipynb", "A"), body(record("A", taken=2)))
    listed = store.list(f"{NS}:{quote('a.ipynb')}:")
    assert listed["ids"] == [rid("a.ipynb", "A"), rid("a.ipynb", "B")]
    assert [v["takenAt"] for v in listed["values"]] == [2, 1]
    assert len(store.list()["ids"]) == 3
    store.delete(rid("a.ipynb", "A"))
    store.delete(rid("a.ipynb", "A"))  # absent: nothing to do
    assert store.list(NS)["ids"] == [rid("a.ipynb", "B"), rid("b.ipynb", "A")]
    with pytest.raises(SeenError) as missing:
        store.get(rid("a.ipynb", "A"))
    assert missing.value.status == 404


def test_bounded_in_size_and_number(tmp_path):
    store = SeenRecords(tmp_path / "seen.json", 200, 3, LOG)
    with pytest.raises(SeenError) as large:
        store.put("big", body({"x": "y" * 300}))
    assert large.value.status == 413
    assert "at most 200 bytes" in large.value.message
    for name in "abcd":
        store.put(name, body({"n": name}))
    # The least recently written went first.
    assert store.list()["ids"] == ["b", "c", "d"]
    store.put("b", body({"n": "b2"}))
    store.put("e", body({"n": "e"}))
    assert store.list()["ids"] == ["b", "d", "e"]


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (b"{not json", 400, "not JSON"),
        (b"[1, 2]", 400, "must be a JSON object"),
        (b'"text"', 400, "must be a JSON object"),
    ],
)
def test_bad_bodies_are_refused_and_change_nothing(tmp_path, data, status, message):
    store = SeenRecords(tmp_path / "seen.json", 4096, 10, LOG)
    store.put("kept", body({"k": 1}))
    with pytest.raises(SeenError) as bad:
        store.put("kept", data)
    assert bad.value.status == status
    assert message in bad.value.message
    assert store.get("kept") == {"k": 1}


@pytest.mark.parametrize("bad_id", ["", "x" * 2049, "a\nb"])
def test_bad_ids_are_refused(tmp_path, bad_id):
    store = SeenRecords(tmp_path / "seen.json", 4096, 10, LOG)
    with pytest.raises(SeenError) as bad:
        store.put(bad_id, body({}))
    assert bad.value.status == 400


def test_the_file_is_written_whole_and_read_back(tmp_path):
    path = tmp_path / "deep" / "seen.json"
    store = SeenRecords(path, 4096, 10, LOG)
    store.put("a", body({"n": 1}))
    # No temporary file is left behind.
    assert sorted(p.name for p in path.parent.iterdir()) == ["seen.json"]
    assert SeenRecords(path, 4096, 10, LOG).get("a") == {"n": 1}
    # Another server of the same user wrote it: read again.
    other = SeenRecords(path, 4096, 10, LOG)
    other.put("b", body({"n": 2}))
    assert store.list()["ids"] == ["a", "b"]


def test_an_unreadable_file_is_moved_aside(tmp_path, caplog):
    path = tmp_path / "seen.json"
    path.write_text("{broken")
    with caplog.at_level(logging.WARNING):
        store = SeenRecords(path, 4096, 10, LOG)
    assert store.list()["ids"] == []
    assert "could not read" in caplog.text
    assert (tmp_path / "seen.unreadable.json").read_text() == "{broken"
    store.put("a", body({"n": 1}))
    assert SeenRecords(path, 4096, 10, LOG).get("a") == {"n": 1}


# The routes, on a real server


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """The server's data directory: the records' default place."""
    folder = tmp_path / "data"
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(folder))
    yield folder
    Server.kill_all()


def start(tmp_path: Path, *args: str) -> Server:
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    return Server(root, port=PORT, extra_args=args)


def url(server: Server, record_id: str | None = None) -> str:
    if record_id is None:
        return f"{server.url}/api/handoff/seen"
    return f"{server.url}/api/handoff/seen/{quote(record_id, safe='')}"


def test_routes_list_get_put_delete_and_keep_across_a_restart(tmp_path, data_dir):
    server = start(tmp_path)
    h = server.headers
    a, b = rid("dir/a b.ipynb", "A"), rid("dir/a b.ipynb", "B")
    assert requests.put(url(server, a), data=body(record("A")), headers=h).status_code == 204
    assert requests.put(url(server, b), data=body(record("B")), headers=h).status_code == 204
    other = rid("c.ipynb", "A")
    assert requests.put(url(server, other), data=body(record("A", "c.ipynb")), headers=h).ok
    prefix = f"{NS}:{quote('dir/a b.ipynb', safe='')}:"
    reply = requests.get(url(server), params={"prefix": prefix}, headers=h)
    assert reply.status_code == 200
    assert reply.json() == {"ids": [a, b], "values": [record("A"), record("B")]}
    assert requests.get(url(server, a), headers=h).json() == record("A")
    assert requests.delete(url(server, a), headers=h).status_code == 204
    missing = requests.get(url(server, a), headers=h)
    assert missing.status_code == 404
    assert "no record" in missing.json()["message"]
    # Kept in the data directory, across a restart.
    assert (data_dir / "jupyterlab_handoff" / "seen.json").exists()
    server.stop(signal.SIGTERM)
    server = start(tmp_path)
    listed = requests.get(url(server), params={"prefix": NS}, headers=h).json()
    assert listed["ids"] == [other, b]
    assert requests.get(url(server, b), headers=server.headers).json() == record("B")


def test_routes_say_what_is_wrong(tmp_path, data_dir):
    server = start(tmp_path, "--HandoffSeen.max_record_bytes=500", "--HandoffSeen.max_records=2")
    h = server.headers
    bad = requests.put(url(server, "x"), data=b"{nope", headers=h)
    assert bad.status_code == 400
    assert "not JSON" in bad.json()["message"]
    not_object = requests.put(url(server, "x"), data=b"[]", headers=h)
    assert not_object.status_code == 400
    assert "JSON object" in not_object.json()["message"]
    large = requests.put(url(server, "x"), data=body({"a": "b" * 600}), headers=h)
    assert large.status_code == 413
    assert "at most 500 bytes" in large.json()["message"]
    for name in "abc":
        assert requests.put(url(server, name), data=body({"n": name}), headers=h).ok
    assert requests.get(url(server), headers=h).json()["ids"] == ["b", "c"]


def test_routes_need_authentication(tmp_path, data_dir):
    server = start(tmp_path)
    assert requests.put(url(server, "a"), data=body({"n": 1}), headers=server.headers).ok
    for method in ("GET", "PUT", "DELETE"):
        reply = requests.request(method, url(server, "a"), data=body({"n": 2}))
        assert reply.status_code == 403, method
    assert requests.get(url(server)).status_code == 403
    assert requests.get(url(server, "a"), headers=server.headers).json() == {"n": 1}


def test_cookie_sessions_need_the_xsrf_header(tmp_path, data_dir):
    """A browser's session (login cookie, no token header) must send the
    _xsrf cookie back as X-XSRFToken, as ServerConnection.makeRequest does."""
    server = start(tmp_path)
    session = requests.Session()
    page = session.get(f"{server.url}/login")
    xsrf = session.cookies.get("_xsrf")
    assert page.ok and xsrf, "the login page sets the _xsrf cookie"
    login = session.post(
        f"{server.url}/login", data={"password": TOKEN, "_xsrf": xsrf}, allow_redirects=False
    )
    assert login.status_code == 302, login.text
    assert session.get(url(server)).status_code == 200
    refused = session.put(url(server, "a"), data=body({"n": 1}))
    assert refused.status_code == 403
    assert re.search("xsrf", refused.text, re.I)
    assert session.delete(url(server, "a")).status_code == 403
    headers = {"X-XSRFToken": xsrf}
    assert session.put(url(server, "a"), data=body({"n": 1}), headers=headers).status_code == 204
    assert session.get(url(server, "a")).json() == {"n": 1}
    assert session.delete(url(server, "a"), headers=headers).status_code == 204


def test_the_routes_can_be_turned_off(tmp_path, data_dir):
    server = start(tmp_path, "--HandoffSeen.enabled=False")
    assert requests.get(url(server), headers=server.headers).status_code == 404


def test_the_server_keeps_the_bound_in_all_the_extension_leaves_to_it():
    """The extension bounds only each notebook's browsers and reads only
    that notebook's records: the server keeps the bound in all (40, the
    extension's own bound where it keeps its records elsewhere)."""
    from jupyterlab_handoff.seen import HandoffSeen

    assert HandoffSeen().max_records == 40
