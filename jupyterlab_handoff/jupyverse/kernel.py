"""A kernel connection of our own, beside jupyverse's.

jupyverse's execute route sends every cell to the kernel at once and its
driver dies on an ``aborted`` reply. We talk to the kernel ourselves instead:
one shell socket to send a cell and read its reply, one iopub socket to read
its outputs and to see whether the kernel is busy with anyone's cell.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import structlog
from anyio import (
    TASK_STATUS_IGNORED,
    Event,
    create_memory_object_stream,
    create_task_group,
    move_on_after,
)
from anyio.abc import TaskStatus
from anyio.streams.memory import MemoryObjectSendStream
from fps_kernel_subprocess.connect import connect_channel
from fps_kernels.kernel_driver.message import (
    create_message,
    deserialize_message,
    feed_identities,
    serialize_message,
)

log = structlog.get_logger()

# What a run yields: iopub messages, then the execute reply.
Message = dict[str, Any]


class KernelGone(Exception):
    """The connection closed (kernel restarted, shut down or link stopped)."""


class KernelLink:
    """Shell and iopub sockets to one kernel process.

    ``idle`` is set while no ``execute_request`` from any client is known to
    be in the kernel: we count the busy/idle status messages per request on
    iopub, and count our own request as busy from the moment we send it.
    """

    def __init__(self, connection_cfg: dict[str, Any]) -> None:
        self._cfg = connection_cfg
        self._key = str(connection_cfg["key"])
        self._session = uuid.uuid4().hex
        self._count = 0
        self._busy: set[str] = set()
        self.idle = Event()
        self._routes: dict[str, MemoryObjectSendStream[Message]] = {}
        self._stopped = Event()
        self.closed = Event()

    @property
    def busy_requests(self) -> frozenset[str]:
        return frozenset(self._busy)

    async def run(self, *, task_status: TaskStatus[None] = TASK_STATUS_IGNORED) -> None:
        identity = uuid.uuid4().hex.encode("ascii")
        shell = connect_channel("shell", self._cfg, identity=identity)
        iopub = connect_channel("iopub", self._cfg)
        started = False
        try:
            async with shell, iopub, create_task_group() as tg:
                self._shell = shell
                await self._handshake(shell, iopub)
                tg.start_soon(self._read_iopub, iopub)
                tg.start_soon(self._read_shell, shell)
                self._update_idle()
                started = True
                task_status.started()
                await self._stopped.wait()
                tg.cancel_scope.cancel()
        except Exception:
            if not started:
                raise
            # Never let a broken connection take the server down with it.
            log.exception("Handoff: kernel connection failed")
        finally:
            self.closed.set()
            for stream in self._routes.values():
                stream.close()
            self._routes.clear()

    async def stop(self) -> None:
        self._stopped.set()
        await self.closed.wait()

    async def _handshake(self, shell: Any, iopub: Any) -> None:
        # A kernel_info reply comes once the kernel's shell is free, and an
        # iopub message after it proves our subscription is live (a SUB
        # socket misses what is published before it joins).
        while True:
            msg_id = self._next_id()
            msg = create_message("kernel_info_request", session_id=self._session, msg_id=msg_id)
            await shell.asend_multipart(serialize_message(msg, self._key, True))
            while True:
                reply = self._parse(await shell.arecv_multipart())
                if reply["msg_type"] == "kernel_info_reply":
                    break
            with move_on_after(0.5):
                self._parse(await iopub.arecv_multipart())
                return

    def _next_id(self) -> str:
        self._count += 1
        return str(self._count)

    @staticmethod
    def _parse(parts: list[bytes]) -> Message:
        _, msg_list = feed_identities(parts)
        return deserialize_message(msg_list)

    async def _read_iopub(self, iopub: Any) -> None:
        while True:
            msg = self._parse(await iopub.arecv_multipart())
            parent = msg["parent_header"] or {}
            parent_id = parent.get("msg_id")
            if msg["msg_type"] == "status" and parent.get("msg_type") == "execute_request":
                state = msg["content"].get("execution_state")
                if state == "busy":
                    self._busy.add(parent_id)
                elif state == "idle":
                    self._busy.discard(parent_id)
                self._update_idle()
            route = self._routes.get(parent_id)
            if route is not None:
                await route.send(msg)

    async def _read_shell(self, shell: Any) -> None:
        while True:
            msg = self._parse(await shell.arecv_multipart())
            route = self._routes.get((msg["parent_header"] or {}).get("msg_id"))
            if route is not None:
                msg = dict(msg, channel="shell")
                await route.send(msg)

    def _update_idle(self) -> None:
        if self._busy:
            if self.idle.is_set():
                self.idle = Event()
        elif not self.idle.is_set():
            self.idle.set()

    async def wait_idle(self) -> None:
        """Wait until no execute request of anyone is in the kernel."""
        while self._busy:
            if self.closed.is_set():
                raise KernelGone()
            event = self.idle
            async with create_task_group() as tg:

                async def _closed() -> None:
                    await self.closed.wait()
                    tg.cancel_scope.cancel()

                tg.start_soon(_closed)
                await event.wait()
                tg.cancel_scope.cancel()
        if self.closed.is_set():
            raise KernelGone()

    async def execute(self, code: str, on_message: Callable[[Message], Any]) -> Message:
        """Run ``code``; call ``on_message`` with each iopub message of the
        run; return the execute reply once the reply and the idle status have
        both arrived. Raises ``KernelGone`` if the link closes first."""
        if self.closed.is_set():
            raise KernelGone()
        msg_id = f"{self._session}_{self._next_id()}"
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        msg = create_message("execute_request", content, session_id=self._session)
        msg["header"]["msg_id"] = msg["msg_id"] = msg_id
        send, receive = create_memory_object_stream[Message](max_buffer_size=float("inf"))
        self._routes[msg_id] = send
        self._busy.add(msg_id)
        self._update_idle()
        reply: Message | None = None
        idle = False
        try:
            await self._shell.asend_multipart(serialize_message(msg, self._key, True))
            async with receive:
                async for item in receive:
                    if item.get("channel") == "shell":
                        if item["msg_type"] == "execute_reply":
                            reply = item
                    elif item["msg_type"] == "status":
                        idle = item["content"].get("execution_state") == "idle"
                    else:
                        result = on_message(item)
                        if hasattr(result, "__await__"):
                            await result
                    if reply is not None and idle:
                        return reply
            raise KernelGone()
        finally:
            self._routes.pop(msg_id, None)
            send.close()
            if reply is None or not idle:
                # Lost with the kernel: nothing will report it idle.
                self._busy.discard(msg_id)
                self._update_idle()
