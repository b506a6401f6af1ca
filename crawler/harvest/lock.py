"""One harvest per database at a time, whatever the URL's spelling and whichever host runs it.

The lock is keyed on the database's identity, not on its URL:

- SQLite: an advisory file lock (flock) on `<real path>.harvest.lock`, the real path being the
  database file's with every symlink and `..` resolved, so `sqlite:///data/a.sqlite3`,
  `sqlite:////abs/data/a.sqlite3`, a symlink to it and the `file:…?mode=ro&uri=true` form
  take one lock. The kernel drops it when the holder dies.
- PostgreSQL: a session-level advisory lock taken in the database itself, keyed on the schema
  the archive lives in (advisory locks are per database already), on a connection held for the
  whole harvest: every host that reaches the database sees it, and the server drops it when
  the holder's connection ends.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from crawler.db.engine import sqlite_path

PG_LOCK_NAMESPACE = "xcgb-harvest"  # hashed with the schema name into the advisory lock's key


class HarvestLocked(Exception):
    """Another harvest holds the lock of this database."""

    def __init__(self, where: str, holder: str) -> None:
        super().__init__(
            f"another harvest ({holder or 'holder unknown'}) is running on this database ({where})"
        )
        self.where = where
        self.holder = holder


def lock_path(db_url: str) -> Path | None:
    """`<real path of the file>.harvest.lock` for a SQLite file; None for a server database."""
    path = sqlite_path(db_url)
    if path is None:
        return None
    database = Path(os.path.realpath(path))
    return database.with_name(database.name + ".harvest.lock")


@contextmanager
def harvest_lock(db_url: str) -> Iterator[str]:
    """Hold the harvest lock of `db_url` for the block (yields where it is), or raise HarvestLocked."""
    path = lock_path(db_url)
    if path is not None:
        with _file_lock(path):
            yield str(path)
    elif make_url(db_url).get_backend_name() == "postgresql":
        with _advisory_lock(db_url) as where:
            yield where
    else:  # in-memory SQLite or another server: nothing else can share it through this program
        yield "(no lock)"


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            raise HarvestLocked(f"lock {path}", f"pid {holder}" if holder else "") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def advisory_key(schema: str) -> int:
    """The signed 64-bit key of the harvest lock of the archive in `schema`."""
    digest = hashlib.sha256(f"{PG_LOCK_NAMESPACE}:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def _advisory_lock(db_url: str) -> Iterator[str]:
    engine = create_engine(db_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            database, schema = conn.execute(text("SELECT current_database(), current_schema()")).one()
            key = advisory_key(schema or "")
            where = f"advisory lock {key} in database {database}, schema {schema}"
            if not conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}):
                raise HarvestLocked(where, _advisory_holder(conn, key))
            conn.commit()  # the lock is the session's: it outlives this transaction
            try:
                yield where
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                conn.commit()
    finally:
        engine.dispose()


def _advisory_holder(conn: Connection, key: int) -> str:
    """Who holds the lock: the server's backend pid, client address and application."""
    row = conn.execute(
        text(
            "SELECT a.pid, a.client_addr, a.application_name FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND l.classid::bigint = :high AND l.objid::bigint = :low AND l.objsubid = 1"
        ),
        {"high": (key >> 32) & 0xFFFFFFFF, "low": key & 0xFFFFFFFF},
    ).first()
    if row is None:
        return ""
    pid, address, application = row
    return f"PostgreSQL backend pid {pid} from {address or 'a local socket'}" + (
        f", {application}" if application else ""
    )
