"""``GET /api/handoff``: what our server part does on this Jupyter server.

The frontend reads it once per page load, with the backend probe, so that
it never counts on a server part that is not there (disabled, or a build
whose Python package is older than its frontend):

- ``kernel-notes``: a kernel restart or death ends its run with a note
  written here, with or without a tab open (kernelcuts.py); without it, the
  submitting tab writes the note.
- ``batch-execute``: several cells can be queued in nbmodel's queue in one
  request (batch.py), once nbmodel's queue exists.

The answer: ``{"server": "jupyter-server", "version": ..., "offers": [...]}``.
jupyverse's server part answers the same route with ``"server":
"jupyverse"``.
"""

from __future__ import annotations

import json
from typing import Any, Callable


def install(serverapp: Any, offers: Callable[[], list[str]]) -> None:
    """Answer the route; ``offers`` is asked on each request (nbmodel's
    queue, for one, exists only once every extension loaded)."""
    import tornado.web
    from jupyter_server.auth.decorator import authorized
    from jupyter_server.base.handlers import APIHandler
    from jupyter_server.utils import url_path_join

    from . import __version__


    class OffersHandler(APIHandler):
        auth_resource = "kernels"

        @tornado.web.authenticated
        @authorized
        async def get(self) -> None:
            self.finish(
                json.dumps(
                    {"server": "jupyter-server", "version": __version__, "offers": offers()}
                )
            )

    pattern = url_path_join(serverapp.web_app.settings["base_url"], r"/api/handoff")
    serverapp.web_app.add_handlers(".*$", [(pattern, OffersHandler)])
