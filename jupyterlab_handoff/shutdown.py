"""Let the server process exit promptly after a stop while tabs are connected.

Cause (upstream, found with thread and task dumps of a stopped server):
``jupyter_server``'s contents manager reads and writes files through
``anyio.to_thread.run_sync``. anyio starts a non-daemon "AnyIO worker thread"
and ties its life to a *root task*: the worker is told to stop only when that
task finishes. Under tornado there is no ``run_until_complete`` task, so the
root task is the task that asked first. When jupyter-collaboration loads a
notebook for a tab, that is the tab's websocket handler
(``RequestHandler._execute``), which lives as long as the websocket does.

On SIGTERM, ``ServerApp`` stops listening, stops its extensions and kernels
and stops the event loop, but it never closes the document websockets. The
handler task never finishes, the worker never receives its stop command, and
the interpreter then waits for it forever in ``threading._shutdown`` (until a
supervisor kills the process, losing whatever was not saved). With no tab
connected, the root task is a short request that has finished: the worker was
already told to stop, and the process exits in about a second.

The fix: at interpreter shutdown, *after* the event loop has stopped and
before Python joins its threads, send every anyio worker its stop command. An
idle worker exits at once; a busy one (a file write in progress) finishes
that call first, so nothing half-written is abandoned.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

_installed = False


def anyio_workers() -> list[Any]:
    """The anyio worker threads still alive in this process."""
    try:
        from anyio._backends._asyncio import WorkerThread
    except ImportError:  # pragma: no cover - anyio without its asyncio backend
        return []
    return [t for t in threading.enumerate() if isinstance(t, WorkerThread) and t.is_alive()]


def release_anyio_workers() -> int:
    """Tell every anyio worker thread to stop; return how many were told."""
    workers = anyio_workers()
    for worker in workers:
        # anyio's own stop command is ``None`` on the worker's queue. Its
        # ``stop()`` method also touches sets owned by the (stopped) event
        # loop's run variables, which we leave alone.
        try:
            worker.queue.put(None, timeout=5)
        except queue.Full:  # pragma: no cover - a worker stuck in a call
            pass
    return len(workers)


def install() -> bool:
    """Release anyio workers when the interpreter shuts down (once)."""
    global _installed
    if _installed:
        return True
    register = getattr(threading, "_register_atexit", None)
    if register is None:  # pragma: no cover - CPython < 3.9
        return False
    # Runs in threading._shutdown, before the non-daemon threads are joined
    # (plain atexit handlers run only after that join, too late).
    register(release_anyio_workers)
    _installed = True
    return True
