"""A second, non-JupyterLab frontend writing into a shared notebook.

It writes a stream output the way jpterm 0.3 does (txl_kernel's driver):
the output's ``text`` is a Y.Array of the chunks the kernel sent, one
append per message. Used by ui-tests/tests/otherfrontends.spec.ts.

    python liststream.py BASE_URL NOTEBOOK_PATH CELL_INDEX CHUNKS_JSON [TOKEN]

CHUNKS_JSON is a list whose items are a chunk (one transaction each) or a
list of chunks (appended in one transaction, as a batch a slow network
delivers at once).
"""

from __future__ import annotations

import asyncio
import json
import sys
from urllib.parse import quote, urlencode

from jupyter_ydoc import YNotebook
from pycrdt import Array, Doc, Map, Provider
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect


class TornadoChannel:
    """pycrdt's Channel over a tornado websocket client connection."""

    def __init__(self, connection, path: str) -> None:
        self._connection = connection
        self._path = path

    @property
    def path(self) -> str:
        return self._path

    def __aiter__(self):
        return self

    async def __anext__(self) -> bytes:
        return await self.recv()

    async def send(self, message: bytes) -> None:
        await self._connection.write_message(message, binary=True)

    async def recv(self) -> bytes:
        message = await self._connection.read_message()
        if message is None:
            raise StopAsyncIteration
        return message if isinstance(message, bytes) else message.encode()


async def main(base: str, path: str, index: int, chunks: list, token: str) -> None:
    base = base.rstrip("/")
    auth = {"Authorization": f"token {token}"} if token else {}
    reply = await AsyncHTTPClient().fetch(
        HTTPRequest(
            f"{base}/api/collaboration/session/{quote(path)}",
            method="PUT",
            headers={"Content-Type": "application/json", **auth},
            body=json.dumps({"format": "json", "type": "notebook"}),
        )
    )
    session = json.loads(reply.body)
    room = f"{session['format']}:{session['type']}:{session['fileId']}"
    query = {"sessionId": session["sessionId"], **({"token": token} if token else {})}
    ws_base = base.replace("http", "ws", 1)
    url = f"{ws_base}/api/collaboration/room/{room}?{urlencode(query)}"
    connection = await websocket_connect(HTTPRequest(url, headers=auth))
    doc = Doc()
    notebook = YNotebook(doc)
    async with Provider(doc, TornadoChannel(connection, room)) as provider:
        await provider.synced.wait()
        cell = notebook.ycells[index]
        outputs = cell["outputs"]
        with doc.transaction():
            del outputs[:]
            cell["execution_count"] = None
        text = None
        for item in chunks:
            batch = item if isinstance(item, list) else [item]
            with doc.transaction():
                if text is None:
                    text = Array([batch[0]])
                    outputs.append(Map({"name": "stdout", "output_type": "stream", "text": text}))
                    batch = batch[1:]
                for chunk in batch:
                    text.append(chunk)
            await asyncio.sleep(0.05)
        with doc.transaction():
            cell["execution_count"] = 1
    connection.close()
    print("written", flush=True)


if __name__ == "__main__":
    base, path, index, chunks = sys.argv[1:5]
    token = sys.argv[5] if len(sys.argv) > 5 else ""
    asyncio.run(main(base, path, int(index), json.loads(chunks), token))
