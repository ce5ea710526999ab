"""A real Jupyter server for the server-part tests, started and stopped here.

Token authentication and XSRF stay on: REST calls send the token header
(jupyter-server skips the XSRF check for token-authenticated requests), and
the collaboration websocket sends it too, as a tab's would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
import websocket

TOKEN = "faults-test-token"
# Our port range is 23000-23099; the browser suite uses 23000-23049.
_next_port = [23060]


def free_port() -> int:
    port = _next_port[0]
    _next_port[0] = 23060 + (port - 23060 + 1) % 40
    return port


def notebook(path: Path, source: str) -> None:
    path.write_text(
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "execution_count": None,
                        "id": "cell-1",
                        "metadata": {},
                        "outputs": [],
                        "source": source,
                    }
                ],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )


def stream_text(path: Path) -> str:
    cell = json.loads(path.read_text())["cells"][0]
    return "".join(
        "".join(o["text"]) if isinstance(o["text"], list) else o["text"]
        for o in cell["outputs"]
        if o.get("output_type") == "stream"
    )


class Server:
    running: list[Server] = []

    def __init__(
        self,
        root: Path,
        port: int | None = None,
        handoff: bool = True,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.root = root
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.headers = {"Authorization": f"token {TOKEN}"}
        args = [
            sys.executable,
            "-m",
            "jupyter_server",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.open_browser=False",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={root}",
            f"--IdentityProvider.token={TOKEN}",
        ]
        if not handoff:
            args.append("--ServerApp.jpserver_extensions=jupyterlab_handoff=False")
        args.extend(extra_args)
        self.log = open(root / f"server-{self.port}.log", "ab")
        env = {**os.environ, "JUPYTER_PLATFORM_DIRS": "1"}
        self.proc = subprocess.Popen(
            args, stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=root
        )
        Server.running.append(self)
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{self.url}/api/status", headers=self.headers, timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: see {self.log.name}")
            time.sleep(0.3)

    def api(self, method: str, path: str, body: object = None) -> requests.Response:
        response = requests.request(
            method, f"{self.url}{path}", headers=self.headers, json=body, timeout=30
        )
        response.raise_for_status()
        return response

    def open_room(self, path: str) -> tuple[str, websocket.WebSocket]:
        """Connect to the notebook's collaboration room, as a tab does."""
        session = self.api(
            "PUT", f"/api/collaboration/session/{path}", {"format": "json", "type": "notebook"}
        ).json()
        room_id = f"json:notebook:{session['fileId']}"
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{self.port}/api/collaboration/room/{room_id}"
            f"?sessionId={session['sessionId']}",
            header=[f"Authorization: token {TOKEN}"],
            timeout=30,
        )
        return room_id, ws

    def execute(self, kernel_id: str, room_id: str, code: str) -> None:
        response = requests.post(
            f"{self.url}/api/kernels/{kernel_id}/execute",
            headers=self.headers,
            json={"code": code, "metadata": {"cell_id": "cell-1", "document_id": room_id}},
            timeout=30,
        )
        assert response.status_code == 202, response.text

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> float:
        """Send the signal; return how long the process took to exit."""
        start = time.monotonic()
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.log.close()
            Server.running.remove(self)
        return time.monotonic() - start

    @classmethod
    def kill_all(cls) -> None:
        for server in list(cls.running):
            server.stop(signal.SIGKILL)


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
