"""Reading and writing the archive: explicit INSERT … ON CONFLICT upserts, one transaction per batch."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from crawler.db.models import Article, ArticleRevision, CrawlRun, PageValidator, RawPage

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
    updated: int  # stored before, cleaned text changed: the old version went to article_revisions
    unchanged: int = 0  # stored before, same cleaned text


def content_sha256(title: str, subtitle: str | None, body: str) -> str:
    """The fingerprint that decides whether a re-fetched article changed: its cleaned text only."""
    text = "\x1f".join((title, subtitle or "", body))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _insert(conn: Connection, table: Any) -> Any:
    try:
        return _DIALECT_INSERT[conn.dialect.name](table)
    except KeyError:
        raise NotImplementedError(f"no upsert for database dialect {conn.dialect.name!r}") from None


def _raw_page_row(page: RawPageRecord) -> dict[str, Any]:
    return {
        "url": page.url,
        "sha256": hashlib.sha256(page.body).hexdigest(),
        "status": page.status,
        "headers": page.headers,
        "compression": "zlib",
        "body": zlib.compress(page.body, 6),
        "first_fetched_at": page.fetched_at,
        "last_fetched_at": page.fetched_at,
    }


def upsert_raw_pages(conn: Connection, pages: Sequence[RawPageRecord]) -> list[int]:
    """Store fetched pages once per distinct body (a refetch only moves last_fetched_at); their ids.

    One executemany for the whole batch: the statement is built and compiled once.
    """
    if not pages:
        return []
    stmt = _insert(conn, RawPage)
    stmt = stmt.on_conflict_do_update(
        index_elements=["url", "sha256"], set_={"last_fetched_at": stmt.excluded.last_fetched_at}
    ).returning(RawPage.id, sort_by_parameter_order=True)
    return list(conn.execute(stmt, [_raw_page_row(page) for page in pages]).scalars())


def read_raw_body(page: RawPage) -> bytes:
    """The page's bytes as received."""
    if page.compression != "zlib":
        raise ValueError(f"raw page {page.id}: unknown compression {page.compression!r}")
    return zlib.decompress(page.body)


_KEEP_ON_UPDATE = {"id", "canonical_url", "first_seen_at", "revision"}
_REVISION_FIELDS = (
    "title", "subtitle", "published_at", "source", "author", "editor", "body", "content_sha256",
    "raw_page_id", "fetched_at",
)  # fmt: skip


def upsert_articles(conn: Connection, rows: Sequence[dict[str, Any]]) -> BatchResult:
    """Insert or update articles keyed on canonical_url; a row without a key is an error.

    A stored article whose cleaned text changed keeps its old version in article_revisions
    (and its revision number goes up); one whose text is the same only has its fields refreshed.
    """
    if not rows:
        return BatchResult(0, 0)
    keys = [row.get("canonical_url") for row in rows]
    if any(not key for key in keys):
        raise ValueError("article without canonical_url: refusing to store it")
    rows = list({row["canonical_url"]: row for row in rows}.values())  # the last of a repeated key wins
    existing = {
        key: (article_id, sha)
        for key, article_id, sha in conn.execute(
            select(Article.canonical_url, Article.id, Article.content_sha256).where(
                Article.canonical_url.in_(keys)
            )
        )
    }
    new = updated = unchanged = 0
    now = datetime.now(UTC)
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        row = {**row}
        row.setdefault("content_sha256", content_sha256(row["title"], row.get("subtitle"), row["body"]))
        stored = existing.get(row["canonical_url"])
        if stored is None:
            new += 1
        elif stored[1] == row["content_sha256"]:
            unchanged += 1
        else:
            updated += 1
            _keep_revision(conn, stored[0], now)
        by_columns.setdefault(tuple(sorted(row)), []).append(row)
    for columns, same_shape in by_columns.items():  # one executemany per set of columns (usually one)
        stmt = _insert(conn, Article)
        stmt = stmt.on_conflict_do_update(
            index_elements=["canonical_url"],
            set_={name: stmt.excluded[name] for name in columns if name not in _KEEP_ON_UPDATE},
        )
        conn.execute(stmt, same_shape)
    return BatchResult(new=new, updated=updated, unchanged=unchanged)


def _keep_revision(conn: Connection, article_id: int, now: datetime) -> None:
    """Copy the stored version of an article into article_revisions and bump its revision."""
    columns = [getattr(Article, name) for name in _REVISION_FIELDS]
    old = conn.execute(select(Article.id, Article.revision, *columns).where(Article.id == article_id)).one()
    values = dict(zip(("article_id", "revision", *_REVISION_FIELDS), old, strict=True))
    conn.execute(_insert(conn, ArticleRevision).values(**values, superseded_at=now))
    conn.execute(update(Article).where(Article.id == article_id).values(revision=Article.revision + 1))


def write_batch(engine: Engine, batch: Sequence[tuple[RawPageRecord | None, dict[str, Any]]]) -> BatchResult:
    """One transaction: every raw page of the batch, then its articles pointing at them."""
    with engine.begin() as conn:
        raw_ids = iter(upsert_raw_pages(conn, [raw for raw, _ in batch if raw is not None]))
        rows = [row if raw is None else {**row, "raw_page_id": next(raw_ids)} for raw, row in batch]
        return upsert_articles(conn, rows)


# --- incremental harvesting -------------------------------------------------------------


def known_urls(conn: Connection, urls: Iterable[str]) -> set[str]:
    """Those of `urls` (canonical) already stored: one indexed lookup, whatever the archive's size."""
    wanted = list(dict.fromkeys(urls))
    if not wanted:
        return set()
    return set(conn.scalars(select(Article.canonical_url).where(Article.canonical_url.in_(wanted))))


def recent_articles(conn: Connection, spider: str, since: datetime) -> Iterator[Any]:
    """(url, published_at, edition) of a spider's articles published (or first seen) since `since`."""
    when = func.coalesce(Article.published_at, Article.first_seen_at)
    stmt = (
        select(Article.url, Article.published_at, Article.edition)
        .where(Article.spider == spider, when >= since)
        .order_by(when.desc())
    )
    yield from conn.execute(stmt.execution_options(yield_per=500))


def page_validator(conn: Connection, url: str) -> tuple[str | None, str | None] | None:
    """(ETag, Last-Modified) saved for a list page, or None."""
    row = conn.execute(
        select(PageValidator.etag, PageValidator.last_modified).where(PageValidator.url == url)
    ).one_or_none()
    return None if row is None else (row.etag, row.last_modified)


def save_validators(engine: Engine, validators: Mapping[str, tuple[str | None, str | None]]) -> None:
    """Upsert list-page validators in one transaction."""
    if not validators:
        return
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for url, (etag, last_modified) in validators.items():
            stmt = _insert(conn, PageValidator).values(
                url=url, etag=etag, last_modified=last_modified, saved_at=now
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=["url"],
                set_={"etag": etag, "last_modified": last_modified, "saved_at": now},
            )
            conn.execute(stmt)


# --- run records --------------------------------------------------------------------------


def start_run(engine: Engine, **fields: Any) -> int:
    """Insert the crawl_runs row of a run that is starting; return its id."""
    with engine.begin() as conn:
        return conn.execute(_insert(conn, CrawlRun).values(**fields).returning(CrawlRun.id)).scalar_one()


def update_run(engine: Engine, run_id: int, **fields: Any) -> None:
    with engine.begin() as conn:
        conn.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(**fields))


def last_run(conn: Connection, spider: str, *, exclude: int | None = None, clean: bool = False) -> Any:
    """The latest crawl_runs row of a spider (the latest clean one with clean=True), or None."""
    stmt = select(CrawlRun).where(CrawlRun.spider == spider)
    if exclude is not None:
        stmt = stmt.where(CrawlRun.id != exclude)
    if clean:
        stmt = stmt.where(CrawlRun.clean.is_(True))
    return conn.execute(stmt.order_by(CrawlRun.id.desc()).limit(1)).one_or_none()
