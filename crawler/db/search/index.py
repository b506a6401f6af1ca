"""Keeping the search index in step with the articles, on either database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, event, select

from crawler.db.models import Article, Base
from crawler.db.search import postgresql, sqlite
from crawler.db.search.backend import Backend, IndexRow

BACKENDS: dict[str, Backend] = {"sqlite": sqlite, "postgresql": postgresql}  # by SQLAlchemy dialect name


def backend(conn: Connection) -> Backend:
    """The full-text search of the connection's database."""
    try:
        return BACKENDS[conn.dialect.name]
    except KeyError:
        raise ValueError(f"no full-text search on {conn.dialect.name}") from None


@event.listens_for(Base.metadata, "after_create")
def _create_search_table(target: Any, connection: Connection, **kw: Any) -> None:
    """Create the search index beside the tables: FTS5 on SQLite, a tsvector table on PostgreSQL."""
    if connection.dialect.name in BACKENDS:
        BACKENDS[connection.dialect.name].create(connection)


def index_articles(conn: Connection, rows: Sequence[IndexRow]) -> None:
    """Add (id, title, subtitle, body) rows to the index: one executemany."""
    if rows:
        backend(conn).index(conn, rows)


def unindex_articles(conn: Connection, rows: Sequence[IndexRow]) -> None:
    """Take (id, title, subtitle, body) rows, as they were indexed, out of the index."""
    if rows:
        backend(conn).unindex(conn, rows)


def rebuild_index(conn: Connection) -> int:
    """Index every article afresh (after a change of the tokens); the number indexed."""
    backend(conn).clear(conn)
    done = 0
    stmt = select(Article.id, Article.title, Article.subtitle, Article.body).execution_options(yield_per=2000)
    for part in conn.execute(stmt).partitions():
        index_articles(conn, [(row[0], row[1], row[2], row[3]) for row in part])
        done += len(part)
    return done
