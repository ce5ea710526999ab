"""Jupyter server configuration for the Galata tests.

The whole real stack: jupyter-collaboration (Yjs rooms) and
jupyter-server-nbmodel (the execute endpoint), both enabled by their own
packages' config. Set HANDOFF_NO_BACKEND=1 to start a server without
jupyter-server-nbmodel, for the fallback tests.
"""

import os
from tempfile import mkdtemp

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821

c.ServerApp.port = int(os.environ.get("HANDOFF_TEST_PORT", "18888"))  # noqa: F821
# CI machines run as root.
c.ServerApp.allow_root = True  # noqa: F821
# Galata's configuration turns the XSRF check off because its own Node-side
# REST calls cannot send the token; our requests go through
# ServerConnection.makeRequest, which sends it (see the README's auth notes).
c.ServerApp.log_level = "WARN"  # noqa: F821
# "While you were away" records (jupyterlab_handoff/seen.py): a fresh file per
# test server, not the user's data directory.
c.HandoffSeen.path = os.path.join(mkdtemp(prefix="handoff-seen-"), "seen.json")  # noqa: F821

if os.environ.get("HANDOFF_CLEANUP_DELAY"):
    # How long jupyter-collaboration keeps a document with no client connected.
    c.YDocExtension.document_cleanup_delay = float(  # noqa: F821
        os.environ["HANDOFF_CLEANUP_DELAY"]
    )

if os.environ.get("HANDOFF_NO_BACKEND") == "1":
    c.ServerApp.jpserver_extensions = {"jupyter_server_nbmodel": False}  # noqa: F821
