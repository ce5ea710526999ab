"""Keep the server looking active while cells run on it.

JupyterHub's idle culler stops a user's server when the hub has heard of no
activity for ``--timeout`` seconds. The single-user server reports
``web_app.last_activity()``: the latest API request, kernel message or any
``web_app.settings`` value whose key ends in ``_last_activity``. A cell that
runs silently on the server with no tab open produces none of these, so the
server is culled mid-run (jupyterhub#1498).

While jupyter-server-nbmodel runs a cell (``RunTracker``, shared with the
room keepalive), and for one cleanup delay after the last one ends, this sets
``settings["handoff_last_activity"]`` to now every ``interval`` seconds. A run
older than ``max_run_age``, or waiting on ``input()`` for longer than
``max_input_wait``, no longer counts. ``c.HandoffActivity.enabled = False``
turns the whole thing off.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from tornado.ioloop import PeriodicCallback
from traitlets import Bool, Float
from traitlets.config import LoggingConfigurable

from .keepalive import Run, RunTracker

#: The key in ``web_app.settings``; jupyter-server reads every ``*_last_activity``.
SETTINGS_KEY = "handoff_last_activity"

#: (document id, cell id) of the runs waiting on input() right now.
InputProbe = Callable[[], Iterable[tuple[str, str | None]]]


class HandoffActivity(LoggingConfigurable):
    """Report server activity while cells run on the server (for JupyterHub's idle culler)."""

    enabled = Bool(
        True,
        config=True,
        help="""Report the server as active while cells run on it (and for one
        document cleanup delay after), so an idle culler does not stop a
        server with work in progress. False turns this off.""",
    )
    interval = Float(
        30.0,
        config=True,
        help="""Seconds between two activity reports while a run is in flight.
        Keep it well below the culler's timeout.""",
    )
    max_run_age = Float(
        24 * 3600.0,
        config=True,
        help="""A run older than this many seconds no longer keeps the server
        active (0: no limit).""",
    )
    max_input_wait = Float(
        3600.0,
        config=True,
        help="""A run waiting on input() for longer than this many seconds no
        longer keeps the server active (0: no limit).""",
    )

    def __init__(
        self,
        tracker: RunTracker,
        settings: dict,
        after: float,
        input_probe: InputProbe | None = None,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._tracker = tracker
        self._settings = settings
        self._after = after
        self._input_probe = input_probe
        self._clock = clock
        # When each waiting run was first seen waiting.
        self._waiting_since: dict[tuple[str, str | None], float] = {}
        # Runs already logged as over a limit (by identity).
        self._released: set[int] = set()
        self._timer: PeriodicCallback | None = None

    def start(self) -> None:
        if not self.enabled:
            self.log.info("jupyterlab_handoff: not reporting activity for server-side runs")
            return
        self._timer = PeriodicCallback(self.tick, self.interval * 1000)
        self._timer.start()
        self.log.info(
            "jupyterlab_handoff: the server stays active while cells run "
            "(max run age %ss, max input wait %ss)",
            self.max_run_age,
            self.max_input_wait,
        )

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def holding(self) -> bool:
        """Whether the server counts as active now."""
        now = self._clock()
        waiting = set(self._waiting())
        for key in list(self._waiting_since):
            if key not in waiting:
                del self._waiting_since[key]
        for key in waiting:
            self._waiting_since.setdefault(key, now)

        runs = self._tracker.runs()
        live = {id(run) for run in runs}
        self._released &= live
        holding = [run for run in runs if self._counts(run, now)]
        if holding:
            return True
        last_end = self._tracker.last_end
        return last_end is not None and now - last_end < self._after

    def tick(self) -> None:
        if self.holding():
            self._settings[SETTINGS_KEY] = datetime.now(timezone.utc)

    def _counts(self, run: Run, now: float) -> bool:
        reason = None
        if self.max_run_age and now - run.started >= self.max_run_age:
            reason = "has run for more than %ss" % self.max_run_age
        since = self._waiting_since.get((run.room_id, run.cell_id))
        if self.max_input_wait and since is not None and now - since >= self.max_input_wait:
            reason = "has waited on input() for more than %ss" % self.max_input_wait
        if reason is None:
            return True
        if id(run) not in self._released:
            self._released.add(id(run))
            self.log.warning(
                "jupyterlab_handoff: cell %s of %s %s; it no longer keeps the server active",
                run.cell_id,
                run.room_id,
                reason,
            )
        return False

    def _waiting(self) -> Iterable[tuple[str, str | None]]:
        if self._input_probe is None:
            return ()
        try:
            return list(self._input_probe())
        except Exception:  # noqa: BLE001 - a probe that broke must not stop the reports
            self.log.warning(
                "jupyterlab_handoff: cannot tell which runs wait on input(), "
                "max_input_wait does not apply",
                exc_info=True,
            )
            self._input_probe = None
            return ()


def nbmodel_input_probe(serverapp: Any) -> InputProbe:
    """Which runs wait on input(), read from jupyter-server-nbmodel's stack.

    nbmodel has no public API or event for this: its execution stack keeps a
    pending input per kernel with the request id, and the request's metadata
    (document and cell id). A server without nbmodel's extension has no such
    runs; the probe raises ``LookupError`` only for a stack it cannot read.
    """

    def probe() -> list[tuple[str, str | None]]:
        from jupyter_server_nbmodel.execution_stack import ExecutionStack

        extensions = serverapp.extension_manager.extension_apps.get("jupyter_server_nbmodel", ())
        stacks = [
            value
            for ext in extensions
            for value in vars(ext).values()
            if isinstance(value, ExecutionStack)
        ]
        return [key for stack in stacks for key in stack_input_waits(stack)]

    return probe


def stack_input_waits(stack: Any) -> list[tuple[str, str | None]]:
    """(document id, cell id) of the runs of one nbmodel ``ExecutionStack`` waiting on input()."""
    pending = getattr(stack, "_ExecutionStack__pending_inputs", None)
    metadata = getattr(stack, "_ExecutionStack__execution_metadata", None)
    if not isinstance(pending, dict) or not isinstance(metadata, dict):
        raise LookupError("unknown jupyter-server-nbmodel execution stack layout")
    waiting = []
    for kernel_id, pending_input in list(pending.items()):
        request_id = getattr(pending_input, "request_id", None)
        if request_id is None:
            continue
        meta = metadata.get(kernel_id, {}).get(request_id) or {}
        if meta.get("document_id"):
            waiting.append((meta["document_id"], meta.get("cell_id")))
    return waiting


def start_activity(serverapp: Any, tracker: RunTracker, after: float) -> HandoffActivity:
    """Start reporting activity for the server's runs, as configured."""
    activity = HandoffActivity(
        tracker,
        serverapp.web_app.settings,
        after,
        input_probe=nbmodel_input_probe(serverapp),
        config=serverapp.config,
        log=serverapp.log,
    )
    activity.start()
    return activity
