"""Engine factory: one place for dialect settings (SQLite WAL, busy timeout)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url

from crawler.db.models import Base

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout; tables are created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if create:
        Base.metadata.create_all(engine)
        _check_columns(engine)
    return engine


class OutdatedSchema(RuntimeError):
    """The database was created by an older version of the models (no migrations yet)."""


def _check_columns(engine: Engine) -> None:
    """create_all adds missing tables, never missing columns: say so plainly instead of failing later."""
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        have = {column["name"] for column in inspector.get_columns(table.name)}
        missing = sorted(set(table.columns.keys()) - have)
        if missing:
            raise OutdatedSchema(
                f"{engine.url.render_as_string(hide_password=True)}: table {table.name} lacks "
                f"{', '.join(missing)}; it was created by an older version (remove it or migrate it)"
            )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
