"""``POST /api/handoff/kernels/<kernel_id>/execute``: queue several cells at once.

jupyter-server-nbmodel takes one cell per request. A tab that runs a whole
notebook must then post cell after cell, each once the server accepted the
one before (concurrent requests may arrive out of order). That takes a
main-thread turn per cell, so a busy tab posts slowly, and a tab closed
halfway through a Run All leaves the cells it had not posted yet unrun.

This queues every cell of the request in nbmodel's queue, in order, before
it answers: all of them or, when the request is refused, none. Each cell is
then an ordinary nbmodel request, polled, listed, interrupted and answered
through nbmodel's own routes.

Body: ``{"document_id", "document_path"?, "record_timing"?, "cells":
[{"cell_id", "code"}, ...]}``. Answer: 202 with ``{"requests":
[{"request_id", "cell_id", "request_url"}, ...]}``; 400 for a malformed
body, 404 for an unknown kernel, 503 without nbmodel's queue.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any, Callable

#: The most cells one request may queue (a notebook of this many code cells
#: is rare; a bigger Run All simply takes several requests).
MAX_CELLS = 1000


class BatchError(ValueError):
    """The body cannot be queued; nothing was."""


def parse_batch(body: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The metadata common to every cell, and each cell's (id, code).

    Raises ``BatchError`` with a message for the user on any malformed field.
    """
    if not isinstance(body, dict):
        raise BatchError("the body must be a JSON object")
    document_id = body.get("document_id")
    if not isinstance(document_id, str) or not document_id:
        raise BatchError("document_id must be a non-empty string")
    document_path = body.get("document_path")
    if document_path is not None and not isinstance(document_path, str):
        raise BatchError("document_path must be a string")
    cells = body.get("cells")
    if not isinstance(cells, list) or not cells:
        raise BatchError("cells must be a non-empty list")
    if len(cells) > MAX_CELLS:
        raise BatchError(f"at most {MAX_CELLS} cells per request")
    parsed = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            raise BatchError(f"cells[{index}] must be an object")
        cell_id, code = cell.get("cell_id"), cell.get("code")
        if not isinstance(cell_id, str) or not cell_id or not isinstance(code, str):
            raise BatchError(f"cells[{index}] needs a cell_id and code, both strings")
        parsed.append((cell_id, code))
    common: dict[str, Any] = {"document_id": document_id}
    if document_path is not None:
        common["document_path"] = document_path
    if body.get("record_timing") is not None:
        common["record_timing"] = bool(body["record_timing"])
    return common, parsed


def queue_batch(
    stack: Any, kernel_id: str, common: dict[str, Any], cells: list[tuple[str, str]]
) -> list[dict[str, str]]:
    """Put each cell in nbmodel's queue, in order, as its own handler would."""
    requests = []
    for cell_id, code in cells:
        uid = stack.put(kernel_id, code, {**common, "cell_id": cell_id})
        requests.append(
            {
                "request_id": uid,
                "cell_id": cell_id,
                "request_url": f"/api/kernels/{kernel_id}/requests/{uid}",
            }
        )
    return requests


def install(serverapp: Any, stacks: Callable[[], list[Any]]) -> None:
    """Add the route. ``stacks`` finds nbmodel's queue once extensions loaded."""
    import tornado.web
    from jupyter_server.auth.decorator import authorized
    from jupyter_server.base.handlers import APIHandler
    from jupyter_server.utils import url_path_join

    class BatchExecuteHandler(APIHandler):
        # The same permission as nbmodel's execute route (kernels: write).
        auth_resource = "kernels"

        @tornado.web.authenticated
        @authorized
        async def post(self, kernel_id: str) -> None:
            found = stacks()
            if not found:
                raise tornado.web.HTTPError(
                    HTTPStatus.SERVICE_UNAVAILABLE, "jupyter-server-nbmodel is not running"
                )
            try:
                common, cells = parse_batch(self.get_json_body())
            except BatchError as error:
                raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, str(error)) from None
            if kernel_id not in self.kernel_manager:
                raise tornado.web.HTTPError(HTTPStatus.NOT_FOUND, f"no kernel {kernel_id}")
            requests = queue_batch(found[0], kernel_id, common, cells)
            self.set_status(HTTPStatus.ACCEPTED)
            self.finish(json.dumps({"kernel_id": kernel_id, "requests": requests}))

    pattern = url_path_join(
        serverapp.web_app.settings["base_url"], r"/api/handoff/kernels/(?P<kernel_id>[^/]+)/execute"
    )
    serverapp.web_app.add_handlers(".*$", [(pattern, BatchExecuteHandler)])
