"""The room keepalive against a minimal room manager.

The manager is the part of jupyter-collaboration's websocket server the
keepalive touches: its ``rooms`` and its ``delete_room`` coroutine, which the
cleanup task awaits (and cancels when a client comes back).
"""

import asyncio
import logging

from jupyterlab_handoff.keepalive import NBMODEL_SCHEMA, RoomKeepalive, RunTracker

GRACE = 0.2
ROOM = "json:notebook:abc"


class RoomManager:
    """Rooms by name; ``delete_room`` removes one, as jupyter-collaboration does."""

    def __init__(self):
        self.rooms = {ROOM: object()}
        self.deleted = []

    async def delete_room(self, *, name=None, room=None):
        if name is None:
            name = next(n for n, r in self.rooms.items() if r is room)
        self.rooms.pop(name, None)
        self.deleted.append((name, asyncio.get_running_loop().time()))


def event(kind, room=ROOM):
    return {"event_type": kind, "document_id": room}


async def emit(tracker, kind, room=ROOM):
    await tracker.on_event(None, NBMODEL_SCHEMA, event(kind, room))


def setup():
    manager = RoomManager()
    tracker = RunTracker()
    RoomKeepalive(manager, tracker, GRACE, logging.getLogger("test"))
    return manager, tracker


def test_a_room_without_runs_is_deleted_at_once():
    async def scenario():
        manager, _ = setup()
        await manager.delete_room(name=ROOM)
        assert [name for name, _ in manager.deleted] == [ROOM]

    asyncio.run(scenario())


def test_a_room_with_a_run_in_flight_is_not_deleted():
    async def scenario():
        manager, tracker = setup()
        await emit(tracker, "execution_start")
        cleanup = asyncio.create_task(manager.delete_room(name=ROOM))
        await asyncio.sleep(GRACE * 3)
        assert manager.deleted == []
        assert ROOM in manager.rooms
        cleanup.cancel()

    asyncio.run(scenario())


def test_deleted_one_grace_period_after_the_last_run_ends():
    async def scenario():
        manager, tracker = setup()
        loop = asyncio.get_running_loop()
        await emit(tracker, "execution_start")
        await emit(tracker, "execution_start")
        cleanup = asyncio.create_task(manager.delete_room(room=manager.rooms[ROOM]))
        await asyncio.sleep(0.05)
        await emit(tracker, "execution_end")
        await asyncio.sleep(GRACE * 2)
        assert manager.deleted == [], "one run is still in flight"
        ended = loop.time()
        await emit(tracker, "execution_end")
        await cleanup
        ((name, at),) = manager.deleted
        assert name == ROOM
        assert at - ended >= GRACE
        assert at - ended < GRACE * 3

    asyncio.run(scenario())


def test_a_run_starting_during_the_grace_period_holds_the_room_again():
    async def scenario():
        manager, tracker = setup()
        await emit(tracker, "execution_start")
        cleanup = asyncio.create_task(manager.delete_room(name=ROOM))
        await asyncio.sleep(0.05)
        await emit(tracker, "execution_end")
        await asyncio.sleep(GRACE / 2)
        await emit(tracker, "execution_start")
        await asyncio.sleep(GRACE * 2)
        assert manager.deleted == []
        await emit(tracker, "execution_end")
        await cleanup
        assert [name for name, _ in manager.deleted] == [ROOM]

    asyncio.run(scenario())


def test_a_client_coming_back_cancels_the_deletion():
    async def scenario():
        manager, tracker = setup()
        await emit(tracker, "execution_start")
        cleanup = asyncio.create_task(manager.delete_room(name=ROOM))
        await asyncio.sleep(0.05)
        # jupyter-collaboration cancels the cleanup task on reconnect.
        cleanup.cancel()
        await emit(tracker, "execution_end")
        await asyncio.sleep(GRACE * 2)
        assert manager.deleted == []
        assert ROOM in manager.rooms

    asyncio.run(scenario())


def test_runs_of_other_rooms_do_not_hold_this_one():
    async def scenario():
        manager, tracker = setup()
        await emit(tracker, "execution_start", room="json:notebook:other")
        await tracker.on_event(None, NBMODEL_SCHEMA, {"event_type": "execution_start"})
        await asyncio.wait_for(manager.delete_room(name=ROOM), GRACE)
        assert [name for name, _ in manager.deleted] == [ROOM]

    asyncio.run(scenario())
