"""Keep a document's recorded hash true to its file after every write.

Before a tab saves (Ctrl+S), JupyterLab compares the file's hash on disk with
the hash the shared document last recorded, and shows "File Changed" when
they differ. jupyter-collaboration records that hash when a save finishes,
but every change to the document starts a new save that cancels the pending
one. The write itself is shielded and completes; the cancelled save then
returns without recording the new hash (its ``maybe_save_content`` returns
None). Until a later save completes, every tab holds a stale hash, and a
Ctrl+S in that window opens the dialog and waits on it.

A running cell changes its document many times a second, so with cells
running on the server this window is common. This records the hash as soon
as a write completes, whichever save made it.
"""

from __future__ import annotations

import weakref
from typing import Any

# The collaboration servers whose rooms may use a loader: one per server app,
# several in a test process.
_servers: weakref.WeakSet[Any] = weakref.WeakSet()
_PATCHED = "_jupyterlab_handoff_records_hash"


def install(websocket_server: Any, log: Any) -> bool:
    """Record the hash after every write of a document served by this server."""
    try:
        from jupyter_server_ydoc.loaders import FileLoader
    except ImportError:
        return False
    original = getattr(FileLoader, "_save_content_at_path", None)
    if original is None:
        log.warning(
            "jupyterlab_handoff: this jupyter-collaboration saves differently; "
            "a tab may see 'File Changed' after a save that was cut short"
        )
        return False
    _servers.add(websocket_server)
    if getattr(original, _PATCHED, False):
        return True

    async def _save_content_at_path(self: Any, model: dict, path: str) -> dict:
        saved = await original(self, model, path)
        await record_hash(self, saved.get("hash") if isinstance(saved, dict) else None)
        return saved

    setattr(_save_content_at_path, _PATCHED, True)
    FileLoader._save_content_at_path = _save_content_at_path
    return True


async def record_hash(loader: Any, file_hash: str | None) -> int:
    """Give every room of this loader the hash of what was just written.

    Returns how many rooms were updated. A room being loaded or reloaded
    (its update lock held) is left alone: it sets its own content and hash.
    """
    if not file_hash:
        return 0
    updated = 0
    for server in list(_servers):
        for room in list(getattr(server, "rooms", {}).values()):
            if getattr(room, "_file", None) is not loader:
                continue
            document = getattr(room, "_document", None)
            lock = getattr(room, "_update_lock", None)
            if document is None or lock is None or lock.locked():
                continue
            if document.hash == file_hash:
                continue
            # Holding the room's update lock, as its own save does, keeps
            # this change of state from starting yet another save. Nothing
            # holds that lock while it waits for the loader, so this cannot
            # deadlock with the write that called us.
            async with lock:
                if document.hash != file_hash:
                    document.hash = file_hash
                    updated += 1
    return updated
