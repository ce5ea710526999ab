"""End nbmodel's runs on a kernel that restarted or died and came back.

jupyter-server-nbmodel 0.2 does not follow the kernel's lifecycle (its
``ExecutionStack.cancel`` says "FIXME connect this to kernel lifecycle"):
after a restart, from a tab or automatically after the kernel died, its
worker for the kernel waits forever for the reply of the run that was cut
short. That run stays listed as running, and every later request on the
kernel stays queued behind it: the next run never starts.

jupyter-server announces every restart, manual or automatic, with a
``kernel_actions`` event (action ``restart``) once the kernel is back. On
that event this cancels nbmodel's worker for the kernel (its own
``cancel``): the cut run and the runs queued behind it end as cancelled, as
a kernel restart aborts queued cells in stock JupyterLab, and the next
request starts a fresh worker with a fresh client. The cut cell and the
queued ones were already ended, with a note, when the restart started or the
kernel was found dead (kernelcuts.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

KERNEL_ACTIONS_SCHEMA = "https://events.jupyter.org/jupyter_server/kernel_actions/v1"
# Not hang a restart's event handling on a stuck worker.
CANCEL_TIMEOUT = 10


def nbmodel_stacks(serverapp: Any) -> list[Any]:
    """jupyter-server-nbmodel's execution stacks (none if it is not loaded)."""
    try:
        from jupyter_server_nbmodel.execution_stack import ExecutionStack
    except ImportError:
        return []
    extensions = serverapp.extension_manager.extension_apps.get("jupyter_server_nbmodel", ())
    return [
        value for ext in extensions for value in vars(ext).values() if isinstance(value, ExecutionStack)
    ]


class RestartFollower:
    """Cancels the stacks' work for a kernel once it restarted."""

    def __init__(self, stacks: Any, log: Any) -> None:
        # A callable: the stacks exist only once the extensions loaded.
        self._stacks = stacks
        self._log = log
        #: Awaited with the kernel id before cancelling (kernelcuts.py).
        self.before_cancel: Any = None

    async def on_event(self, logger: Any, schema_id: str, data: dict) -> None:
        if data.get("action") != "restart" or data.get("status") != "success":
            return
        kernel_id = data.get("kernel_id")
        if not kernel_id:
            return
        if self.before_cancel is not None:
            try:
                await self.before_cancel(kernel_id)
            except Exception as err:  # still cancel
                self._log.warning("jupyterlab_handoff: %s: %r", kernel_id, err)
        for stack in self._stacks():
            try:
                await stack.cancel(kernel_id, timeout=CANCEL_TIMEOUT)
            except asyncio.CancelledError:
                # nbmodel's cancel passes its worker's cancellation on (after
                # its own clean-up); only a cancellation of this task stops.
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
            except Exception as err:  # a stuck worker must not break the server
                self._log.warning(
                    "jupyterlab_handoff: could not end the runs of restarted kernel %s: %r",
                    kernel_id,
                    err,
                )
                continue
            self._log.info(
                "jupyterlab_handoff: kernel %s restarted, its server runs ended", kernel_id
            )


def install(serverapp: Any) -> RestartFollower:
    follower = RestartFollower(lambda: nbmodel_stacks(serverapp), serverapp.log)
    serverapp.event_logger.add_listener(schema_id=KERNEL_ACTIONS_SCHEMA, listener=follower.on_event)
    return follower
