"""A small archive for the hostile-input tests: built in process, copied for each test."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.db import make_engine
from crawler.db.store import upsert_articles
from tests.conftest import ROOT

ARTICLES = 300  # enough JSON lines (about 400 KB) to outgrow a pipe's buffer
SITES = ("www.xcgb.com.cn", "127.0.0.2:8921")


def article_row(n: int) -> dict:
    when = datetime(2026, 1, 1, 4, 0, tzinfo=UTC) + timedelta(days=n)
    url = f"http://{SITES[n % 2]}/news/xczx/2026/t{n}.html"
    return {"canonical_url": url, "url": url, "site": SITES[n % 2], "spider": "xcgb_news",
            "title": f"油茶林里的党员责任田（{n}）", "body": f"第{n}篇。光山县的油茶林里硕果累累。" * 40,
            "regions": [{"code": "411522", "name": "光山县", "level": "county"}], "flags": [],
            "published_at": when, "fetched_at": when, "first_seen_at": when}  # fmt: skip


@pytest.fixture(scope="session")
def built_archive(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("security") / "archive.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        upsert_articles(conn, [article_row(n) for n in range(ARTICLES)])
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file
    engine.dispose()
    return path


@pytest.fixture
def archive(built_archive, tmp_path, monkeypatch) -> Path:
    """A copy of the small archive (WAL mode, nothing in the -wal file); the cwd is the project's."""
    path = tmp_path / "archive.sqlite3"
    shutil.copyfile(built_archive, path)
    monkeypatch.chdir(ROOT)
    return path
