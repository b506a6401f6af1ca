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

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from crawler.db.models import Base

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000  # how long one statement waits for another writer's lock
LOCKED_RETRIES = 3  # then the batch is retried this many times …
LOCKED_PAUSE = 2.0  # … after pauses of 2, 4, 8 s
T = TypeVar("T")

# SQLite's messages (OperationalError) for the faults a long-running harvest meets.
_FAULTS = (
    ("database is locked", "locked", "locked by another writer"),
    ("database table is locked", "locked", "locked by another writer"),
    ("database or disk is full", "full", "full: the disk (or the database's size limit) has no room left"),
    ("readonly database", "read-only", "read-only: it cannot be written"),
    ("unable to open database file", "unopenable", "not openable (missing folder, permissions)"),
    ("disk i/o error", "io", "failing: a disk I/O error"),
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
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout; tables are created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        # A `file:` URI (…?mode=ro&uri=true) names the file after the scheme.
        Path(parsed.database.removeprefix("file:")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if create:
        Base.metadata.create_all(engine)
        _check_columns(engine)
    return engine


class OutdatedSchema(RuntimeError):
    """The database was created by an older version of the models (no migrations yet)."""


class NewerSchema(RuntimeError):
    """The database was created by a newer version of the models: this one refuses to write it."""


def _check_columns(engine: Engine) -> None:
    """create_all adds missing tables, never missing columns: say so plainly instead of failing later.

    Columns this version does not know mean a newer version made the database: refused too,
    before a write could fail half-way on them (NOT NULL) or leave them inconsistent.
    """
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        have = {column["name"] for column in inspector.get_columns(table.name)}
        unknown = sorted(have - set(table.columns.keys()))
        if unknown:
            raise NewerSchema(
                f"{engine.url.render_as_string(hide_password=True)}: table {table.name} has columns "
                f"{', '.join(unknown)} this version does not know; it was made by a newer version "
                "(upgrade the harvester, or use another database)"
            )
        missing = sorted(set(table.columns.keys()) - have)
        if missing:
            raise OutdatedSchema(
                f"{engine.url.render_as_string(hide_password=True)}: table {table.name} lacks "
                f"{', '.join(missing)}; it was created by an older version (remove it or migrate it)"
            )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_MS)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
