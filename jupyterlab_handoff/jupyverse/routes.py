"""REST routes of the handoff queue, behind jupyverse's own authentication.

- ``GET    /api/handoff``: what this server offers (a sign for the frontend
  that the queue is there);
- ``POST   /api/handoff/kernels/{kernel_id}/execute``: queue cells,
  ``{document_id, cells: [{cell_id, code}]}`` (or one ``cell_id`` and
  ``code``); ``code`` is what the tab has, and is what runs. 202 with
  ``{requests: [{request_id, cell_id}]}``;
- ``GET    /api/handoff/kernels/{kernel_id}/requests``: queued and running;
- ``GET    /api/handoff/kernels/{kernel_id}/requests/{request_id}``: one
  request, with its outcome once done (404 once forgotten);
- ``DELETE /api/handoff/kernels/{kernel_id}/requests``: drop the queue (the
  running cell goes on; interrupt the kernel to stop it).

Errors answer ``{"detail": message}`` with a 4xx status.

Also ``PUT /lab/api/settings/@jupyterlab-handoff/{plugin}:{setting}``:
jupyverse 0.14.18 saves settings only for ``@jupyterlab/*`` packages (any
other scope gets 405, so the Settings Editor cannot save ours). This route
stores them exactly as jupyverse's own route does, where its ``GET`` reads.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from jupyverse_api import App, Router
from jupyverse_auth import Auth, User

from .queue import SubmitError


def _version() -> str:
    try:
        from .._version import __version__

        return __version__
    except ImportError:  # pragma: no cover
        return "dev"


SCOPE = "@jupyterlab-handoff"


class HandoffRouter(Router):
    def __init__(self, app: App, auth: Auth, service: Any, lab: Any = None) -> None:
        super().__init__(app=app)
        router = APIRouter()

        if lab is not None:

            @router.put(f"/lab/api/settings/{SCOPE}/{{name0}}:{{name1}}", status_code=204)
            async def change_setting(
                request: Request,
                name0: str,
                name1: str,
                user: User = Depends(auth.current_user()),
                user_update: Any = Depends(auth.update_user),
            ) -> Response:
                return await lab.change_setting(request, name0, name1, user, user_update)

        read = Depends(auth.current_user(permissions={"kernels": ["read"]}))
        write = Depends(auth.current_user(permissions={"kernels": ["write"]}))

        @router.get("/api/handoff")
        async def info(user: User = read) -> dict:
            return {"server": "jupyverse", "version": _version(), "queue": "server"}

        @router.post("/api/handoff/kernels/{kernel_id}/execute", status_code=202)
        async def execute(kernel_id: str, request: Request, user: User = write) -> dict:
            try:
                body = await request.json()
            except ValueError:
                raise HTTPException(400, "The body must be JSON.")
            if not isinstance(body, dict) or not isinstance(body.get("document_id"), str):
                raise HTTPException(400, "The body needs a document_id string.")
            cells = body.get("cells")
            if cells is None and "cell_id" in body:
                cells = [{"cell_id": body["cell_id"], "code": body.get("code")}]
            if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
                raise HTTPException(400, "The body needs cells: [{cell_id, code}].")
            try:
                service.check_kernel(kernel_id)
                created = await service.queues.submit(kernel_id, body["document_id"], cells)
            except SubmitError as e:
                raise HTTPException(e.status, e.message)
            return {
                "requests": [{"request_id": r.request_id, "cell_id": r.cell_id} for r in created]
            }

        @router.get("/api/handoff/kernels/{kernel_id}/requests")
        async def listing(kernel_id: str, user: User = read) -> list:
            return [
                r.describe(await service.document_path(r.document_id))
                for r in service.queues.in_flight(kernel_id)
            ]

        @router.get("/api/handoff/kernels/{kernel_id}/requests/{request_id}")
        async def one(kernel_id: str, request_id: str, user: User = read) -> dict:
            r = service.queues.get(request_id)
            if r is None or r.kernel_id != kernel_id:
                raise HTTPException(404, "No such request (or it ended long ago).")
            return r.describe(await service.document_path(r.document_id))

        @router.delete("/api/handoff/kernels/{kernel_id}/requests", status_code=204)
        async def cancel(kernel_id: str, user: User = write) -> Response:
            service.queues.interrupt(kernel_id)
            return Response(status_code=204)

        self.include_router(router)
