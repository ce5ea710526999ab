"""jupyterlab-handoff: run notebook cells on the Jupyter server.

The prebuilt JupyterLab extension, and a small server extension that keeps a
notebook's collaboration room open while jupyter-server-nbmodel runs one of
its cells (see keepalive.py), applies display updates that nbmodel drops
(see displays.py), stops a run's writes once its cell is run again (see
reruns.py), lets any tab answer an input() prompt, first answer wins (see
stdin.py), ends nbmodel's runs on a kernel that restarted (see
restarts.py) and says so in the cut cell, even with no tab open (see
kernelcuts.py), keeps what each browser saw of each notebook for "while
you were away" (see seen.py) and says what it does (see offers.py).
Execution itself is jupyter-server-nbmodel's, with jupyter-collaboration.
"""

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - only in a source tree never built
    import warnings

    warnings.warn("Importing 'jupyterlab_handoff' outside a proper installation.")
    __version__ = "dev"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "@jupyterlab-handoff/extension"}]


def _jupyter_server_extension_points():
    return [{"module": "jupyterlab_handoff"}]


def _load_jupyter_server_extension(serverapp):
    from . import batch, displays, kernelcuts, keepalive, offers, reruns, restarts, seen, stdin
    from .restarts import nbmodel_stacks

    keepalive.load(serverapp)
    follower = restarts.install(serverapp)
    stdin.install(serverapp)
    seen.install(serverapp)
    # In this order: the re-run guard decides whether a run may write, then
    # display updates see only what is written.
    displays.install(serverapp.log)
    runs = reruns.install(serverapp.log)
    # A kernel restart or death ends its run with a note (uses reruns' runs).
    cuts = kernelcuts.install(serverapp, runs, follower)
    # Several cells queued in one request, in nbmodel's queue.
    batch.install(serverapp, lambda: nbmodel_stacks(serverapp))

    def offered() -> list[str]:
        return (["kernel-notes"] if cuts is not None else []) + (
            ["batch-execute"] if nbmodel_stacks(serverapp) else []
        )

    offers.install(serverapp, offered)
