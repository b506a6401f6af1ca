"""Engine factory: one place for dialect settings (SQLite WAL, busy timeout), and database faults.

`write_retrying` runs a write (a storage batch) and turns the database's failures into words:
a database locked by another writer is waited for (the busy timeout), then the whole batch is
retried after a pause, LOCKED_RETRIES times; a full disk, a read-only database or one that
cannot be opened raise ArchiveUnavailable, whose message says what happened.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from crawler.db.schema import NewerSchema, OutdatedSchema, prepare

__all__ = ["ArchiveUnavailable", "NewerSchema", "OutdatedSchema", "make_engine", "write_retrying"]

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


def write_retrying(engine: Engine, write: Callable[[], T], what: str) -> T:
    """Run `write` (one transaction); retry it while the database is locked; explain other faults."""
    where = engine.url.render_as_string(hide_password=True)
    for attempt in range(LOCKED_RETRIES + 1):
        try:
            return write()
        except OperationalError as error:
            found = database_fault(error)
            if found is None:
                raise
            fault, description = found
            if fault == "locked" and attempt < LOCKED_RETRIES:
                pause = LOCKED_PAUSE * 2**attempt
                logger.warning("The archive %s is %s (waited %.0f s); retrying %s in %.0f s (retry %d of %d)",
                               where, description, SQLITE_BUSY_TIMEOUT_MS / 1000, what, pause, attempt + 1,
                               LOCKED_RETRIES)  # fmt: skip
                time.sleep(pause)  # storage is synchronous: the crawl waits with it
                continue
            raise ArchiveUnavailable(fault, f"the archive {where} is {description}") from error
    raise AssertionError("unreachable")


def make_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout.

    With `create`, the schema is made ready (crawler.db.schema.prepare): a fresh database is
    created and stamped at head; an older or newer one is refused with OutdatedSchema or
    NewerSchema, whose message says what to do.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        # A `file:` URI (…?mode=ro&uri=true) names the file after the scheme.
        Path(parsed.database.removeprefix("file:")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if create:
        ready = False
        try:
            with engine.begin() as conn:
                prepare(conn)
            ready = True
        finally:
            if not ready:  # refused: close the connection now, not when the engine is collected
                engine.dispose()
    return engine


class LazyEngine:
    """The archive's engine, made on first use (a component may never need it) and disposed once."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None

    def __call__(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url)
        return self._engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_MS)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
