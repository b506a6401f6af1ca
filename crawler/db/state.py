"""What an incremental harvest reads and keeps between runs: the URLs already stored, the recent
articles, list pages' validators (ETag, Last-Modified) and the crawl_runs records."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from crawler.db.models import Article, CrawlRun, PageValidator
from crawler.db.upsert import insert

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
            stmt = insert(conn, PageValidator).values(
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
        return conn.execute(insert(conn, CrawlRun).values(**fields).returning(CrawlRun.id)).scalar_one()


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
