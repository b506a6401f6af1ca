"""Engine factory: one place for dialect settings (SQLite WAL, busy timeout), and database faults.

`write_retrying` runs a write (a storage batch) and turns the database's failures into words:
a database locked by another writer is waited for (the busy timeout), then the whole batch is
retried after a pause, LOCKED_RETRIES times; a full disk, a read-only database or one that
cannot be opened raise ArchiveUnavailable, whose message says what happened. It waits: during a
crawl it runs on the archive's writer thread (crawler.archive), never on the reactor.

`make_engine(url, readonly=True)` is how every reading command opens the archive: a SQLite
file is opened with SQLite's own read-only mode (`mode=ro`), so a read-only file, a
read-only directory, a mounted snapshot and the URI form
`sqlite:///file:archive.sqlite3?mode=ro&uri=true` all work and nothing can be written. A WAL
database in a directory nobody may write to cannot get its `-shm` file: it is then opened
`immutable=1` (no other process can be writing it there). `archive_writable` tells a writing
command up front that it cannot write, and `check_readable` says which schema revision an
archive is at when this program does not know it.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit

from alembic.util import CommandError
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from crawler.db import schema
from crawler.db.schema import NewerSchema, OutdatedSchema, prepare

__all__ = [
    "ArchiveUnavailable", "NewerSchema", "OutdatedSchema", "archive_writable", "check_readable",
    "make_engine", "sqlite_path", "write_retrying",
]  # fmt: skip
_READONLY_MODES = {"ro"}  # SQLite URI parameters that make a connection read-only …
_READONLY_FLAGS = ("immutable",)  # … or promise nobody writes the file

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000  # how long one statement waits for another writer's lock
LOCKED_RETRIES = 3  # then the batch is retried this many times …
LOCKED_PAUSE = 2.0  # … after pauses of 2, 4, 8 s
T = TypeVar("T")

# The messages (OperationalError) of the faults a long-running harvest meets: SQLite's, then PostgreSQL's.
_FAULTS = (
    ("database is locked", "locked", "locked by another writer"),
    ("database table is locked", "locked", "locked by another writer"),
    ("database or disk is full", "full", "full: the disk (or the database's size limit) has no room left"),
    ("readonly database", "read-only", "read-only: it cannot be written"),
    ("unable to open database file", "unopenable", "not openable (missing folder, permissions)"),
    ("disk i/o error", "io", "failing: a disk I/O error"),
    # PostgreSQL: concurrent writers that locked rows in opposite orders; the loser retries.
    ("deadlock detected", "locked", "locked by another writer (deadlock)"),
    ("could not serialize access", "locked", "locked by another writer (serialization)"),
    ("no space left on device", "full", "full: the server's disk has no room left"),
    ("read-only transaction", "read-only", "read-only: it cannot be written"),
)


class ArchiveUnavailable(RuntimeError):
    """The archive cannot be written; `fault` is locked, full, read-only, unopenable or io."""

    def __init__(self, fault: str, message: str) -> None:
        super().__init__(message)
        self.fault = fault


def database_fault(error: OperationalError) -> tuple[str, str] | None:
    """(fault, description) of a database failure that is not a bug: locked, full, read-only …"""
    text = str(error.orig or error).lower()
    for needle, fault, description in _FAULTS:
        if needle in text:
            return fault, description
    return None


def write_retrying(
    engine: Engine,
    write: Callable[[], T],
    what: str,
    *,
    retries: int | None = None,
    pause: float | None = None,
    busy_timeout: float | None = None,
    sleep: Callable[[float], object] = time.sleep,
) -> T:
    """Run `write` (one transaction); retry it while the database is locked; explain other faults.

    `retries` pauses of `pause`, doubling (LOCKED_RETRIES, LOCKED_PAUSE unless given); `busy_timeout`
    (seconds) is only quoted in the warnings; `sleep` waits (the archive's can be cut short at close).
    """
    retries = LOCKED_RETRIES if retries is None else retries
    pause = LOCKED_PAUSE if pause is None else pause
    waited = SQLITE_BUSY_TIMEOUT_MS / 1000 if busy_timeout is None else busy_timeout
    where = engine.url.render_as_string(hide_password=True)
    for attempt in range(retries + 1):
        try:
            return write()
        except OperationalError as error:
            found = database_fault(error)
            if found is None:
                raise
            fault, description = found
            if fault == "locked" and attempt < retries:
                wait = pause * 2**attempt
                logger.warning("The archive %s is %s (waited %.1f s); retrying %s in %.1f s (retry %d of %d)",
                               where, description, waited, what, wait, attempt + 1, retries)  # fmt: skip
                sleep(wait)
                continue
            raise ArchiveUnavailable(fault, f"the archive {where} is {description}") from error
    raise AssertionError("unreachable")


def sqlite_path(url: str) -> str | None:
    """The file a SQLite URL names (the `file:` URI form too); None for memory or a server."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    database = parsed.database
    if database.startswith("file:"):
        if parsed.query.get("mode") == "memory" or database.startswith("file::memory:"):
            return None
        return unquote(urlsplit(database).path) or None
    return database


def _sqlite_readonly_url(url: str) -> bool:
    query = make_url(url).query
    flagged = any(query.get(flag) in ("1", "true") for flag in _READONLY_FLAGS)
    return query.get("mode") in _READONLY_MODES or flagged


def archive_writable(url: str) -> str | None:
    """Why this program cannot write the archive at `url` (a sentence), or None when it can try."""
    path = sqlite_path(url)
    if path is None:
        return None
    if _sqlite_readonly_url(url):
        return "it is opened read-only (mode=ro or immutable in the URL)"
    if os.path.exists(path) and not os.access(path, os.W_OK):
        return "the file is read-only"
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(folder) and not os.access(folder, os.W_OK | os.X_OK):
        return "its folder is read-only (SQLite writes its journal beside the file)"
    return None


def make_engine(url: str, *, create: bool = True, readonly: bool = False) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout.

    With `create`, the schema is made ready (crawler.db.schema.prepare): a fresh database is
    created and stamped at head; an older or newer one is refused with OutdatedSchema or
    NewerSchema, whose message says what to do. With `readonly`, nothing is ever written (an
    SQLite file is opened in SQLite's read-only mode, PostgreSQL sessions are read-only);
    `create` then only checks that the schema is one this version can read (check_readable).
    """
    path = sqlite_path(url)
    if readonly and path is not None:
        # the URL names the file (messages show it); the creator opens it read-only
        engine = create_engine(f"sqlite:///{path}", creator=lambda: _sqlite_readonly(path))
    else:
        if path is not None and not _sqlite_readonly_url(url):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        writable = not readonly and not _sqlite_readonly_url(url)
        event.listen(engine, "connect", _sqlite_pragmas if writable else _sqlite_reading_pragmas)
    elif readonly and engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgresql_readonly)
    if create:
        ready = False
        try:
            with engine.begin() as conn:
                check_readable(conn)
                if not readonly:
                    prepare(conn)
                elif not inspect(conn).has_table("articles"):
                    raise ArchiveUnavailable(
                        "unopenable",
                        f"{schema.where(conn)} holds no archive (no articles table): harvest first",
                    )
            ready = True
        finally:
            if not ready:  # refused: close the connection now, not when the engine is collected
                engine.dispose()
    return engine


def check_readable(conn: Connection) -> None:
    """Refuse an archive whose schema revision this version does not know: say found, known, what to do."""
    found = schema.current(conn)
    if found is None or _known_revision(found):
        return
    raise NewerSchema(
        f"{schema.where(conn)} is at schema revision {found}, which this version does not know "
        f"(it knows revisions up to {schema.head()}): it was made by a newer version of the harvester; "
        "upgrade the harvester to read or write it (nothing was written)"
    )


def _known_revision(revision: str) -> bool:
    try:
        return schema.scripts().get_revision(revision) is not None
    except CommandError:
        return False


def _sqlite_readonly(path: str) -> sqlite3.Connection:
    """A read-only connection; `immutable=1` for a WAL file whose -shm cannot be made or opened."""
    base = f"file:{quote(os.path.abspath(path))}?mode=ro"
    if not os.path.isfile(path):
        raise ArchiveUnavailable("unopenable", f"no archive at {path}")
    if _needs_immutable(path):
        base += "&immutable=1"
    return sqlite3.connect(base, uri=True, check_same_thread=False)


def _needs_immutable(path: str) -> bool:
    """A WAL database (header bytes 18-19 = 2) whose -shm file cannot be opened or made for reading."""
    with open(path, "rb") as handle:
        header = handle.read(20)
    if len(header) < 20 or header[18:20] != b"\x02\x02":
        return False
    shm = path + "-shm"
    if os.path.exists(shm):
        return not os.access(shm, os.R_OK | os.W_OK)
    return not os.access(os.path.dirname(os.path.abspath(path)), os.W_OK | os.X_OK)


def _sqlite_reading_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_MS)}")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _postgresql_readonly(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    cursor.close()
    dbapi_connection.commit()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_MS)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
