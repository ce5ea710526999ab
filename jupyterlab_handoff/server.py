"""The server extension: wire the run tracker, keepalive, saver and exit fix."""

from __future__ import annotations

from typing import Any

from . import keepalive, saving, shutdown
from .runs import NBMODEL_SCHEMA, RunTracker


def load(serverapp: Any) -> None:
    # Independent of the other parts: a stop with tabs connected must not
    # hang whichever execution server runs.
    shutdown.install()
    try:
        from jupyter_server_nbmodel.event_logger import event_logger
        from jupyter_server_ydoc.app import YDocExtension
    except ImportError:
        return
    ydoc = next(
        (
            ext
            for ext in serverapp.extension_manager.extension_apps.get("jupyter_server_ydoc", ())
            if isinstance(ext, YDocExtension)
        ),
        None,
    )
    if ydoc is None or getattr(ydoc, "ywebsocket_server", None) is None:
        serverapp.log.warning("jupyterlab_handoff: no collaboration rooms, no keepalive")
        return
    runs = RunTracker()
    event_logger.add_listener(schema_id=NBMODEL_SCHEMA, listener=runs.on_event)
    keepalive.install(ydoc, runs, serverapp.log)
    saving.install(ydoc, runs, serverapp.log).start()
    serverapp.log.info("jupyterlab_handoff: running cells are saved every %s s and at stop", saving.SAVE_INTERVAL)
