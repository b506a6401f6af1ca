"""`scrapy reclean` restores what today's cleaning makes of the raw pages, and only once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from crawler.db import Article, ArticleRevision, make_engine
from crawler.db.search import search
from crawler.db.store import upsert_articles
from tests.archive.conftest import stored_articles
from tests.commands.runner import scrapy
from tests.conftest import ROOT, run_scrapy

pytestmark = pytest.mark.slow
COUNTS = re.compile(
    r"Re-cleaned (\d+) articles: (\d+) (?:changed|would change) \((\d+) text.*?; (\d+) metadata"
)


@pytest.fixture(autouse=True)
def in_the_project(monkeypatch):
    monkeypatch.chdir(ROOT)  # where `scrapy` finds scrapy.cfg


def reclean(db_url: str, *args: str, process: bool = False) -> tuple[int, int, int, int]:
    """`scrapy reclean ARGS` on the archive, in this process (tests/commands/runner.py) or in a real one."""
    argv = ("reclean", *args, "-s", f"HARVEST_DB_URL={db_url}")
    if process:
        out = run_scrapy(*argv).stdout
    else:
        result = scrapy(*argv)
        assert result.status == 0, result.err
        out = result.out
    found = COUNTS.search(out)
    assert found, out
    return tuple(int(n) for n in found.groups())  # type: ignore[return-value]


def as_older_cleaning_left_them(db_url: str) -> tuple[int, int]:
    """Store some articles as an older, worse cleaning would have: junk kept, flags missing."""
    articles = stored_articles(db_url)
    # Canonical articles of distinct clusters: search answers one hit per cluster.
    junky = [a for a in articles if a.spider == "xcgb_news" and a.cluster_id == a.id][:4]
    flagless = [a for a in articles if a.spider == "xcgb_epaper"][:3]
    columns = [c.key for c in Article.__table__.columns if c.key not in ("id", "revision", "cluster_id")]
    rows = [{name: getattr(a, name) for name in columns} for a in junky + flagless]
    for row in rows[: len(junky)]:
        row["body"] += "\n相关阅读：鸬鹚湖畔的新农村"
        row.pop("content_sha256")
    for row in rows[len(junky) :]:
        row["flags"] = []
    engine = make_engine(db_url)
    with engine.begin() as conn:
        upsert_articles(conn, rows)
    engine.dispose()
    return len(junky), len(flagless)


def test_reclean_restores_changes_keeps_revisions_and_is_idempotent(archive_copy):
    junky, flagless = as_older_cleaning_left_them(archive_copy)
    engine = make_engine(archive_copy)
    with engine.connect() as conn:
        assert len(search(conn, "鸬鹚湖畔")) == junky
        revisions_before = conn.scalar(select(func.count()).select_from(ArticleRevision))
    total = len(stored_articles(archive_copy))

    examined, changed, text, fields = reclean(archive_copy, process=True)  # the real entry point once
    assert (examined, changed, text, fields) == (total, junky + flagless, junky, flagless)
    with engine.connect() as conn:
        assert search(conn, "鸬鹚湖畔") == []  # the index followed the re-cleaned text
        assert conn.scalar(select(func.count()).select_from(ArticleRevision)) == revisions_before + junky
        assert conn.scalar(select(func.count()).where(Article.flags == "[]")) == 0

    assert reclean(archive_copy) == (total, 0, 0, 0)
    engine.dispose()


def test_reclean_takes_the_filters(archive_copy):
    articles = stored_articles(archive_copy)
    mirror = {a.site for a in articles if a.damaged}.pop()
    examined, changed, *_ = reclean(archive_copy, "--site", mirror, "--dry-run")
    assert examined == sum(a.site == mirror for a in articles) and changed == 0
