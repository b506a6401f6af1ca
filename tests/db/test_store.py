"""Upserts keyed on canonical URL, raw pages kept once per distinct body, aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text

from crawler.db import Article, RawPage, make_engine
from crawler.db.state import known_urls, recent_articles
from crawler.db.store import (
    BatchResult,
    RawPageRecord,
    content_sha256,
    read_raw_body,
    write_batch,
)

CHINA = timezone(timedelta(hours=8))


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'archive.sqlite3'}")
    yield engine
    engine.dispose()


def row(url: str, **fields) -> dict:
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    return {"canonical_url": url, "url": url, "site": "x", "spider": "t", "title": "标题", "body": "正文",
            "flags": [], "fetched_at": now, "first_seen_at": now, **fields}  # fmt: skip


def raw(url: str, body: bytes, when: datetime) -> RawPageRecord:
    return RawPageRecord(
        url=url, status=200, headers={"Content-Type": "text/html"}, body=body, fetched_at=when
    )


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def test_sqlite_runs_in_wal_mode_and_creates_the_folder(engine):
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_upsert_updates_in_place_and_keeps_first_seen(engine):
    result = write_batch(engine, [(None, row("http://a/1", title="旧"))])
    assert (result.new, result.updated) == (1, 0)
    later = datetime(2026, 11, 28, tzinfo=UTC)
    result = write_batch(engine, [(None, row("http://a/1", title="新", first_seen_at=later))])
    assert (result.new, result.updated) == (0, 1)
    with engine.connect() as conn:
        title, first_seen = conn.execute(select(Article.title, Article.first_seen_at)).one()
    assert (title, first_seen) == ("新", datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    assert count(engine, Article) == 1


def test_article_without_key_is_refused(engine):
    with pytest.raises(ValueError, match="canonical_url"):
        write_batch(engine, [(None, row(""))])
    assert count(engine, Article) == 0


def test_a_failed_batch_writes_nothing(engine):
    with pytest.raises(ValueError):
        write_batch(
            engine, [(raw("http://a/1", b"x", datetime.now(UTC)), row("http://a/1")), (None, row(""))]
        )
    assert (count(engine, Article), count(engine, RawPage)) == (0, 0)


def test_raw_page_is_kept_once_per_distinct_body(engine):
    t1, t2 = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
    write_batch(engine, [(raw("http://a/1", "页面".encode("gbk"), t1), row("http://a/1"))])
    write_batch(engine, [(raw("http://a/1", "页面".encode("gbk"), t2), row("http://a/1"))])
    assert count(engine, RawPage) == 1
    write_batch(engine, [(raw("http://a/1", b"changed", t2), row("http://a/1"))])
    assert count(engine, RawPage) == 2
    with engine.connect() as conn:
        pages = conn.execute(select(RawPage).order_by(RawPage.id)).all()
        article_raw = conn.scalar(select(Article.raw_page_id))
    assert read_raw_body(pages[0]) == "页面".encode("gbk")
    assert (pages[0].first_fetched_at, pages[0].last_fetched_at) == (t1, t2)
    assert article_raw == pages[1].id


def test_datetimes_are_stored_utc_and_read_back_aware(engine):
    published = datetime(2021, 1, 4, 14, 54, tzinfo=CHINA)
    write_batch(engine, [(None, row("http://a/1", published_at=published))])
    with engine.connect() as conn:
        stored = conn.scalar(select(Article.published_at))
        naive = conn.execute(text("SELECT published_at FROM articles")).scalar()
    assert stored == published and stored.tzinfo is UTC
    assert str(naive).startswith("2021-01-04 06:54:00")


def test_naive_datetime_is_refused(engine):
    with pytest.raises(Exception, match="naive datetime"):
        write_batch(engine, [(None, row("http://a/1", published_at=datetime(2021, 1, 4)))])


def test_same_text_is_unchanged_and_changed_text_keeps_the_old_version(engine):
    from crawler.db import ArticleRevision

    assert write_batch(engine, [(None, row("http://a/1", body="一"))]) == BatchResult(1, 0, 0)
    assert write_batch(engine, [(None, row("http://a/1", body="一"))]) == BatchResult(0, 0, 1)
    assert write_batch(engine, [(None, row("http://a/1", body="一二"))]) == BatchResult(0, 1, 0)
    with engine.connect() as conn:
        body, revision, sha = conn.execute(
            select(Article.body, Article.revision, Article.content_sha256)
        ).one()
        old = conn.execute(select(ArticleRevision.body, ArticleRevision.revision)).one()
    assert (body, revision, sha) == ("一二", 2, content_sha256("标题", None, "一二"))
    assert tuple(old) == ("一", 1)


def test_known_urls_and_recent_articles(engine):
    recent = datetime.now(UTC) - timedelta(days=1)
    write_batch(engine, [(None, row("http://a/old", published_at=datetime(2020, 1, 1, tzinfo=UTC))),
                         (None, row("http://a/new", published_at=recent))])  # fmt: skip
    with engine.connect() as conn:
        assert known_urls(conn, ["http://a/old", "http://a/x", "http://a/new"]) == {
            "http://a/old",
            "http://a/new",
        }
        since = datetime.now(UTC) - timedelta(days=3)
        assert [r.url for r in recent_articles(conn, "t", since)] == ["http://a/new"]
        assert list(recent_articles(conn, "other", since)) == []


def test_a_batch_holding_one_url_twice_stores_it_once_the_last_version_winning(engine):
    when = datetime(2026, 11, 1, tzinfo=UTC)
    result = write_batch(
        engine,
        [
            (raw("http://a/1", b"first", when), row("http://a/1", title="一")),
            (raw("http://a/2", b"other", when), row("http://a/2")),
            (raw("http://a/1", b"second", when), row("http://a/1", title="二")),
        ],
    )
    assert (result.new, result.updated, result.unchanged) == (2, 0, 0)
    with engine.connect() as conn:
        title, raw_id = conn.execute(
            select(Article.title, Article.raw_page_id).where(Article.url == "http://a/1")
        ).one()
        body = read_raw_body(conn.execute(select(RawPage).where(RawPage.id == raw_id)).one())
    assert (title, body) == ("二", b"second")
    assert count(engine, RawPage) == 3  # every fetched body is kept


def test_published_day_is_the_china_day_and_regions_are_rows_kept_in_step(engine):
    county = [{"code": "411522", "name": "光山县", "level": "county"}]
    province = [{"code": "520000", "name": "贵州省", "level": "province"}]
    late = datetime(2026, 11, 16, 23, 30, tzinfo=UTC)  # 07:30 on the 17th in China
    write_batch(engine, [(None, row("http://x/1", published_at=late, regions=county))])
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT published_day FROM articles")) == "2026-11-17"
        assert conn.execute(text("SELECT code, name, level FROM article_regions")).all() == [
            ("411522", "光山县", "county")
        ]
        assert conn.scalar(text("SELECT regions FROM articles")) == json_text(county)
    write_batch(engine, [(None, row("http://x/1", published_at=late + timedelta(hours=1), regions=province))])
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT published_day FROM articles")) == "2026-11-17"
        assert conn.execute(text("SELECT code, name FROM article_regions")).all() == [("520000", "贵州省")]
        assert conn.scalar(text("SELECT count(*) FROM articles WHERE regions LIKE '%贵州省%'")) == 1


def json_text(value) -> str:
    """The readable JSON text the archive stores (no \\u escapes)."""
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
