"""The archive the command tests read: the replica harvested by both spiders, once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from crawler.db import Article
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


def stored_articles(db_url: str) -> list[Article]:
    engine = create_engine(db_url)
    with Session(engine) as session:
        found = list(session.scalars(select(Article).order_by(Article.id)))
        session.expunge_all()
    engine.dispose()
    return found
