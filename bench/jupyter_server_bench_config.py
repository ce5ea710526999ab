"""Jupyter server configuration for the benchmark (bench/bench.mjs).

One server, one kernel type, three executors. Which notebook cell executor a
page gets is decided by the page config's ``disabledExtensions``, the same key
``jupyter labextension disable`` writes. A page loaded with
``?bench-executor=<name>`` gets the list for that executor:

- ``handoff``: the server's own list, untouched. Our package.json disables
  JupyterLab's, jupyter-collaboration's and nbmodel's executors, so this is
  what a user with jupyterlab-handoff installed gets.
- ``nbmodel-frontend``: jupyterlab-handoff disabled; nbmodel's two frontend
  plugins enabled; the core and jupyter-collaboration executors disabled (as
  nbmodel's own package.json does).
- ``stock``: jupyterlab-handoff and nbmodel's frontend disabled, and
  jupyter-collaboration's executor disabled, so JupyterLab's own
  ``@jupyterlab/notebook-extension:cell-executor`` runs cells through the
  kernel websocket. (jupyter-collaboration's executor, without the
  ``serverSideExecution`` page option, is that same ``runCell``.)

Disabling a whole extension drops the disabledExtensions its package.json
contributes (jupyterlab_server skips them), so each list here is complete and
explicit rather than relying on that. The page also gets ``benchExecutor`` so
the harness can check which configuration it is looking at.

Environment: BENCH_PORT, BENCH_TOKEN, BENCH_ROOT (notebook directory).
"""

import os

from tornado import web

HANDOFF = "@jupyterlab-handoff/extension"
CORE = "@jupyterlab/notebook-extension:cell-executor"
DOCPROVIDER = "@jupyter/docprovider-extension:notebook-cell-executor"
NBMODEL_EXECUTOR = "@datalayer/jupyter-server-nbmodel:notebook-cell-executor"
NBMODEL_RESTORER = "@datalayer/jupyter-server-nbmodel:notebook-execution-restorer"
EXECUTOR_ENTRIES = {HANDOFF, CORE, DOCPROVIDER, NBMODEL_EXECUTOR, NBMODEL_RESTORER}

DISABLED = {
    "stock": [HANDOFF, DOCPROVIDER, NBMODEL_EXECUTOR, NBMODEL_RESTORER],
    "nbmodel-frontend": [HANDOFF, CORE, DOCPROVIDER],
    "handoff": None,  # the server's own list
}
# Every executor needs these gone from the server's own list.
HANDOFF_EXPECTED = {CORE, DOCPROVIDER, NBMODEL_EXECUTOR, NBMODEL_RESTORER}


def bench_page_config_hook(handler, page_config):
    executor = handler.get_argument("bench-executor", None)
    if executor is None:
        return page_config
    if executor not in DISABLED:
        raise web.HTTPError(400, f"unknown bench-executor {executor!r}")
    config = dict(page_config)
    server_list = list(page_config.get("disabledExtensions", []))
    if DISABLED[executor] is None:
        missing = HANDOFF_EXPECTED - set(server_list)
        if missing or HANDOFF in server_list:
            # Installed wrongly: refuse rather than measure the wrong thing.
            raise web.HTTPError(
                500, f"jupyterlab-handoff's disabledExtensions not in effect: {sorted(missing)}"
            )
        # Diagnostics: leave some of our plugins out, to see what each costs.
        disabled = server_list + [
            x for x in os.environ.get("BENCH_HANDOFF_DISABLED", "").split(",") if x
        ]
    else:
        disabled = [x for x in server_list if x not in EXECUTOR_ENTRIES]
        disabled += DISABLED[executor]
    config["disabledExtensions"] = disabled
    config["benchExecutor"] = executor
    return config


c.ServerApp.port = int(os.environ.get("BENCH_PORT", "20890"))  # noqa: F821
c.ServerApp.port_retries = 0  # noqa: F821
c.ServerApp.open_browser = False  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821
c.ServerApp.root_dir = os.environ["BENCH_ROOT"]  # noqa: F821
c.IdentityProvider.token = os.environ["BENCH_TOKEN"]  # noqa: F821
c.ServerApp.log_level = "WARN"  # noqa: F821
c.ServerApp.tornado_settings = {"page_config_hook": bench_page_config_hook}  # noqa: F821
# window.jupyterapp, for the harness.
c.LabApp.expose_app_in_browser = True  # noqa: F821
# Keep the documents in memory while no tab is connected (the README's
# recommended setting), so a reopened notebook still receives the server's
# writes.
c.YDocExtension.document_cleanup_delay = None  # noqa: F821
