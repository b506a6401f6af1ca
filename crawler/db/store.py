"""Writing to the archive: explicit INSERT … ON CONFLICT upserts, one transaction per batch."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from crawler.db.models import Article, RawPage

_DIALECT_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


@dataclass(frozen=True)
class RawPageRecord:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime


@dataclass(frozen=True)
class BatchResult:
    new: int
    updated: int


def _insert(conn: Connection, table: Any) -> Any:
    try:
        return _DIALECT_INSERT[conn.dialect.name](table)
    except KeyError:
        raise NotImplementedError(f"no upsert for database dialect {conn.dialect.name!r}") from None


def upsert_raw_page(conn: Connection, page: RawPageRecord) -> int:
    """Store a fetched page once per distinct body; a refetch only moves last_fetched_at."""
    stmt = _insert(conn, RawPage).values(
        url=page.url,
        sha256=hashlib.sha256(page.body).hexdigest(),
        status=page.status,
        headers=page.headers,
        compression="zlib",
        body=zlib.compress(page.body, 6),
        first_fetched_at=page.fetched_at,
        last_fetched_at=page.fetched_at,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["url", "sha256"], set_={"last_fetched_at": stmt.excluded.last_fetched_at}
    ).returning(RawPage.id)
    return conn.execute(stmt).scalar_one()


def read_raw_body(page: RawPage) -> bytes:
    """The page's bytes as received."""
    if page.compression != "zlib":
        raise ValueError(f"raw page {page.id}: unknown compression {page.compression!r}")
    return zlib.decompress(page.body)


_KEEP_ON_UPDATE = {"id", "canonical_url", "first_seen_at"}


def upsert_articles(conn: Connection, rows: Sequence[dict[str, Any]]) -> BatchResult:
    """Insert or update articles keyed on canonical_url; a row without a key is an error."""
    if not rows:
        return BatchResult(0, 0)
    keys = [row.get("canonical_url") for row in rows]
    if any(not key for key in keys):
        raise ValueError("article without canonical_url: refusing to store it")
    existing = set(conn.scalars(select(Article.canonical_url).where(Article.canonical_url.in_(keys))))
    for row in rows:
        stmt = _insert(conn, Article).values(**row)
        stmt = stmt.on_conflict_do_update(
            index_elements=["canonical_url"],
            set_={name: stmt.excluded[name] for name in row if name not in _KEEP_ON_UPDATE},
        )
        conn.execute(stmt)
    new = len(set(keys) - existing)
    return BatchResult(new=new, updated=len(set(keys)) - new)


def write_batch(engine: Engine, batch: Sequence[tuple[RawPageRecord | None, dict[str, Any]]]) -> BatchResult:
    """One transaction: every raw page of the batch, then its articles pointing at them."""
    with engine.begin() as conn:
        rows = []
        for raw, row in batch:
            if raw is not None:
                row = {**row, "raw_page_id": upsert_raw_page(conn, raw)}
            rows.append(row)
        return upsert_articles(conn, rows)
