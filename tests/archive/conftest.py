"""The archive the command tests read: the replica harvested by both spiders, once per session."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from crawler.db import Article, make_engine
from crawler.db.store import write_batch
from crawler.text.regions import find_regions
from tests.archive.test_search import entry_row
from tests.test_crawl import crawl_all


@pytest.fixture(scope="session")
def archive_file(replica_server, tmp_path_factory) -> Path:
    """A SQLite file holding a real crawl of the replica (news site, e-paper, mirror)."""
    path = tmp_path_factory.mktemp("archive") / "harvest.sqlite3"
    crawl_all(replica_server, f"sqlite:///{path}")
    return path


@pytest.fixture
def archive_copy(archive_file, tmp_path) -> str:
    """A copy of the crawled archive a test may change; its URL."""
    path = tmp_path / "harvest.sqlite3"
    for suffix in ("", "-wal"):
        if Path(f"{archive_file}{suffix}").exists():
            shutil.copyfile(f"{archive_file}{suffix}", f"{path}{suffix}")
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def written_archive(site, tmp_path_factory) -> Path:
    """Every replica article (regions included) written by the storage functions; the file's path."""
    path = tmp_path_factory.mktemp("datasette") / "archive.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    when = datetime(2026, 11, 28, tzinfo=UTC)
    rows = [{**entry_row(e, when), "regions": find_regions(e.title, list(e.body))} for e in site.articles()]
    write_batch(engine, [(None, row) for row in rows])
    yield path
    engine.dispose()


def stored_articles(db_url: str) -> list[Article]:
    engine = create_engine(db_url)
    with Session(engine) as session:
        found = list(session.scalars(select(Article).order_by(Article.id)))
        session.expunge_all()
    engine.dispose()
    return found
