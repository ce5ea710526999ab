"""``POST /api/handoff/kernels/{k}/execute``: queue a Run All's cells at once.

jupyter-server-nbmodel takes one cell per request. A tab that posts the
cells of a Run All one by one has to wait for each answer before it posts
the next (the browser may otherwise deliver them out of order), and a tab
closed in the middle of that leaves the rest of the Run All unsent. This
route puts every cell into nbmodel's queue for the kernel in the order
given, all of them or none (checked first, then queued with no await in
between), and answers with one request id per cell. Each runs, writes and
is polled exactly as if it had been posted alone.

Body: ``{"cells": [{"code": str, "metadata": {...}}, ...]}``, metadata as
nbmodel's own route takes it (``cell_id``, ``document_id``...). Answer:
202 ``{"requests": [{"request_id", "kernel_id", "cell_id"}, ...]}``; 400
with the reason for a bad body, 404 for an unknown kernel, 503 when nbmodel
is not loaded.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

#: A Run All of a long notebook fits; a runaway body does not.
MAX_CELLS = 2000


def parse_cells(body: Any) -> list[tuple[str, dict]]:
    """The cells of a body, or ValueError saying what is wrong."""
    cells = body.get("cells") if isinstance(body, dict) else None
    if not isinstance(cells, list) or not cells:
        raise ValueError("cells must be a non-empty list")
    if len(cells) > MAX_CELLS:
        raise ValueError(f"at most {MAX_CELLS} cells per request")
    parsed = []
    for index, cell in enumerate(cells):
        code = cell.get("code") if isinstance(cell, dict) else None
        metadata = cell.get("metadata", {}) if isinstance(cell, dict) else None
        if not isinstance(code, str) or not isinstance(metadata, dict):
            raise ValueError(f"cell {index} needs a code string and a metadata object")
        parsed.append((code, metadata))
    return parsed


def install(serverapp: Any, find_stack: Any) -> bool:
    """Add the route; False without nbmodel (nothing to queue into)."""
    try:
        import jupyter_server_nbmodel  # noqa: F401
    except ImportError:
        return False
    import tornado.web
    from jupyter_server.auth.decorator import authorized
    from jupyter_server.base.handlers import APIHandler
    from jupyter_server.utils import url_path_join

    class BatchHandler(APIHandler):
        auth_resource = "kernels"

        @tornado.web.authenticated
        @authorized
        async def post(self, kernel_id: str) -> None:
            stack = find_stack()
            if stack is None:
                raise tornado.web.HTTPError(HTTPStatus.SERVICE_UNAVAILABLE, "no execution stack")
            try:
                cells = parse_cells(self.get_json_body())
            except ValueError as err:
                raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, str(err)) from err
            if kernel_id not in self.kernel_manager:
                raise tornado.web.HTTPError(HTTPStatus.NOT_FOUND, f"no kernel {kernel_id}")
            requests = [
                {
                    "request_id": stack.put(kernel_id, code, metadata),
                    "kernel_id": kernel_id,
                    "cell_id": metadata.get("cell_id"),
                }
                for code, metadata in cells
            ]
            self.set_status(HTTPStatus.ACCEPTED)
            self.finish(json.dumps({"requests": requests}))

    pattern = url_path_join(
        serverapp.web_app.settings["base_url"], r"/api/handoff/kernels/(?P<kernel_id>[^/]+)/execute"
    )
    serverapp.web_app.add_handlers(".*$", [(pattern, BatchHandler)])
    return True
