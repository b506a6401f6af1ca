"""SQLAlchemy 2.x models of the archive. Timestamps are stored in UTC; docs/schema.md tells every column."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as naive UTC (SQLite keeps no zone); read back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the archive stores aware datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class ReadableJSON(TypeDecorator[Any]):
    """JSON stored as UTF-8 text a person can read: `["贵州省"]`, not `["\\u8d35…"]`.

    SQLAlchemy's JSON type serialises with json.dumps' default (ensure_ascii=True); so plain
    SQL (`regions LIKE '%贵州%'`) and Datasette could not read Chinese in it.
    """

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Any) -> Callable[[Any], str | None]:
        return dumps


def dumps(value: Any) -> str | None:
    """A value as the archive's JSON text: UTF-8 as is, no spaces after separators."""
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


CHINA = timezone(timedelta(hours=8))


def china_day(when: datetime | None) -> str | None:
    """`YYYY-MM-DD` of an aware datetime in China time (the articles.published_day column)."""
    return None if when is None else when.astimezone(CHINA).date().isoformat()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RawPage(Base):
    """A page exactly as fetched (compressed), one row per distinct body of a URL."""

    __tablename__ = "raw_pages"
    __table_args__ = (Index("uq_raw_pages_url_sha256", "url", "sha256", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))  # of the uncompressed body
    status: Mapped[int]
    headers: Mapped[dict[str, str]] = mapped_column(ReadableJSON)
    compression: Mapped[str] = mapped_column(String(16))  # "zlib"
    body: Mapped[bytes] = mapped_column(LargeBinary)
    first_fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Article(Base):
    """One article, keyed by its canonical URL."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    canonical_url: Mapped[str] = mapped_column(Text, unique=True)
    url: Mapped[str] = mapped_column(Text)
    site: Mapped[str] = mapped_column(String(255), index=True)
    spider: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(Text)
    subtitle: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # UTC
    # The day of publication in China (UTC+8), `YYYY-MM-DD`: GROUP BY it (or substr(…, 1, 7)) for China days.
    published_day: Mapped[str | None] = mapped_column(String(10), index=True)
    source: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    editor: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)  # paragraphs joined by "\n"
    edition: Mapped[str | None] = mapped_column(Text)
    regions: Mapped[list[dict[str, str]]] = mapped_column(ReadableJSON, default=list)  # code, name, level
    encoding: Mapped[str | None] = mapped_column(String(32))
    flags: Mapped[list[str]] = mapped_column(ReadableJSON)
    raw_page_id: Mapped[int | None] = mapped_column(ForeignKey("raw_pages.id"))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    content_sha256: Mapped[str | None] = mapped_column(String(64), index=True)  # of the cleaned title + body
    revision: Mapped[int] = mapped_column(default=1)  # 1 + the versions kept in article_revisions
    # Mirror clusters: the id of the cluster's canonical article (its own id when it is canonical).
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True)
    damaged: Mapped[bool] = mapped_column(Boolean, default=False)  # arrived in Traditional / with pinyin


class ArticleRegion(Base):
    """A region an article is about (articles.regions as rows): for joins and counts by province or county."""

    __tablename__ = "article_regions"
    __table_args__ = (Index("ix_article_regions_code", "code"), Index("ix_article_regions_name", "name"))

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(6), primary_key=True)  # 6-digit administrative code
    name: Mapped[str] = mapped_column(Text)  # 贵州省, 黔东南苗族侗族自治州, 锦屏县
    level: Mapped[str] = mapped_column(String(16))  # province, prefecture or county


class ArticleUrl(Base):
    """A sighting: an address an article was found at (its own URL, a tracking variant …)."""

    __tablename__ = "article_urls"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)  # as fetched
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    host: Mapped[str] = mapped_column(String(255), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArticleFingerprint(Base):
    """The MinHash signature of an article's cleaned text (crawler.text.fingerprint)."""

    __tablename__ = "article_fingerprints"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class ArticleBand(Base):
    """One LSH band key of an article's signature: articles sharing a key are compared."""

    __tablename__ = "article_bands"
    __table_args__ = (Index("ix_article_bands_article_id", "article_id"), {"sqlite_with_rowid": False})

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True, autoincrement=False)


class ArticleRevision(Base):
    """An earlier version of an article, kept when a re-check found its cleaned text changed."""

    __tablename__ = "article_revisions"
    __table_args__ = (
        Index("uq_article_revisions_article_id_revision", "article_id", "revision", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    revision: Mapped[int]  # the number this version had in articles.revision
    title: Mapped[str] = mapped_column(Text)
    subtitle: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    editor: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    raw_page_id: Mapped[int | None] = mapped_column(ForeignKey("raw_pages.id"))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when this version was fetched
    superseded_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when a newer version replaced it


class CrawlRun(Base):
    """One run of one spider: a row is written when it opens and completed when it closes.

    A run killed outright keeps `finished_at` NULL; `clean` marks a run that finished with no
    error, the only kind whose bookmarks (list validators, e-paper resume day) are trusted.
    """

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    spider: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finish_reason: Mapped[str | None] = mapped_column(String(64))  # finished, shutdown, …; NULL: killed
    clean: Mapped[bool] = mapped_column(Boolean, default=False)
    pages_fetched: Mapped[int] = mapped_column(default=0)
    not_modified: Mapped[int] = mapped_column(default=0)  # list pages answered 304
    known_skipped: Mapped[int] = mapped_column(default=0)  # article requests not sent: already stored
    articles_new: Mapped[int] = mapped_column(default=0)
    articles_updated: Mapped[int] = mapped_column(default=0)  # re-checked, cleaned text changed
    articles_unchanged: Mapped[int] = mapped_column(default=0)  # re-checked, same cleaned text
    dropped: Mapped[dict[str, int]] = mapped_column(ReadableJSON, default=dict)  # reason -> count
    errors: Mapped[int] = mapped_column(default=0)  # ERROR log lines (failed requests, spider errors)
    arguments: Mapped[dict[str, str]] = mapped_column(ReadableJSON, default=dict)  # spider arguments
    bookmark: Mapped[str | None] = mapped_column(Text)  # where the next run may resume (spider-defined)
    pid: Mapped[int | None]
    host: Mapped[str | None] = mapped_column(String(255))
    verdict: Mapped[str | None] = mapped_column(String(16))  # ok, degraded, failed; NULL: unfinished
    health: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the figures behind the verdict


class PageValidator(Base):
    """The ETag / Last-Modified a list page last answered with, saved after a clean run."""

    __tablename__ = "page_validators"

    url: Mapped[str] = mapped_column(Text, primary_key=True)  # canonical URL
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
