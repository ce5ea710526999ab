"""jupyterlab-handoff: run notebook cells on the Jupyter server.

This package only ships the prebuilt JupyterLab extension; the server side is
jupyter-server-nbmodel with jupyter-collaboration.
"""

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - only in a source tree never built
    import warnings

    warnings.warn("Importing 'jupyterlab_handoff' outside a proper installation.")
    __version__ = "dev"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-handoff"}]
