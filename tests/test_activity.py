"""The server reports activity while cells run on it (JupyterHub's idle culler)."""

import asyncio
import contextlib
import logging
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from jupyter_server.serverapp import ServerWebApplication
from traitlets.config import Config

from jupyterlab_handoff.activity import (
    SETTINGS_KEY,
    HandoffActivity,
    nbmodel_input_probe,
    stack_input_waits,
)
from jupyterlab_handoff.keepalive import NBMODEL_SCHEMA, RunTracker

ROOM = "json:notebook:1234"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def event(kind, cell="c1", room=ROOM):
    return {"event_type": kind, "cell_id": cell, "document_id": room, "timestamp": "x"}


async def start(tracker, cell="c1", room=ROOM):
    await tracker.on_event(None, NBMODEL_SCHEMA, event("execution_start", cell, room))


async def end(tracker, cell="c1", room=ROOM):
    await tracker.on_event(None, NBMODEL_SCHEMA, event("execution_end", cell, room))


def make(clock, after=5.0, waiting=None, **traits):
    tracker = RunTracker(clock=clock)
    settings = {}
    activity = HandoffActivity(
        tracker,
        settings,
        after,
        input_probe=(lambda: waiting or []) if waiting is not None else None,
        clock=clock,
        config=Config({"HandoffActivity": traits}),
        log=logging.getLogger("test"),
    )
    return tracker, settings, activity


async def test_tracker_counts_runs_per_room_and_remembers_the_last_end():
    clock = Clock()
    tracker = RunTracker(clock=clock)
    await start(tracker, "c1")
    await start(tracker, "c2")
    await start(tracker, "c1", room="json:notebook:other")
    assert tracker.running(ROOM) == 2
    assert tracker.last_end is None
    clock.now += 3
    await end(tracker, "c2")
    assert [run.cell_id for run in tracker.runs() if run.room_id == ROOM] == ["c1"]
    assert tracker.last_end == 1003.0
    # An end nobody started (e.g. the server part loaded mid-run) is ignored.
    await end(tracker, "c9", room="json:notebook:unknown")
    assert tracker.running("json:notebook:unknown") == 0
    assert tracker.last_end == 1003.0
    # Events without a document (nbmodel found no shared cell) are ignored.
    await tracker.on_event(None, NBMODEL_SCHEMA, {"event_type": "execution_start"})
    assert len(tracker.runs()) == 2


async def test_until_idle_waits_for_the_rooms_last_run():
    tracker = RunTracker()
    await start(tracker)
    waiter = asyncio.ensure_future(tracker.until_idle(ROOM))
    await asyncio.sleep(0.01)
    assert not waiter.done()
    await end(tracker)
    await asyncio.wait_for(waiter, 1)


async def test_holds_while_a_run_is_in_flight_and_for_one_cleanup_delay_after():
    clock = Clock()
    tracker, settings, activity = make(clock, after=5.0)
    assert not activity.holding()
    await start(tracker)
    clock.now += 7200
    assert activity.holding()
    await end(tracker)
    clock.now += 4.9
    assert activity.holding()
    clock.now += 0.2
    assert not activity.holding()


async def test_tick_sets_a_last_activity_setting_the_server_reports():
    clock = Clock()
    tracker, settings, activity = make(clock)
    activity.tick()
    assert SETTINGS_KEY not in settings
    await start(tracker)
    before = datetime.now(timezone.utc)
    activity.tick()
    assert settings[SETTINGS_KEY] >= before
    # jupyter-server's own last_activity() (what jupyterhub-singleuser sends
    # to the hub) picks the key up.
    old = datetime(2020, 1, 1, tzinfo=timezone.utc)
    web_app = SimpleNamespace(
        settings={
            "started": old,
            "kernel_manager": SimpleNamespace(last_kernel_activity=old),
            "last_activity_times": {},
            **settings,
        }
    )
    assert ServerWebApplication.last_activity(web_app) == settings[SETTINGS_KEY]


async def test_a_run_older_than_max_run_age_no_longer_holds():
    clock = Clock()
    tracker, settings, activity = make(clock, after=5.0, max_run_age=100.0)
    await start(tracker)
    clock.now += 99
    assert activity.holding()
    clock.now += 1
    assert not activity.holding()
    # A younger run still holds.
    await start(tracker, "c2")
    assert activity.holding()


async def test_a_run_waiting_on_input_longer_than_max_input_wait_no_longer_holds():
    clock = Clock()
    waiting = []
    tracker, settings, activity = make(clock, waiting=waiting, max_input_wait=60.0)
    await start(tracker)
    clock.now += 1000
    waiting.append((ROOM, "c1"))
    assert activity.holding()  # first seen waiting now
    clock.now += 59
    assert activity.holding()
    clock.now += 1
    assert not activity.holding()
    # Answered: it holds again, and a new wait starts a new count.
    waiting.clear()
    assert activity.holding()
    waiting.append((ROOM, "c1"))
    clock.now += 30
    assert activity.holding()


async def test_zero_means_no_limit():
    clock = Clock()
    waiting = [(ROOM, "c1")]
    tracker, settings, activity = make(clock, waiting=waiting, max_run_age=0, max_input_wait=0)
    await start(tracker)
    activity.holding()
    clock.now += 10 * 24 * 3600
    assert activity.holding()


async def test_a_broken_input_probe_is_dropped_and_runs_still_hold():
    clock = Clock()
    tracker = RunTracker(clock=clock)

    def broken():
        raise LookupError("no stack")

    activity = HandoffActivity(
        tracker, {}, 5.0, input_probe=broken, clock=clock, log=logging.getLogger("test")
    )
    await start(tracker)
    assert activity.holding()
    assert activity.holding()


async def test_admins_turn_it_off():
    clock = Clock()
    tracker, settings, activity = make(clock, enabled=False, interval=0.01)
    await start(tracker)
    activity.start()
    await asyncio.sleep(0.1)
    assert SETTINGS_KEY not in settings
    activity.stop()


async def test_started_it_reports_every_interval():
    clock = Clock()
    tracker, settings, activity = make(clock, interval=0.01)
    activity.start()
    await start(tracker)
    await asyncio.sleep(0.1)
    first = settings[SETTINGS_KEY]
    await asyncio.sleep(0.1)
    assert settings[SETTINGS_KEY] > first
    activity.stop()


async def test_input_waits_are_read_from_nbmodels_own_execution_stack():
    """nbmodel's real stack and worker, with a kernel client that asks for input."""
    from jupyter_server_nbmodel.execution_stack import ExecutionStack

    answered = asyncio.Event()

    class Channel:
        def msg_ready(self):
            return False

    class Client:
        allow_stdin = True
        stdin_channel = Channel()
        shell_channel = Channel()

        def input(self, value):
            answered.set()

        def stop_channels(self):
            return None

        async def wait_for_ready(self):
            return None

        async def execute_interactive(self, code, output_hook=None, stdin_hook=None):
            stdin_hook(
                {
                    "header": {"date": "2026-11-27T00:00:00Z", "msg_id": "m"},
                    "content": {"prompt": "? ", "password": False},
                }
            )
            await answered.wait()
            return {"content": {"status": "ok", "execution_count": 1}}

    manager = SimpleNamespace(get_kernel=lambda kernel_id: SimpleNamespace(client=Client))
    stack = ExecutionStack(manager=manager, ydoc_extension=None)
    assert stack_input_waits(stack) == []
    stack.put("k1", "input()", {"document_id": ROOM, "cell_id": "c1"})
    for _ in range(100):
        if stack_input_waits(stack):
            break
        await asyncio.sleep(0.01)
    assert stack_input_waits(stack) == [(ROOM, "c1")]

    # The probe finds the stack on the loaded extension app.
    extension = SimpleNamespace(_Extension__execution_stack=stack)
    serverapp = SimpleNamespace(
        extension_manager=SimpleNamespace(
            extension_apps={"jupyter_server_nbmodel": {_Hashable(extension)}}
        )
    )
    assert nbmodel_input_probe(serverapp)() == [(ROOM, "c1")]

    # Answered through nbmodel: no longer waiting.
    await stack.send_input("k1", "x")
    assert answered.is_set()
    assert stack_input_waits(stack) == []
    # nbmodel's dispose() re-raises the cancellation of its own workers.
    # Its __del__ then warns of the workers it left; forget them.
    with contextlib.suppress(asyncio.CancelledError):
        await stack.dispose()
    stack._ExecutionStack__workers.clear()
    stack._ExecutionStack__tasks.clear()
    stack._ExecutionStack__kernel_clients.clear()


def test_the_probe_finds_nothing_without_nbmodel():
    # nbmodel's extension disabled: no run can wait on input() through it,
    # and that is no reason to warn.
    serverapp = SimpleNamespace(extension_manager=SimpleNamespace(extension_apps={}))
    assert nbmodel_input_probe(serverapp)() == []


def test_the_probe_raises_on_a_stack_it_cannot_read():
    from jupyter_server_nbmodel.execution_stack import ExecutionStack

    class Unreadable(ExecutionStack):
        # Another layout: none of the attributes the probe reads.
        def __init__(self):
            pass

        def __del__(self):
            pass

    stack = Unreadable()
    extension = SimpleNamespace(_Extension__execution_stack=stack)
    serverapp = SimpleNamespace(
        extension_manager=SimpleNamespace(
            extension_apps={"jupyter_server_nbmodel": {_Hashable(extension)}}
        )
    )
    with pytest.raises(LookupError):
        nbmodel_input_probe(serverapp)()


class _Hashable(SimpleNamespace):
    def __init__(self, inner):
        super().__init__(**vars(inner))

    def __hash__(self):
        return id(self)


async def test_the_room_keepalive_holds_a_room_on_the_same_record_of_runs():
    from jupyterlab_handoff.keepalive import RoomKeepalive

    deleted = []

    class Server:
        rooms = {}

        async def delete_room(self, *, name=None, room=None):
            deleted.append(name)

    server = Server()
    tracker = RunTracker()
    RoomKeepalive(server, tracker, 0.05, logging.getLogger("test"))
    await start(tracker)
    deleting = asyncio.ensure_future(server.delete_room(name=ROOM))
    await asyncio.sleep(0.1)
    assert deleted == []
    await end(tracker)
    await asyncio.sleep(0.02)
    assert deleted == []  # one grace period after the end
    await asyncio.wait_for(deleting, 1)
    assert deleted == [ROOM]
    # A room with nothing running goes at once.
    await server.delete_room(name="json:notebook:idle")
    assert deleted == [ROOM, "json:notebook:idle"]
