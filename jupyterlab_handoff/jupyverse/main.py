"""The jupyverse (FPS) module: a server-side queue for server-side execution.

Registered through the ``jupyverse.modules`` entry point, so jupyverse loads
it whenever our package is installed in its environment (``--disable
handoff`` turns it off). Configure with ``--set handoff.result_ttl=600``.
"""

from __future__ import annotations

import re
from typing import Any

import structlog
from anyio import create_task_group, sleep
from fps import Module
from jupyverse_api import App, Config
from jupyverse_api.main import Lifespan
from jupyverse_auth import Auth
from jupyverse_file_id import FileId
from jupyverse_kernels import Kernels
from jupyverse_lab import Lab
from jupyverse_yjs import Yjs

from .kernel import KernelLink
from .queue import HandoffQueues, SubmitError
from .routes import HandoffRouter

log = structlog.get_logger()

DOCUMENT_ID = re.compile(r"^(json|text):notebook:(.+)$")
INTERRUPT_PATH = re.compile(r"/api/kernels/([^/]+)/interrupt/?$")


class HandoffConfig(Config):
    result_ttl: float = 600
    """How long a finished request's outcome stays readable (seconds)."""


class HandoffModule(Module):
    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(name)
        self.config = HandoffConfig(**kwargs)

    async def prepare(self) -> None:
        app = await self.get(App)
        auth = await self.get(Auth)  # type: ignore[type-abstract]
        yjs = await self.get(Yjs)  # type: ignore[type-abstract]
        file_id = await self.get(FileId)  # type: ignore[type-abstract]
        await self.get(Kernels)  # type: ignore[type-abstract]
        lifespan = await self.get(Lifespan)
        lab = await self.get(Lab)
        service = HandoffService(yjs, file_id, self.config)
        HandoffRouter(app, auth, service, lab)
        app.add_middleware(InterruptWatch, service=service)
        async with create_task_group() as tg:
            service.start(tg)
            self.done()
            await lifespan.shutdown_request.wait()
            tg.cancel_scope.cancel()


class HandoffService:
    """Glue between the queue and jupyverse's rooms and kernels."""

    def __init__(self, yjs: Any, file_id: Any, config: HandoffConfig) -> None:
        self.yjs = yjs
        self.file_id = file_id
        self.config = config
        self.links: dict[str, tuple[Any, KernelLink]] = {}

    def start(self, tg: Any) -> None:
        self.tg = tg
        self.queues = HandoffQueues(
            tg, self.get_room, self.get_runner, result_ttl=self.config.result_ttl
        )

    async def document_path(self, document_id: str) -> str | None:
        match = DOCUMENT_ID.match(document_id)
        if match is None:
            return None
        return await self.file_id.get_path(match.group(2))

    async def get_room(self, document_id: str) -> Any:
        if await self.document_path(document_id) is None:
            raise SubmitError(404, f"No notebook has the document id {document_id!r}.")
        return await self.yjs.get_room(document_id)

    def check_kernel(self, kernel_id: str) -> Any:
        from fps_kernels.kernel_server.server import kernels

        entry = kernels.get(kernel_id)
        if entry is None:
            raise SubmitError(404, f"No kernel has the id {kernel_id!r}.")
        server = entry.get("server")
        if server is None or getattr(server, "kernel", None) is None:
            raise SubmitError(409, "The kernel is not started yet.")
        return server

    async def get_runner(self, kernel_id: str) -> KernelLink:
        server = self.check_kernel(kernel_id)
        kernel = server.kernel
        current = self.links.get(kernel_id)
        if current is not None:
            owner, link = current
            if owner is kernel and not link.closed.is_set():
                return link
            await link.stop()
        link = KernelLink(kernel.connection_cfg)
        # Waits while another client's cell runs: the kernel answers our
        # handshake only once its shell is free.
        await self.tg.start(link.run)
        self.links[kernel_id] = (kernel, link)
        self.tg.start_soon(self._guarded_watch, kernel_id, server, kernel, link)
        return link

    async def _guarded_watch(self, *args: Any) -> None:
        try:
            await self._watch(*args)
        except Exception:
            log.exception("Handoff: kernel watch failed")

    async def _watch(self, kernel_id: str, server: Any, kernel: Any, link: KernelLink) -> None:
        """Close the link when its kernel restarts, stops or dies."""
        from fps_kernels.kernel_server.server import kernels

        while not link.closed.is_set():
            entry = kernels.get(kernel_id)
            process = getattr(kernel, "_process", None)
            if (
                entry is None
                or entry.get("server") is not server
                or server.kernel is not kernel
                or (process is not None and process.returncode is not None)
            ):
                log.info("Handoff: kernel gone, closing its link", kernel_id=kernel_id)
                await link.stop()
                break
            await sleep(0.5)

    def interrupted(self, kernel_id: str) -> None:
        self.queues.interrupt(kernel_id)


class InterruptWatch:
    """Drops a kernel's queue when an interrupt of it succeeds, as the kernel
    drops its own queue in stock JupyterLab."""

    def __init__(self, app: Any, service: HandoffService) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        match = INTERRUPT_PATH.search(scope.get("path", ""))
        if match is None:
            await self.app(scope, receive, send)
            return
        kernel_id = match.group(1)

        async def watch(message: Any) -> None:
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                self.service.interrupted(kernel_id)
            await send(message)

        await self.app(scope, receive, watch)
