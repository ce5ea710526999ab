"""The queue on real shared documents, with a kernel we drive by hand."""

from __future__ import annotations

import anyio
import pytest
from anyio import Event

from jupyterlab_handoff.jupyverse.kernel import KernelGone
from jupyterlab_handoff.jupyverse.queue import MARK_KEY, HandoffQueues, SubmitError

from jv_helpers import Room, cell, notebook, until

pytestmark = pytest.mark.anyio


class Kernel:
    """A kernel whose every run waits for the test to end it."""

    def __init__(self) -> None:
        self.idle = Event()
        self.idle.set()
        self.ran: list[str] = []
        self.running = 0
        self.max_running = 0
        self._ends: list[tuple[Event, dict]] = []
        self._emit = None

    async def wait_idle(self) -> None:
        await self.idle.wait()

    async def execute(self, code, on_message):
        self.ran.append(code)
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        end = Event()
        slot: dict = {}
        self._ends.append((end, slot))
        self._emit = on_message
        try:
            await end.wait()
        finally:
            self.running -= 1
        if "gone" in slot:
            raise KernelGone()
        return {"content": slot["content"]}

    def emit(self, text: str, name: str = "stdout") -> None:
        self._emit({"msg_type": "stream", "content": {"name": name, "text": text}})

    def end(self, status: str = "ok", count: int | None = 1) -> None:
        end, slot = self._ends.pop(0)
        content = {"status": status}
        if status != "aborted":
            content["execution_count"] = count
        slot["content"] = content
        end.set()

    def die(self) -> None:
        end, slot = self._ends.pop(0)
        slot["gone"] = True
        end.set()


async def setup(tg, *sources, **kw):
    nb = notebook(*sources, **kw)
    room = Room(nb, tg)
    kernel = Kernel()

    async def get_room(document_id):
        if document_id != room.id:
            raise SubmitError(404, "no such document")
        return room

    async def get_runner(kernel_id):
        return kernel

    queues = HandoffQueues(tg, get_room, get_runner)
    return nb, room, kernel, queues


def cells(*ids):
    return [{"cell_id": f"c{i}", "code": f"code {i}"} for i in ids]


async def test_run_all_marks_every_cell_queued_in_one_transaction_and_runs_one_at_a_time():
    async with anyio.create_task_group() as tg:
        nb, room, kernel, queues = await setup(tg, "a", "b", "c")
        updates = []
        nb.ydoc.observe(lambda event: updates.append(event))
        requests = await queues.submit("k", room.id, cells(0, 1, 2))
        assert len(updates) == 1
        for i, request in enumerate(requests):
            c = cell(nb, i)
            assert c["execution_state"] == "running"
            assert c["metadata"][MARK_KEY]["requestId"] == request.request_id
            assert c["metadata"][MARK_KEY]["kernelId"] == "k"
        await until(lambda: kernel.ran == ["code 0"])
        assert cell(nb, 0)["metadata"][MARK_KEY]["state"] == "running"
        assert cell(nb, 1)["metadata"][MARK_KEY]["state"] == "queued"
        assert [r.status for r in queues.in_flight("k")] == ["running", "queued", "queued"]
        kernel.emit("0 ")
        kernel.emit("1 ")
        updates.clear()
        kernel.end(count=7)
        await until(lambda: kernel.ran == ["code 0", "code 1"])
        # The end of cell 0: count, idle and no mark, in one transaction.
        first = cell(nb, 0)
        assert first["execution_count"] == 7
        assert first["execution_state"] == "idle"
        assert MARK_KEY not in first["metadata"]
        assert first["outputs"] == [{"name": "stdout", "output_type": "stream", "text": "0 1 "}]
        kernel.end(count=8)
        await until(lambda: len(kernel.ran) == 3)
        kernel.end(count=9)
        await until(lambda: cell(nb, 2)["execution_state"] == "idle")
        assert kernel.max_running == 1
        assert [cell(nb, i)["execution_count"] for i in range(3)] == [7, 8, 9]
        assert requests[2].outcome == {"kind": "reply", "status": "ok", "execution_count": 9}
        assert queues.in_flight("k") == []
        tg.cancel_scope.cancel()


async def test_the_end_is_one_update_also_when_the_count_is_unchanged():
    async with anyio.create_task_group() as tg:
        nb, room, kernel, queues = await setup(tg, "a")
        nb.ycells[0]["execution_count"] = 5
        await queues.submit("k", room.id, cells(0))
        await until(lambda: kernel.ran)
        # The stale count is hidden during the run ([*] shows).
        assert cell(nb, 0)["execution_count"] is None
        seen = []
        nb.ydoc.observe(lambda event: seen.append(event))
        kernel.end(count=5)  # the same count again, as after a restart
        await until(lambda: seen)
        await anyio.sleep(0.1)
        assert len(seen) == 1
        assert cell(nb, 0)["execution_state"] == "idle"
        assert cell(nb, 0)["execution_count"] == 5
        assert MARK_KEY not in cell(nb, 0)["metadata"]
        tg.cancel_scope.cancel()


async def test_no_cell_goes_to_a_kernel_busy_with_another_clients_cell():
    async with anyio.create_task_group() as tg:
        nb, room, kernel, queues = await setup(tg, "a")
        kernel.idle = Event()  # someone else's cell runs
        await queues.submit("k", room.id, cells(0))
        await anyio.sleep(0.2)
        assert kernel.ran == []
        assert cell(nb, 0)["metadata"][MARK_KEY]["state"] == "queued"
        kernel.idle.set()
        await until(lambda: kernel.ran == ["code 0"])
        tg.cancel_scope.cancel()


@pytest.mark.parametrize("status", ["error", "aborted"])
async def test_a_failed_cell_drops_the_rest_of_the_queue(status):
    async with anyio.create_task_group() as tg:
        nb, room, kernel, queues = await setup(tg, "a", "b", "c", "d")
        requests = await queues.submit("k", room.id, cells(0, 1, 2, 3))
        await until(lambda: len(kernel.ran) == 1)
        kernel.end(count=1)
        await until(lambda: len(kernel.ran) == 2)
        kernel.end(status=status, count=2)
        await until(lambda: cell(nb, 3)["execution_state"] == "idle")
        await anyio.sleep(0.1)
        assert kernel.ran == ["code 0", "code 1"]
        for i in (2, 3):
            c = cell(nb, i)
            assert c["execution_state"] == "idle"
            assert c["execution_count"] is None
            assert MARK_KEY not in c["metadata"]
            assert requests[i].outcome["kind"] == "cancelled"
            assert requests[i].outcome["reason"] == "previous-failed"
        expected_count = 2 if status == "error" else None
        assert cell(nb, 1)["execution_count"] == expected_count
        assert requests[1].outcome["status"] == status
        tg.cancel_scope.cancel()


async def test_interrupt_drops_the_queue_and_lets_the_running_cell_end():
    async with anyio.create_task_group() as tg:
        nb, room, kernel, queues = await setup(tg, "a", "b", "c")
        requests = await queues.submit("k", room.id, cells(0, 1, 2))
        await until(lambda: len(kernel.ran) == 1)
        queues.interrupt("k")
        assert [r.status for r in queues.in_flight("k")] == ["running"]
        for i in (1, 2):
            assert cell(nb, i)["execution_state"] == "idle"
            assert requests[i].outcome["reason"] == "cancelled"
        kernel.end(status="error", count=1)
        await until(lambda: cell(nb, 0)["execution_state"] == "idle")
        assert kernel.ran == ["code 0"]
        tg.cancel_scope.cancel()


async def test_a_bad_cell_queues_nothing():
    async with anyio.create_task_group() as tg:
        nb, room, kernel, queues = await setup(tg, "a", "# md", markdown=(1,))
        before = nb.ydoc.get_update()
        with pytest.raises(SubmitError) as e:
            await queues.submit("k", room.id, cells(0, 1))
        assert e.value.status == 400 and "not a code cell" in e.value.message
        with pytest.raises(SubmitError) as e:
            await queues.submit("k", room.id, [{"cell_id": "nope"}])
        assert "no cell with id nope" in e.value.message
        with pytest.raises(SubmitError) as e:
            await queues.submit("k", "json:notebook:other", cells(0))
        assert e.value.status == 404
        assert nb.ydoc.get_update() == before
        assert queues.in_flight("k") == []
        tg.cancel_scope.cancel()


async def test_the_code_the_tab_sent_runs_not_a_stale_document_source():
    # The tab's last keystrokes may not have reached the server's document
    # yet (the Yjs websocket has no acknowledgement).
    async with anyio.create_task_group() as tg:
        nb, room, kernel, queues = await setup(tg, "print('old')")
        await queues.submit("k", room.id, [{"cell_id": "c0", "code": "print('new')"}])
        await until(lambda: kernel.ran)
        assert kernel.ran == ["print('new')"]
        kernel.end()
        # Without code (a client that does not send it) the document's source runs.
        await queues.submit("k", room.id, [{"cell_id": "c0"}])
        await until(lambda: len(kernel.ran) == 2)
        assert kernel.ran[1] == "print('old')"
        tg.cancel_scope.cancel()


async def test_a_cell_queued_again_replaces_its_queued_run():
    async with anyio.create_task_group() as tg:
        nb, room, kernel, queues = await setup(tg, "a", "b")
        first = await queues.submit("k", room.id, cells(0, 1))
        await until(lambda: len(kernel.ran) == 1)
        again = await queues.submit("k", room.id, cells(1))
        assert first[1].outcome["reason"] == "superseded"
        assert cell(nb, 1)["metadata"][MARK_KEY]["requestId"] == again[0].request_id
        assert [r.request_id for r in queues.in_flight("k")] == [
            first[0].request_id,
            again[0].request_id,
        ]
        tg.cancel_scope.cancel()


async def test_running_cell_queued_again_stays_marked_until_its_second_run():
    async with anyio.create_task_group() as tg:
        nb, room, kernel, queues = await setup(tg, "a")
        await queues.submit("k", room.id, cells(0))
        await until(lambda: len(kernel.ran) == 1)
        again = await queues.submit("k", room.id, cells(0))
        kernel.end(count=1)
        await until(lambda: len(kernel.ran) == 2)
        c = cell(nb, 0)
        assert c["metadata"][MARK_KEY]["requestId"] == again[0].request_id
        assert c["execution_state"] == "running"
        kernel.end(count=2)
        await until(lambda: cell(nb, 0)["execution_state"] == "idle")
        assert MARK_KEY not in cell(nb, 0)["metadata"]
        tg.cancel_scope.cancel()


async def test_a_kernel_lost_mid_run_ends_the_cell_and_the_queue():
    async with anyio.create_task_group() as tg:
        nb, room, kernel, queues = await setup(tg, "a", "b")
        requests = await queues.submit("k", room.id, cells(0, 1))
        await until(lambda: len(kernel.ran) == 1)
        kernel.die()
        await until(lambda: cell(nb, 1)["execution_state"] == "idle")
        assert cell(nb, 0)["execution_state"] == "idle"
        assert requests[0].outcome["kind"] == "failed"
        assert requests[1].outcome["kind"] == "cancelled"
        tg.cancel_scope.cancel()


async def test_a_deleted_cell_fails_and_the_queue_goes_on():
    async with anyio.create_task_group() as tg:
        nb, room, kernel, queues = await setup(tg, "a", "b", "c")
        kernel.idle = Event()
        requests = await queues.submit("k", room.id, cells(1, 2))
        del nb.ycells[1]
        kernel.idle.set()
        await until(lambda: kernel.ran == ["code 2"])
        assert requests[0].outcome["kind"] == "failed"
        tg.cancel_scope.cancel()


async def test_the_room_is_held_while_a_cell_is_queued_or_runs():
    async with anyio.create_task_group() as tg:
        nb, room, kernel, queues = await setup(tg, "a", "b")
        await queues.submit("k", room.id, cells(0, 1))
        assert len(room.clients) == 1  # our silent holder
        await until(lambda: len(kernel.ran) == 1)
        kernel.end()
        await until(lambda: len(kernel.ran) == 2)
        assert len(room.clients) == 1 and room.closing == 0
        kernel.end()
        # The last release leaves like a client: the room may now close.
        await until(lambda: room.closing == 1)
        assert room.clients == set()
        tg.cancel_scope.cancel()


async def test_marks_left_by_a_previous_server_are_cleared_at_the_next_submission():
    async with anyio.create_task_group() as tg:
        nb, room, kernel, queues = await setup(tg, "a", "b")
        nb.ycells[1]["metadata"][MARK_KEY] = {"requestId": "old", "kernelId": "k", "state": "running"}
        nb.ycells[1]["execution_state"] = "running"
        await queues.submit("k", room.id, cells(0))
        assert MARK_KEY not in cell(nb, 1)["metadata"]
        assert cell(nb, 1)["execution_state"] == "idle"
        assert cell(nb, 0)["metadata"][MARK_KEY]["state"] == "queued"
        tg.cancel_scope.cancel()
