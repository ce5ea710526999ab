"""Jupyter server configuration for the fault tests (playwright.faults.config.js).

The tests start and stop these servers themselves (ui-tests/tests/faults/
harness.ts), since Playwright's webServer cannot be restarted. Token
authentication and XSRF protection stay ON: pages are opened with
``?token=`` in the URL and JupyterLab sends its own XSRF cookie and header.

A page loaded with ``?faults-executor=stock`` gets stock JupyterLab: our
extension and the other server-side executors disabled, so JupyterLab's own
executor runs cells through the kernel websocket (as in bench/).

Environment: FAULTS_PORT, FAULTS_TOKEN, FAULTS_ROOT.
"""

import os
from tempfile import mkdtemp

HANDOFF = "@jupyterlab-handoff/extension"
STOCK_DISABLED = [
    HANDOFF,
    "@jupyter/docprovider-extension:notebook-cell-executor",
    "@datalayer/jupyter-server-nbmodel:notebook-cell-executor",
    "@datalayer/jupyter-server-nbmodel:notebook-execution-restorer",
]
CORE = "@jupyterlab/notebook-extension:cell-executor"


def faults_page_config_hook(handler, page_config):
    if handler.get_argument("faults-executor", None) != "stock":
        return page_config
    config = dict(page_config)
    disabled = [x for x in page_config.get("disabledExtensions", []) if x != CORE]
    config["disabledExtensions"] = disabled + [x for x in STOCK_DISABLED if x not in disabled]
    return config


c.ServerApp.port = int(os.environ["FAULTS_PORT"])  # noqa: F821
c.ServerApp.port_retries = 0  # noqa: F821
c.ServerApp.open_browser = False  # noqa: F821
# CI machines run as root.
c.ServerApp.allow_root = True  # noqa: F821
c.ServerApp.root_dir = os.environ["FAULTS_ROOT"]  # noqa: F821
c.IdentityProvider.token = os.environ["FAULTS_TOKEN"]  # noqa: F821
c.ServerApp.log_level = "INFO"  # noqa: F821
c.ServerApp.tornado_settings = {"page_config_hook": faults_page_config_hook}  # noqa: F821
# window.jupyterapp, for the tests.
c.LabApp.expose_app_in_browser = True  # noqa: F821
# "While you were away" records (jupyterlab_handoff/seen.py): a fresh file per
# server start, not the user's data directory.
c.HandoffSeen.path = os.path.join(mkdtemp(prefix="handoff-seen-"), "seen.json")  # noqa: F821

if os.environ.get("FAULTS_WITHOUT_SERVER_PART") == "1":
    # To check that the tests fail without our server extension.
    c.ServerApp.jpserver_extensions = {"jupyterlab_handoff": False}  # noqa: F821
