"""Schema versions: migrations build exactly the models, fresh archives are stamped at head, an
archive from before migrations is recognised and upgraded in place, a newer one is refused."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, create_engine, func, select, text

from crawler.db import Article, ArticleRegion, ArticleUrl, Base, make_engine, schema
from crawler.db.engine import NewerSchema
from crawler.db.search import index_articles, search
from crawler.db.store import write_batch
from tests.commands.runner import scrapy
from tests.conftest import ROOT, run_scrapy

GUIZHOU = [{"code": "520000", "name": "贵州省", "level": "province"},
           {"code": "522600", "name": "黔东南苗族侗族自治州", "level": "prefecture"},
           {"code": "522628", "name": "锦屏县", "level": "county"}]  # fmt: skip


@pytest.fixture(autouse=True)
def in_the_project(monkeypatch):
    monkeypatch.chdir(ROOT)  # `scrapy db …` runs in this process (tests/commands/runner.py), as from here


def differences(conn) -> list:
    """What `alembic check` would report: the models against the database."""
    context = MigrationContext.configure(
        conn, opts={"include_object": schema.include_object, "compare_type": True}
    )
    return compare_metadata(context, Base.metadata)


def article(n: int) -> dict:
    url = f"http://www.example.cn/xczx/t{n}.html"
    now = datetime(2026, 11, 27, tzinfo=UTC)
    return {"canonical_url": url, "url": url, "site": "www.example.cn", "spider": "test",
            "title": f"乡村振兴第{n}篇", "body": f"油茶产业带动增收。第{n}段。", "regions": [], "flags": [],
            "fetched_at": now, "first_seen_at": now}  # fmt: skip


def write_as_revision_0001(conn: Connection, count: int) -> None:
    """Articles written as the code of revision 0001 wrote them: JSON with \\u escapes (json.dumps'
    default), naive UTC timestamps, no published_day, no article_regions; index and sightings too."""
    for n in range(1, count + 1):
        url = f"http://www.example.cn/xczx/t{n}.html"
        published = "2026-11-16 23:30:00.000000" if n % 2 else "2026-11-17 02:00:00.000000"  # UTC
        conn.execute(
            text("INSERT INTO articles (canonical_url, url, site, spider, title, body, published_at, "
                 "regions, flags, fetched_at, first_seen_at, revision, damaged) VALUES "
                 "(:url, :url, 'www.example.cn', 'test', :title, :body, :published, :regions, :flags, "
                 "'2026-11-27 00:00:00.000000', '2026-11-27 00:00:00.000000', 1, false)"),
            {"id": n, "url": url, "title": f"乡村振兴第{n}篇", "body": f"油茶产业带动增收。第{n}段。",
             "published": published, "regions": json.dumps(GUIZHOU if n % 3 == 0 else []),
             "flags": json.dumps(["junk:place-run:1"] if n % 5 == 0 else [])},
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO article_urls (url, article_id, host, first_seen_at, last_seen_at) VALUES "
                 "(:url, :id, 'www.example.cn', '2026-11-27 00:00:00', '2026-11-27 00:00:00')"),
            {"id": n, "url": url},
        )  # fmt: skip
    conn.execute(text("UPDATE articles SET cluster_id = id"))
    conn.execute(
        text("INSERT INTO raw_pages (url, sha256, status, headers, compression, body, first_fetched_at, "
             "last_fetched_at) VALUES ('http://www.example.cn/', 'x', 200, :headers, 'zlib', :body, "
             "'2026-11-27 00:00:00', '2026-11-27 00:00:00')"),
        {"headers": json.dumps({"Content-Type": "text/html; charset=utf-8", "X-Note": "乡村"}), "body": b"x"},
    )  # fmt: skip
    texts = [(n, f"乡村振兴第{n}篇", None, f"油茶产业带动增收。第{n}段。") for n in range(1, count + 1)]
    index_articles(conn, texts)


def test_revision_0001_archives_are_converted_china_days_regions_as_rows_readable_json(any_db_url):
    engine = make_engine(any_db_url, create=False)
    with engine.begin() as conn:
        schema.upgrade(conn, schema.INITIAL_REVISION)
        write_as_revision_0001(conn, 30)
    started = time.perf_counter()
    with engine.begin() as conn:
        assert schema.upgrade(conn) == (schema.INITIAL_REVISION, schema.head(), False)
    assert time.perf_counter() - started < 10
    with engine.connect() as conn:
        assert differences(conn) == []
        days = dict(conn.execute(text("SELECT published_day, count(*) FROM articles GROUP BY 1")).all())
        assert days == {"2026-11-17": 30}, "23:30 UTC on the 16th is the 17th in China"
        per_level = dict(conn.execute(text("SELECT level, count(*) FROM article_regions GROUP BY 1")).all())
        assert per_level == {"province": 10, "prefecture": 10, "county": 10}
        county = conn.scalar(text("SELECT count(*) FROM articles AS a JOIN article_regions AS r "
                                  "ON r.article_id = a.id WHERE r.name = '锦屏县'"))  # fmt: skip
        assert county == 10
        like = conn.scalar(text("SELECT count(*) FROM articles WHERE CAST(regions AS TEXT) LIKE '%贵州省%'"))
        assert like == 10, "the JSON is readable text: LIKE finds Chinese in it"
        raw = conn.scalar(text("SELECT CAST(flags AS TEXT) FROM articles WHERE id = 5"))
        assert raw == '["junk:place-run:1"]'
        headers = conn.scalar(text("SELECT CAST(headers AS TEXT) FROM raw_pages"))
        assert "乡村" in headers and "\\u" not in headers
        assert conn.scalar(select(Article.regions).where(Article.id == 3)) == GUIZHOU
        assert sum(hit.copies for hit in search(conn, "乡村振兴", limit=100)) == 30  # the index came along
    write_batch(engine, [(None, {**article(40), "regions": GUIZHOU[:1],
                                 "published_at": datetime(2026, 11, 30, 17, tzinfo=UTC)})])  # fmt: skip
    with engine.connect() as conn:
        row = conn.execute(select(Article.published_day).where(Article.id == 31)).one()
        assert row.published_day == "2026-12-01"
        assert conn.scalar(select(func.count()).where(ArticleRegion.article_id == 31)) == 1
    engine.dispose()


def test_the_migration_downgrades_to_0001(tmp_path):
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    engine = make_engine(url, create=False)
    with engine.begin() as conn:
        schema.upgrade(conn)
        from alembic import command

        command.downgrade(schema.alembic_config(conn), schema.INITIAL_REVISION)
        assert schema.current(conn) == schema.INITIAL_REVISION
        columns = {c["name"] for c in __import__("sqlalchemy").inspect(conn).get_columns("articles")}
        assert "published_day" not in columns
        assert not __import__("sqlalchemy").inspect(conn).has_table("article_regions")
    engine.dispose()


def test_the_migrations_build_exactly_the_models(any_db_url):
    engine = make_engine(any_db_url, create=False)
    with engine.begin() as conn:
        assert schema.upgrade(conn) == (None, schema.head(), False)
        assert differences(conn) == []
    engine.dispose()
    engine = make_engine(any_db_url)  # accepted as it is: stamped at head
    write_batch(engine, [(None, article(1))])
    with engine.connect() as conn:
        assert [hit.matched_id for hit in search(conn, "油茶")] == [1]
    engine.dispose()


def test_a_fresh_archive_is_created_from_the_models_and_stamped_at_head(any_db_url):
    engine = make_engine(any_db_url)
    with engine.connect() as conn:
        assert schema.current(conn) == schema.head()
        assert differences(conn) == []
    engine.dispose()


def test_an_archive_from_before_migrations_is_stamped_and_upgraded_without_losing_a_row(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    old = create_engine(url)
    with old.begin() as conn:  # what the version before migrations made: no alembic_version table
        schema.upgrade(conn, schema.INITIAL_REVISION)
        write_as_revision_0001(conn, 30)
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("DROP TABLE crawl_runs"))  # added by an issue before migrations existed
    old.dispose()

    current = scrapy("db", "current", "-s", f"HARVEST_DB_URL={url}")
    assert current.status == 0 and "revision none (not stamped)" in current.out, current.err
    result = run_scrapy("db", "upgrade", "-s", f"HARVEST_DB_URL={url}")  # a real `scrapy` process
    assert f"made before migrations, recognised as revision {schema.INITIAL_REVISION}" in result.stdout
    assert f"revision {schema.head()} (head)" in result.stdout
    assert f"revision {schema.head()} (head)" in scrapy("db", "current", "-s", f"HARVEST_DB_URL={url}").out

    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Article)) == 30
        assert conn.scalar(select(func.count()).select_from(ArticleUrl)) == 30
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == schema.head()
        assert sum(hit.copies for hit in search(conn, "乡村振兴", limit=100)) == 30  # the index came along
        assert differences(conn) == []
    engine.dispose()
    again = scrapy("db", "upgrade", "-s", f"HARVEST_DB_URL={url}")
    assert again.status == 0 and "already at revision" in again.out, again.err


def test_an_archive_at_a_revision_this_code_does_not_know_is_refused(any_db_url):
    make_engine(any_db_url).dispose()
    engine = create_engine(any_db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    engine.dispose()
    with pytest.raises(NewerSchema, match=r"revision f00d, which this version does not know.*newer version"):
        make_engine(any_db_url)
    result = scrapy("db", "upgrade", "-s", f"HARVEST_DB_URL={any_db_url}")
    assert result.status != 0
    assert "f00d" in result.err
