"""Another client on a notebook's kernel, for the tests of foreign runs.

It runs one cell of a notebook that is open in JupyterLab the way a second
frontend does (a stock JupyterLab tab, a terminal frontend, a script): over
its own kernel websocket, with its own session, and writes what happens into
the notebook's shared document itself:

- the cell's outputs cleared, its count unset and (unless ``--no-state``,
  which is what jpterm does) ``execution_state`` set to ``running``;
- each output as it arrives (stream text appended to the last output of the
  same stream, as JupyterLab expects);
- the count and ``idle`` at the end, in one transaction.

It never goes through jupyter-server-nbmodel. Token authentication stays on:
the token travels as ``?token=`` (jupyter-server skips the XSRF check for
token-authenticated requests).

Usage::

    python foreign_client.py --url http://localhost:8888 --token T \
        --path work/a.ipynb --cell 0

It prints one JSON line per event to stdout (``connected``, ``started``
when the kernel echoed the code, ``finished`` with the count and status),
so a test can wait for each. Exit status 0 when the cell ran (even if it
raised), 1 when it could not be run, with the reason on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from jupyter_client.jsonutil import json_default
from jupyter_client.session import Session
from jupyter_ydoc import YNotebook
from pycrdt import Array, Doc, Map, Provider, Text
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect


class ForeignClientError(Exception):
    """The cell could not be run; the message says why."""


def emit(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


class Server:
    """The Jupyter server's REST and websocket addresses, with the token."""

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self.base = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
        self.ws_base = self.base.replace("http", "ws", 1)
        self.token = token
        self.http = AsyncHTTPClient()

    def url(self, path: str, ws: bool = False, **query: str) -> str:
        if self.token:
            query["token"] = self.token
        base = self.ws_base if ws else self.base
        return f"{base}/{path}" + (f"?{urlencode(query)}" if query else "")

    async def json(self, path: str, method: str = "GET", body: Any = None) -> Any:
        request = HTTPRequest(
            self.url(path),
            method=method,
            body=None if body is None else json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        try:
            response = await self.http.fetch(request)
        except HTTPClientError as error:
            raise ForeignClientError(f"{method} {path} answered {error.code}") from error
        except OSError as error:
            raise ForeignClientError(f"cannot reach {self.base}: {error}") from error
        return json.loads(response.body or b"null")


class WebsocketChannel:
    """A pycrdt ``Channel`` over a tornado client websocket."""

    def __init__(self, websocket: WebSocketClientConnection, path: str) -> None:
        self._websocket = websocket
        self._path = path

    @property
    def path(self) -> str:
        return self._path

    def __aiter__(self) -> WebsocketChannel:
        return self

    async def __anext__(self) -> bytes:
        message = await self._websocket.read_message()
        if message is None:
            raise StopAsyncIteration
        return message if isinstance(message, bytes) else message.encode()

    async def send(self, message: bytes) -> None:
        await self._websocket.write_message(message, binary=True)

    async def recv(self) -> bytes:
        return await self.__anext__()


async def kernel_of(server: Server, path: str) -> str:
    """The kernel of the notebook's session (JupyterLab created it)."""
    for session in await server.json("api/sessions"):
        if session.get("path") == path and session.get("kernel"):
            return session["kernel"]["id"]
    raise ForeignClientError(f"no kernel session for {path}: open it in JupyterLab first")


async def open_room(server: Server, path: str) -> tuple[WebSocketClientConnection, str]:
    """Connect to the notebook's shared document (jupyter-collaboration)."""
    answer = await server.json(
        f"api/collaboration/session/{quote(path, safe='')}",
        method="PUT",
        body={"format": "json", "type": "notebook"},
    )
    room = f"json:notebook:{answer['fileId']}"
    url = server.url(f"api/collaboration/room/{room}", ws=True, sessionId=answer["sessionId"])
    return await websocket_connect(url), room


def find_cell(notebook: YNotebook, index: int | None, cell_id: str | None) -> Map:
    cells = notebook.ycells
    if cell_id is not None:
        for cell in cells:
            if cell.get("id") == cell_id:
                return cell
        raise ForeignClientError(f"no cell with id {cell_id}")
    assert index is not None
    if not 0 <= index < len(cells):
        raise ForeignClientError(f"no cell {index}: the notebook has {len(cells)}")
    return cells[index]


def append_output(cell: Map, output: dict[str, Any]) -> None:
    """Add an output the way JupyterLab applies remote changes."""
    outputs: Array = cell["outputs"]
    if output["output_type"] == "stream":
        last = outputs[len(outputs) - 1] if len(outputs) else None
        if (
            last is not None
            and last.get("output_type") == "stream"
            and last.get("name") == output["name"]
            and isinstance(last.get("text"), Text)
        ):
            text: Text = last["text"]
            text.insert(len(text), output["text"])
            return
        output = {**output, "text": Text(output["text"])}
    outputs.append(Map(output))


def output_of(msg_type: str, content: dict[str, Any]) -> dict[str, Any] | None:
    if msg_type == "stream":
        return {"output_type": "stream", "name": content["name"], "text": content["text"]}
    if msg_type in ("display_data", "execute_result"):
        output = {
            "output_type": msg_type,
            "data": content.get("data", {}),
            "metadata": content.get("metadata", {}),
        }
        if msg_type == "execute_result":
            output["execution_count"] = content.get("execution_count")
        return output
    if msg_type == "error":
        return {
            "output_type": "error",
            "ename": content.get("ename", ""),
            "evalue": content.get("evalue", ""),
            "traceback": content.get("traceback", []),
        }
    return None


async def run_cell(args: argparse.Namespace) -> dict[str, Any]:
    server = Server(args.url, args.token)
    kernel_id = await kernel_of(server, args.path)
    room_socket, room = await open_room(server, args.path)
    doc = Doc()
    notebook = YNotebook(doc)
    async with Provider(doc, WebsocketChannel(room_socket, room)) as provider:
        try:
            await asyncio.wait_for(provider.synced.wait(), args.timeout)
        except TimeoutError as error:
            raise ForeignClientError(f"the document {room} did not sync") from error
        cell = find_cell(notebook, args.cell, args.cell_id)
        code = str(cell["source"])
        session = Session(username="foreign-client")
        kernel = await websocket_connect(
            server.url(f"api/kernels/{kernel_id}/channels", ws=True, session_id=session.session)
        )
        emit("connected", kernel=kernel_id, session=session.session, cell=cell.get("id"))
        with doc.transaction():
            cell["outputs"].clear()
            cell["execution_count"] = None
            if not args.no_state:
                cell["execution_state"] = "running"
        request = session.msg(
            "execute_request",
            {
                "code": code,
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            },
        )
        request["channel"] = "shell"
        msg_id = request["header"]["msg_id"]
        await kernel.write_message(json.dumps(request, default=json_default))
        reply: dict[str, Any] | None = None
        idle = False
        while reply is None or not idle:
            text = await asyncio.wait_for(kernel.read_message(), args.timeout)
            if text is None:
                raise ForeignClientError("the kernel connection closed mid-run")
            message = json.loads(text)
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            msg_type = message["header"]["msg_type"]
            content = message["content"]
            if message.get("channel") == "shell" and msg_type == "execute_reply":
                reply = content
            elif msg_type == "execute_input":
                emit("started", msg_id=msg_id, code=content.get("code"))
            elif msg_type == "status" and content.get("execution_state") == "idle":
                idle = True
            else:
                output = output_of(msg_type, content)
                if output is not None:
                    with doc.transaction():
                        append_output(cell, output)
        kernel.close()
        with doc.transaction():
            cell["execution_count"] = reply.get("execution_count")
            if not args.no_state:
                cell["execution_state"] = "idle"
        # Let the last update leave before the room closes.
        await asyncio.sleep(0.5)
    room_socket.close()
    return {
        "msg_id": msg_id,
        "session": session.session,
        "execution_count": reply.get("execution_count"),
        "status": reply.get("status"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the Jupyter server, e.g. http://localhost:8888")
    parser.add_argument("--token", default="", help="its token (empty: none)")
    parser.add_argument("--path", required=True, help="the notebook's path on the server")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--cell", type=int, default=0, help="the cell's index (default 0)")
    where.add_argument("--cell-id", help="the cell's id")
    parser.add_argument(
        "--no-state",
        action="store_true",
        help="do not write execution_state (as jpterm does)",
    )
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for each step")
    args = parser.parse_args(argv)
    if args.cell_id is not None:
        args.cell = None
    try:
        result = asyncio.run(run_cell(args))
    except ForeignClientError as error:
        print(f"foreign_client: {error}", file=sys.stderr)
        return 1
    emit("finished", **result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
