"""jupyterlab-handoff: run notebook cells on the Jupyter server.

The prebuilt JupyterLab extension, and a small server extension that keeps a
notebook's collaboration room open while jupyter-server-nbmodel runs one of
its cells (see keepalive.py). Execution itself is jupyter-server-nbmodel's,
with jupyter-collaboration.
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
    from .keepalive import load

    load(serverapp)
