"""The dialect's INSERT, whose ON CONFLICT clauses every upsert of the archive is written with."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite


def insert(conn: Connection | str, table: Any) -> sqlite.Insert | postgresql.Insert:
    """INSERT into `table` for the connection's database (SQLite or PostgreSQL): it has on_conflict_do_*.

    `conn` may be the dialect's name instead, for a statement built once and cached by dialect.
    """
    dialect = conn if isinstance(conn, str) else conn.dialect.name
    if dialect == "sqlite":
        return sqlite.insert(table)
    if dialect == "postgresql":
        return postgresql.insert(table)
    raise NotImplementedError(f"no upsert for database dialect {dialect!r}")
