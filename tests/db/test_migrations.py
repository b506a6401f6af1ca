"""Schema versions: migrations build exactly the models, fresh archives are stamped at head, an
archive from before migrations is recognised and upgraded in place, a newer one is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, func, select, text

from crawler.db import Article, ArticleUrl, Base, make_engine, schema
from crawler.db.engine import NewerSchema
from crawler.db.search import search
from crawler.db.store import write_batch
from tests.conftest import run_scrapy


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
    Base.metadata.create_all(old)  # what the previous version did: no alembic_version table
    write_batch(old, [(None, article(n)) for n in range(1, 31)])
    old.dispose()

    result = run_scrapy("db", "current", "-s", f"HARVEST_DB_URL={url}")
    assert "revision none (not stamped)" in result.stdout
    result = run_scrapy("db", "upgrade", "-s", f"HARVEST_DB_URL={url}")
    assert f"made before migrations, recognised as revision {schema.INITIAL_REVISION}" in result.stdout
    assert f"revision {schema.head()} (head)" in result.stdout
    assert (
        f"revision {schema.head()} (head)"
        in run_scrapy("db", "current", "-s", f"HARVEST_DB_URL={url}").stdout
    )

    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Article)) == 30
        assert conn.scalar(select(func.count()).select_from(ArticleUrl)) == 30
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == schema.head()
        assert sum(hit.copies for hit in search(conn, "乡村振兴", limit=100)) == 30  # the index came along
        assert differences(conn) == []
    engine.dispose()
    assert "already at revision" in run_scrapy("db", "upgrade", "-s", f"HARVEST_DB_URL={url}").stdout


def test_an_archive_at_a_revision_this_code_does_not_know_is_refused(any_db_url):
    make_engine(any_db_url).dispose()
    engine = create_engine(any_db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    engine.dispose()
    with pytest.raises(NewerSchema, match=r"revision f00d, which this version does not know.*newer version"):
        make_engine(any_db_url)
    result = run_scrapy("db", "upgrade", "-s", f"HARVEST_DB_URL={any_db_url}", check=False)
    assert result.returncode != 0
    assert "f00d" in result.stderr
