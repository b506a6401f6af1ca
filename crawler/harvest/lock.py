"""One harvest per database at a time: an advisory file lock the kernel drops if we die."""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url


class HarvestLocked(Exception):
    """Another harvest holds the lock of this database."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(f"another harvest (pid {holder or '?'}) is running on this database (lock {path})")
        self.path = path
        self.holder = holder


def lock_path(db_url: str) -> Path:
    """`<file>.harvest.lock` beside a SQLite file; a per-URL file in the temp folder otherwise."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        database = Path(url.database).resolve()
        return database.with_name(database.name + ".harvest.lock")
    digest = hashlib.sha1(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"xcgb-harvest-{digest}.lock"


@contextmanager
def harvest_lock(db_url: str) -> Iterator[Path]:
    """Hold the harvest lock of `db_url` for the block, or raise HarvestLocked at once."""
    path = lock_path(db_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            raise HarvestLocked(path, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
