"""A write whose save was cancelled still records the file's hash.

jupyter-collaboration's own room, file loader and a real file contents
manager, in process. The manager's ``save`` waits on a gate so the test can
change the document while a write is under way, which is what a running
cell's outputs do.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest
from jupyter_events import EventLogger
from jupyter_server.services.contents.filemanager import AsyncFileContentsManager
from jupyter_server_ydoc.loaders import FileLoader
from jupyter_server_ydoc.rooms import DocumentRoom

from jupyterlab_handoff import savedhash

LOG = logging.getLogger("test_savedhash")
NAME = "note.ipynb"


class GatedContentsManager(AsyncFileContentsManager):
    """Writes only once the test opens the gate."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.gate = asyncio.Event()
        self.writing = asyncio.Event()
        self.gated = True

    async def save(self, model, path=""):
        if self.gated:
            self.writing.set()
            await self.gate.wait()
        return await super().save(model, path)


class OneFile:
    """The file id manager for a single file (jupyter_server_fileid needs a database)."""

    def get_path(self, file_id: str) -> str:
        return NAME


class Server:
    """What ``savedhash`` reads of a collaboration server: its rooms."""

    def __init__(self) -> None:
        self.rooms: dict[str, DocumentRoom] = {}


def write_notebook(root: Path) -> None:
    cell = {"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {}}
    (root / NAME).write_text(
        json.dumps(
            {
                "cells": [{**cell, "outputs": [], "source": "print(1)"}],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )


async def open_room(root: Path, install: bool):
    write_notebook(root)
    contents = GatedContentsManager(root_dir=str(root))
    contents.gated = False
    loader = FileLoader("file-1", OneFile(), contents, LOG)
    room = DocumentRoom(
        "json:notebook:file-1",
        "json",
        "notebook",
        loader,
        EventLogger(),
        None,
        LOG,
        save_delay=30,  # the autosave a change starts must not write during the test
    )
    server = Server()
    server.rooms[room.room_id] = room
    if install:
        assert savedhash.install(server, LOG)
    await room.initialize()
    contents.gated = True
    # Kept like an app keeps its server: savedhash holds it weakly.
    room.test_server = server
    return contents, loader, room


async def disk_hash(contents: AsyncFileContentsManager) -> str:
    return (await contents.get(NAME, content=False, require_hash=True))["hash"]


async def cancelled_write(root: Path, install: bool):
    """A save (as Ctrl+S or our periodic save) cancelled by a change mid-write."""
    contents, loader, room = await open_room(root, install)
    before = room._document.hash
    save = room._save_to_disc()
    await asyncio.wait_for(contents.writing.wait(), 5)
    # An output arrives while the file is being written: jupyter-collaboration
    # starts an autosave, which cancels the save above.
    room._document.ycells[0]["execution_count"] = 1
    autosave = room._saving_document
    assert autosave is not save
    for _ in range(5):
        await asyncio.sleep(0)
    contents.gate.set()
    await asyncio.wait_for(save, 5)
    assert not autosave.done()  # still waiting its 30 s: only the first save wrote
    result = (before, room._document.hash, await disk_hash(contents))
    autosave.cancel()
    await room.stop()
    return result


@pytest.fixture(autouse=True)
def unpatched():
    """Each test installs (or not) on jupyter-collaboration's own loader."""
    original = FileLoader._save_content_at_path
    yield
    FileLoader._save_content_at_path = original
    savedhash._servers.clear()


def test_without_the_fix_a_cancelled_write_leaves_the_hash_stale(tmp_path):
    """The upstream behaviour this module exists for (so the next test can fail)."""
    before, recorded, on_disk = asyncio.run(cancelled_write(tmp_path, install=False))
    assert on_disk != before
    assert recorded == before


def test_a_cancelled_write_records_the_hash_of_what_it_wrote(tmp_path):
    before, recorded, on_disk = asyncio.run(cancelled_write(tmp_path, install=True))
    assert on_disk != before
    assert recorded == on_disk


def test_recording_the_hash_starts_no_other_save(tmp_path):
    async def scenario():
        contents, loader, room = await open_room(tmp_path, install=True)
        pending = room._saving_document
        assert await savedhash.record_hash(loader, "a-new-hash") == 1
        assert room._document.hash == "a-new-hash"
        assert room._saving_document is pending  # no autosave for our own change
        await room.stop()

    asyncio.run(scenario())


def test_a_room_being_reloaded_keeps_its_own_hash(tmp_path):
    async def scenario():
        contents, loader, room = await open_room(tmp_path, install=True)
        async with room._update_lock:
            assert await savedhash.record_hash(loader, "a-new-hash") == 0
        assert room._document.hash != "a-new-hash"
        # Another loader's write leaves this room alone.
        other = FileLoader("file-2", OneFile(), contents, LOG)
        assert await savedhash.record_hash(other, "a-new-hash") == 0
        await other.clean()
        await room.stop()

    asyncio.run(scenario())


def test_installing_twice_wraps_once(tmp_path):
    first, second = Server(), Server()
    assert savedhash.install(first, LOG)
    wrapped = FileLoader._save_content_at_path
    assert savedhash.install(second, LOG)
    assert FileLoader._save_content_at_path is wrapped
    assert set(savedhash._servers) == {first, second}
