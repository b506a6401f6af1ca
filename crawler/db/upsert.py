"""The dialect's INSERT, whose ON CONFLICT clauses every upsert of the archive is written with."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite


def insert(conn: Connection, table: Any) -> sqlite.Insert | postgresql.Insert:
    """INSERT into `table` for the connection's database (SQLite or PostgreSQL): it has on_conflict_do_*."""
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    raise NotImplementedError(f"no upsert for database dialect {conn.dialect.name!r}")
