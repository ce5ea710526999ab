"""What the user saw of each notebook, kept by the server ("while you were away").

The extension keeps, per notebook and browser, a small record of what that
browser last saw of the notebook (see ``src/whileaway/seenstore.ts``), so any
browser of the user can tell what finished since they left. JupyterLab's
state database is no place for them: JupyterLab saves a workspace whole,
last writer wins, so a page left open in one browser puts back its older
copy and erases the record another browser wrote meanwhile.

Here each record is its own entry, written and removed one at a time, so a
browser writing its record never touches another browser's:

- ``GET /api/handoff/seen?prefix=P``: every record whose id starts with
  ``P``, as ``{"ids": [...], "values": [...]}``.
- ``GET /api/handoff/seen/{id}``: one record (404 when there is none).
- ``PUT /api/handoff/seen/{id}`` with a JSON object: write it (204).
- ``DELETE /api/handoff/seen/{id}``: remove it (204, also when absent).

They are kept for the server's user: a Jupyter server belongs to one user
(JupyterHub starts one per user), and its identity provider names every
token-authenticated browser anew ("Anonymous ..."), so the records are per
server, in one JSON file (``c.HandoffSeen.path``; by default
``<data dir>/jupyterlab_handoff/seen.json``), written whole to a temporary
file then renamed over it. Bounded: a record is at most
``max_record_bytes``; beyond ``max_records`` the least recently written
go first. A second server of the same user sharing the file reads it again
when it changed on disk.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any

from traitlets import Bool, Int, Unicode
from traitlets.config import LoggingConfigurable

#: The file's format version.
VERSION = 1
#: Longest record id accepted.
MAX_ID_LENGTH = 2048


class SeenError(Exception):
    """A request the store refuses; ``status`` is the HTTP status to answer."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class HandoffSeen(LoggingConfigurable):
    """Where and how many "seen" records the server keeps."""

    enabled = Bool(
        True,
        config=True,
        help="""Keep what each browser saw of each notebook on the server
        (routes under /api/handoff/seen). False leaves it to JupyterLab's
        state database, where an open page can erase another browser's record.""",
    )
    path = Unicode(
        "",
        config=True,
        help="""The JSON file of the records. Empty: seen.json in a
        jupyterlab_handoff folder of the server's data directory.""",
    )
    max_record_bytes = Int(
        131072,
        config=True,
        help="Largest record accepted, in bytes of JSON (the extension writes a few KB).",
    )
    max_records = Int(
        40,
        config=True,
        help="""Records kept in all; the least recently written go first.
        The extension leaves this bound to the server (it keeps at most 6
        browsers per notebook itself), so that opening a notebook reads
        only that notebook's records.""",
    )


class SeenRecords:
    """The records of one server, in memory and in their file."""

    def __init__(self, path: Path, max_record_bytes: int, max_records: int, log: Any) -> None:
        self.path = path
        self.max_record_bytes = max_record_bytes
        self.max_records = max_records
        self._log = log
        #: id -> {"at": time written, "value": record}
        self._records: dict[str, dict[str, Any]] = {}
        self._stamp: tuple[int, int] | None = None
        self._load()

    def list(self, prefix: str = "") -> dict[str, list]:
        self._load()
        ids = sorted(i for i in self._records if i.startswith(prefix))
        return {"ids": ids, "values": [self._records[i]["value"] for i in ids]}

    def get(self, record_id: str) -> Any:
        self._load()
        check_id(record_id)
        entry = self._records.get(record_id)
        if entry is None:
            raise SeenError(HTTPStatus.NOT_FOUND, f"no record {record_id!r}")
        return entry["value"]

    def put(self, record_id: str, body: bytes) -> None:
        check_id(record_id)
        if len(body) > self.max_record_bytes:
            raise SeenError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"a record is at most {self.max_record_bytes} bytes; this one has {len(body)}",
            )
        try:
            value = json.loads(body)
        except ValueError as error:
            raise SeenError(HTTPStatus.BAD_REQUEST, f"the body is not JSON: {error}") from None
        if not isinstance(value, dict):
            raise SeenError(HTTPStatus.BAD_REQUEST, "a record must be a JSON object")
        self._load()
        self._records.pop(record_id, None)
        self._records[record_id] = {"at": time.time(), "value": value}
        excess = len(self._records) - self.max_records
        if excess > 0:
            oldest = sorted(self._records, key=lambda i: self._records[i]["at"])
            for drop in [i for i in oldest if i != record_id][:excess]:
                del self._records[drop]
        self._save()

    def delete(self, record_id: str) -> None:
        check_id(record_id)
        self._load()
        if self._records.pop(record_id, None) is not None:
            self._save()

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def _load(self) -> None:
        """Read the file, when it changed since we last read or wrote it."""
        stamp = self._file_stamp()
        if stamp == self._stamp:
            return
        self._stamp = stamp
        if stamp is None:
            self._records = {}
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            records = data["records"] if data.get("version") == VERSION else None
            if not isinstance(records, dict):
                raise ValueError("not a seen-records file of version %d" % VERSION)
            self._records = {
                i: entry
                for i, entry in records.items()
                if isinstance(entry, dict)
                and isinstance(entry.get("at"), (int, float))
                and isinstance(entry.get("value"), dict)
            }
        except (OSError, ValueError, KeyError, AttributeError) as error:
            aside = self.path.with_suffix(".unreadable.json")
            self._log.warning(
                "jupyterlab_handoff: could not read %s (%s); it is moved to %s "
                "and the records start empty",
                self.path,
                error,
                aside,
            )
            try:
                os.replace(self.path, aside)
            except OSError:
                pass
            self._records = {}
            self._stamp = self._file_stamp()

    def _save(self) -> None:
        """Write the whole file atomically: a temporary file, then a rename."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"version": VERSION, "records": self._records}, separators=(",", ":"))
        handle, temporary = tempfile.mkstemp(
            prefix=".seen-", suffix=".tmp", dir=str(self.path.parent)
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise
        self._stamp = self._file_stamp()


def check_id(record_id: str) -> None:
    if not record_id or len(record_id) > MAX_ID_LENGTH:
        raise SeenError(
            HTTPStatus.BAD_REQUEST, f"a record id has 1 to {MAX_ID_LENGTH} characters"
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in record_id):
        raise SeenError(HTTPStatus.BAD_REQUEST, "a record id has no control characters")


def default_path(serverapp: Any) -> Path:
    return Path(serverapp.data_dir) / "jupyterlab_handoff" / "seen.json"


def install(serverapp: Any) -> SeenRecords | None:
    """Add the routes (unless ``c.HandoffSeen.enabled`` is False)."""
    import tornado.web
    from jupyter_server.auth.decorator import authorized
    from jupyter_server.base.handlers import APIHandler
    from jupyter_server.utils import url_path_join

    config = HandoffSeen(parent=serverapp)
    if not config.enabled:
        serverapp.log.info("jupyterlab_handoff: seen records left to the state database")
        return None
    records = SeenRecords(
        Path(config.path) if config.path else default_path(serverapp),
        config.max_record_bytes,
        config.max_records,
        serverapp.log,
    )

    class SeenHandler(APIHandler):
        # The records say what was seen of notebooks: the same rights.
        auth_resource = "contents"

        def _answer(self, call: Any) -> Any:
            try:
                return call()
            except SeenError as error:
                raise tornado.web.HTTPError(error.status, error.message) from None
            except OSError as error:
                self.log.error("jupyterlab_handoff: could not write %s: %s", records.path, error)
                raise tornado.web.HTTPError(
                    HTTPStatus.INTERNAL_SERVER_ERROR, f"could not write the records: {error}"
                ) from None

    class SeenListHandler(SeenHandler):
        @tornado.web.authenticated
        @authorized
        def get(self) -> None:
            prefix = self.get_query_argument("prefix", "")
            self.finish(json.dumps(self._answer(lambda: records.list(prefix))))

    class SeenRecordHandler(SeenHandler):
        @tornado.web.authenticated
        @authorized
        def get(self, record_id: str) -> None:
            self.finish(json.dumps(self._answer(lambda: records.get(record_id))))

        @tornado.web.authenticated
        @authorized
        def put(self, record_id: str) -> None:
            self._answer(lambda: records.put(record_id, self.request.body))
            self.set_status(HTTPStatus.NO_CONTENT)
            self.finish()

        @tornado.web.authenticated
        @authorized
        def delete(self, record_id: str) -> None:
            self._answer(lambda: records.delete(record_id))
            self.set_status(HTTPStatus.NO_CONTENT)
            self.finish()

    base = serverapp.web_app.settings["base_url"]
    serverapp.web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, r"/api/handoff/seen"), SeenListHandler),
            (url_path_join(base, r"/api/handoff/seen/(?P<record_id>[^/]+)"), SeenRecordHandler),
        ],
    )
    serverapp.log.info("jupyterlab_handoff: seen records kept in %s", records.path)
    return records
