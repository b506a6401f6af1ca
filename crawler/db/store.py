"""Reading and writing the archive: explicit INSERT … ON CONFLICT upserts, one transaction per batch.

What an upsert of articles keeps in step lives beside it: the search index (crawler.db.search) and
the mirror clusters (crawler.db.clusters). What an incremental harvest reads and records between
runs is crawler.db.state.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, Executable, bindparam, delete, select, update

from crawler.db.clusters import place_in_clusters
from crawler.db.models import (
    Article,
    ArticleRegion,
    ArticleRevision,
    ArticleUrl,
    RawPage,
    china_day,
)
from crawler.db.search import index_articles, unindex_articles
from crawler.db.upsert import insert
from crawler.urls import host_of


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
    return list(
        conn.execute(_upsert_raw_pages(conn.dialect.name), [_raw_page_row(p) for p in pages]).scalars()
    )


@cache
def _upsert_raw_pages(dialect: str) -> Executable:
    pages_insert = insert(dialect, RawPage)
    return pages_insert.on_conflict_do_update(
        index_elements=["url", "sha256"], set_={"last_fetched_at": pages_insert.excluded.last_fetched_at}
    ).returning(RawPage.id, sort_by_parameter_order=True)


def read_raw_body(page: RawPage) -> bytes:
    """The page's bytes as received."""
    if page.compression != "zlib":
        raise ValueError(f"raw page {page.id}: unknown compression {page.compression!r}")
    return zlib.decompress(page.body)


_KEEP_ON_UPDATE = {"id", "canonical_url", "first_seen_at", "revision", "cluster_id"}
# The statements of every batch, built once (with expanding IN parameters): building them again for
# each batch cost as much as running them.
_STORED = select(Article.canonical_url, Article.id, Article.content_sha256, Article.cluster_id).where(
    Article.canonical_url.in_(bindparam("keys", expanding=True))
)
_IDS = select(Article.canonical_url, Article.id).where(
    Article.canonical_url.in_(bindparam("keys", expanding=True))
)
_DROP_REGIONS = delete(ArticleRegion).where(ArticleRegion.article_id.in_(bindparam("ids", expanding=True)))
_REVISION_FIELDS = (
    "title", "subtitle", "published_at", "source", "author", "editor", "body", "content_sha256",
    "raw_page_id", "fetched_at",
)  # fmt: skip


def upsert_articles(conn: Connection, rows: Sequence[dict[str, Any]]) -> BatchResult:
    """Insert or update articles keyed on canonical_url; a row without a key is an error.

    A stored article whose cleaned text changed keeps its old version in article_revisions
    (and its revision number goes up); one whose text is the same only has its fields refreshed.
    In the same transaction: every URL is recorded as a sighting, and new or changed texts are
    (re)indexed for search, fingerprinted and put in their mirror cluster, and the regions
    written as article_regions rows. published_day follows published_at (China day).
    """
    if not rows:
        return BatchResult(0, 0)
    keys = [row.get("canonical_url") for row in rows]
    if any(not key for key in keys):
        raise ValueError("article without canonical_url: refusing to store it")
    sightings = [(row["url"], row["canonical_url"]) for row in rows]  # repeats of a key included
    rows = list({row["canonical_url"]: row for row in rows}.values())  # the last of a repeated key wins
    existing = {
        key: (article_id, sha, cluster)
        for key, article_id, sha, cluster in conn.execute(_STORED, {"keys": keys})
    }
    new = updated = unchanged = 0
    now = datetime.now(UTC)
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    changed: list[dict[str, Any]] = []  # new or with a new text: to index, fingerprint, cluster
    old_texts: list[tuple[int, str, str | None, str]] = []
    for row in rows:
        row = {**row}
        row.setdefault("content_sha256", content_sha256(row["title"], row.get("subtitle"), row["body"]))
        if "published_at" in row:
            row["published_day"] = china_day(row["published_at"])
        stored = existing.get(row["canonical_url"])
        if stored is None:
            new += 1
            changed.append(row)
        elif stored[1] == row["content_sha256"]:
            unchanged += 1
        else:
            updated += 1
            old_texts.append(_keep_revision(conn, stored[0], now))
            changed.append(row)
        by_columns.setdefault(tuple(sorted(row)), []).append(row)
    for columns, same_shape in by_columns.items():  # one executemany per set of columns (usually one)
        conn.execute(_upsert_articles(conn.dialect.name, columns), same_shape)
    ids = dict(conn.execute(_IDS, {"keys": keys}).all())
    if changed:  # first: the rows it updates were just written, their pages are still in the cache
        before = {existing[r["canonical_url"]][0]: existing[r["canonical_url"]][2]
                  for r in changed if r["canonical_url"] in existing}  # fmt: skip
        place_in_clusters(conn, [(ids[r["canonical_url"]], r) for r in changed], before)
    _record_sightings(conn, rows, sightings, ids)
    _record_regions(conn, [(ids[row["canonical_url"]], row["regions"]) for row in rows if "regions" in row])
    if changed:
        unindex_articles(conn, old_texts)
        index_articles(
            conn, [(ids[r["canonical_url"]], r["title"], r.get("subtitle"), r["body"]) for r in changed]
        )
    return BatchResult(new=new, updated=updated, unchanged=unchanged)


@cache
def _upsert_articles(dialect: str, columns: tuple[str, ...]) -> Executable:
    """The articles upsert of rows with these columns (every column not kept is refreshed)."""
    stmt = insert(dialect, Article)
    return stmt.on_conflict_do_update(
        index_elements=["canonical_url"],
        set_={name: stmt.excluded[name] for name in columns if name not in _KEEP_ON_UPDATE},
    )


def _keep_revision(conn: Connection, article_id: int, now: datetime) -> tuple[int, str, str | None, str]:
    """Copy the stored version of an article into article_revisions and bump its revision.

    Returns the old (id, title, subtitle, body): what the search index holds for it.
    """
    columns = [getattr(Article, name) for name in _REVISION_FIELDS]
    old = conn.execute(select(Article.id, Article.revision, *columns).where(Article.id == article_id)).one()
    values = dict(zip(("article_id", "revision", *_REVISION_FIELDS), old, strict=True))
    conn.execute(insert(conn, ArticleRevision).values(**values, superseded_at=now))
    conn.execute(update(Article).where(Article.id == article_id).values(revision=Article.revision + 1))
    return article_id, values["title"], values["subtitle"], values["body"]


def _record_sightings(
    conn: Connection,
    rows: Sequence[dict[str, Any]],
    sightings: Sequence[tuple[str, str]],
    ids: Mapping[str, int],
) -> None:
    """Every (url, canonical_url) of the batch in article_urls: first seen once, last seen each time."""
    seen: dict[str, dict[str, Any]] = {}
    by_key = {row["canonical_url"]: row for row in rows}
    for url, key in sightings:
        row = by_key[key]
        when = row.get("fetched_at") or datetime.now(UTC)
        seen[url] = {"url": url, "article_id": ids[row["canonical_url"]], "host": host_of(url),
                     "first_seen_at": when, "last_seen_at": when}  # fmt: skip
    conn.execute(_upsert_sightings(conn.dialect.name), list(seen.values()))


@cache
def _upsert_sightings(dialect: str) -> Executable:
    stmt = insert(dialect, ArticleUrl)
    return stmt.on_conflict_do_update(
        index_elements=["url"],
        set_={"last_seen_at": stmt.excluded.last_seen_at, "article_id": stmt.excluded.article_id},
    )


def _record_regions(conn: Connection, regions: Sequence[tuple[int, Sequence[Mapping[str, str]]]]) -> None:
    """article_regions holds exactly each article's regions (its `regions` JSON as rows)."""
    if not regions:
        return
    conn.execute(_DROP_REGIONS, {"ids": [i for i, _ in regions]})
    rows = {
        (article_id, region["code"]): {"article_id": article_id, "code": region["code"],
                                       "name": region["name"], "level": region.get("level") or ""}
        for article_id, found in regions for region in found or ()
    }  # fmt: skip
    if rows:
        conn.execute(insert(conn, ArticleRegion), list(rows.values()))


# --- batches (what the storage stage calls) -------------------------------------------------


def write_batch(engine: Engine, batch: Sequence[tuple[RawPageRecord | None, dict[str, Any]]]) -> BatchResult:
    """One transaction: every raw page of the batch, then its articles pointing at them."""
    with engine.begin() as conn:
        raw_ids = iter(upsert_raw_pages(conn, [raw for raw, _ in batch if raw is not None]))
        rows = [row if raw is None else {**row, "raw_page_id": next(raw_ids)} for raw, row in batch]
        return upsert_articles(conn, rows)
