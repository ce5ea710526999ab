"""jupyverse for the benchmark (bench/jupyverse.mjs): the ``jupyverse`` command
plus one FPS module, ``bench_page_config``, that picks a page's cell executor.

    python bench/jupyverse_bench.py [jupyverse's options]

jupyverse builds the page config itself, with ``exposeAppInBrowser`` off and
one ``disabledExtensions`` list for everyone (every installed extension's
package.json). Its ``PageConfig`` runs registered hooks on each page; ours
reads the workspace the page was opened in, ``/lab/workspaces/bench--<executor>--<n>``,
and for that page only:

- ``handoff``: the server's own list, untouched. Our package.json disables
  JupyterLab's and jupyter-collaboration's executors (and nbmodel's), so this
  is what a user with jupyterlab-handoff installed on jupyverse gets: our
  executor, our jupyverse backend and our queue module.
- ``jupyter-collaboration``: jupyterlab-handoff and JupyterLab's own executor
  disabled, so ``@jupyter/docprovider-extension:notebook-cell-executor`` runs
  cells; jupyverse's page says ``serverSideExecution``, so it POSTs each cell
  to jupyverse's ``/api/kernels/<id>/execute``.
- ``stock``: jupyterlab-handoff and jupyter-collaboration's executor disabled,
  so ``@jupyterlab/notebook-extension:cell-executor`` runs cells through the
  kernel websocket.

It also turns ``exposeAppInBrowser`` on (``window.jupyterapp``, for the
harness) and adds ``benchExecutor`` so the harness can check which
configuration it is looking at. Pages in any other workspace are untouched.
"""

from __future__ import annotations

import functools
import re
import sys
from pathlib import Path
from typing import Any

HANDOFF = "@jupyterlab-handoff/extension"
CORE = "@jupyterlab/notebook-extension:cell-executor"
DOCPROVIDER = "@jupyter/docprovider-extension:notebook-cell-executor"
NBMODEL_EXECUTOR = "@datalayer/jupyter-server-nbmodel:notebook-cell-executor"
NBMODEL_RESTORER = "@datalayer/jupyter-server-nbmodel:notebook-execution-restorer"
EXECUTOR_ENTRIES = {HANDOFF, CORE, DOCPROVIDER, NBMODEL_EXECUTOR, NBMODEL_RESTORER}

DISABLED: dict[str, list[str] | None] = {
    "stock": [HANDOFF, DOCPROVIDER, NBMODEL_EXECUTOR, NBMODEL_RESTORER],
    "jupyter-collaboration": [HANDOFF, CORE, NBMODEL_EXECUTOR, NBMODEL_RESTORER],
    "handoff": None,  # the server's own list
}
HANDOFF_EXPECTED = {CORE, DOCPROVIDER}
WORKSPACE = re.compile(r"^bench--([a-z-]+)--")


class BenchConfigError(Exception):
    pass


def bench_page_config(config: dict[str, Any]) -> None:
    """Change a page config in place for the executor its workspace names."""
    match = WORKSPACE.match(str(config.get("workspace", "")))
    if match is None:
        return
    executor = match.group(1)
    if executor not in DISABLED:
        raise BenchConfigError(f"unknown bench executor {executor!r}")
    server_list = list(config.get("disabledExtensions", []))
    wanted = DISABLED[executor]
    if wanted is None:
        missing = HANDOFF_EXPECTED - set(server_list)
        if missing or HANDOFF in server_list:
            # Installed wrongly: refuse rather than measure the wrong thing.
            raise BenchConfigError(
                f"jupyterlab-handoff's disabledExtensions not in effect: {sorted(missing)}"
            )
        disabled = server_list
    else:
        disabled = [x for x in server_list if x not in EXECUTOR_ENTRIES] + wanted
    config["disabledExtensions"] = disabled
    config["exposeAppInBrowser"] = True
    config["benchExecutor"] = executor


@functools.cache
def _module_class() -> Any:
    from fps import Module
    from jupyverse_lab import PageConfig

    class BenchPageConfigModule(Module):
        async def prepare(self) -> None:
            page_config = await self.get(PageConfig)

            async def hook(config: dict[str, Any]) -> None:
                bench_page_config(config)

            page_config.register(hook)

    return BenchPageConfigModule


def __getattr__(name: str) -> Any:
    # Resolved by FPS as "jupyverse_bench:BenchPageConfigModule"; built
    # lazily so this file imports without jupyverse (its unit test).
    if name == "BenchPageConfigModule":
        return _module_class()
    raise AttributeError(name)


def main() -> None:
    import jupyverse_api.cli as cli

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    plugin_config = cli.get_pluggin_config

    def with_bench(disable: tuple[str, ...]) -> dict[str, Any]:
        config = plugin_config(disable)
        config["jupyverse"]["modules"]["bench_page_config"] = {
            "type": "jupyverse_bench:BenchPageConfigModule"
        }
        return config

    cli.get_pluggin_config = with_bench
    cli.main()


if __name__ == "__main__":
    main()
