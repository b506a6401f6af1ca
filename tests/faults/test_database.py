"""Database faults: locked by another writer, disk full, read-only. Nothing lost, nothing half-written.

A locked archive is waited for (busy timeout), then the batch is retried; a full or read-only
one stops the crawl with a message naming the fault and every article not stored, and the
next harvest fetches those articles because they are not in the archive.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from crawler.db import engine as db_engine
from crawler.db import make_engine
from crawler.db.engine import NewerSchema
from crawler.harvest.faults import StorageFailed
from crawler.items import Article
from pipelines.storage import StoragePipeline
from replica.site import build_site
from tests.conftest import ROOT
from tests.harvest.replica import FAST, query, replica, url_of

ARTICLES = 20


class Stats(Counter):
    def inc_value(self, key: str, count: int = 1) -> None:
        self[key] += count


def article(n: int) -> Article:
    """An article whose raw page (random bytes: incompressible) takes 20 KB of the archive."""
    url = f"http://www.example.cn/xczx/202611/t20261127_{n}.html"
    return Article(url=url, canonical_url=url, site="www.example.cn", spider="test", title=f"标题{n}",
                   body=[f"第{n}篇正文。"], raw_body=random.Random(n).randbytes(20_000),
                   raw_headers={"Content-Type": "text/html"}, status=200, flags=[],
                   fetched_at=datetime(2026, 11, 27, tzinfo=UTC))  # fmt: skip


@pytest.fixture
def quick_locks(monkeypatch):
    """A busy timeout of 0.2 s and retry pauses of 0.2, 0.4, 0.8 s."""
    monkeypatch.setattr(db_engine, "SQLITE_BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(db_engine, "LOCKED_PAUSE", 0.2)


def open_pipeline(db_url: str, batch_size: int = 100) -> StoragePipeline:
    pipeline = StoragePipeline(db_url, batch_size, True, Stats())
    pipeline.open_spider()
    return pipeline


def stored(db_url: str) -> list[str]:
    return sorted(url for (url,) in query(db_url, "SELECT url FROM articles"))


def hold_write_lock(path, seconds: float | None) -> sqlite3.Connection:
    """Another writer: a transaction holding the write lock (released after `seconds`, or never)."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    if seconds is not None:
        threading.Timer(seconds, other.commit).start()
    return other


def test_a_locked_archive_is_waited_for_and_the_batch_retried(tmp_path, quick_locks, caplog):
    db_url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    pipeline = open_pipeline(db_url)
    for n in range(5):
        pipeline.process_item(article(n))
    other = hold_write_lock(tmp_path / "a.sqlite3", 0.5)
    with caplog.at_level(logging.WARNING):
        pipeline.close_spider()
    other.close()
    assert len(stored(db_url)) == 5, "the batch was lost"
    retries = [r.getMessage() for r in caplog.records if "locked by another writer" in r.getMessage()]
    assert retries and "retrying the batch" in retries[0]


def test_a_lock_that_never_ends_stops_with_a_clear_error(tmp_path, quick_locks, caplog):
    db_url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    pipeline = open_pipeline(db_url, batch_size=3)
    other = hold_write_lock(tmp_path / "a.sqlite3", None)
    pipeline.process_item(article(1))
    pipeline.process_item(article(2))
    with (
        pytest.raises(StorageFailed, match="locked by another writer") as failed,
        caplog.at_level(logging.ERROR),
    ):
        pipeline.process_item(article(3))
    assert failed.value.kind == "locked"
    other.rollback()
    other.close()
    pipeline.process_item(article(4))
    pipeline.close_spider()
    assert stored(db_url) == []
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "Stopping the crawl" in messages and article(3)["url"] in messages
    assert "4 articles were not stored" in messages and article(4)["url"] in messages


def test_a_full_disk_stops_the_crawl_and_keeps_what_was_written(tmp_path, caplog):
    db_url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    pipeline = open_pipeline(db_url, batch_size=2)
    pipeline.process_item(article(1))
    pipeline.process_item(article(2))  # the first batch is written
    # The disk fills up: no more pages than the file has now (what SQLITE_FULL looks like).
    pages = query(db_url, "PRAGMA page_count")[0][0]
    event.listen(pipeline.engine, "connect", lambda conn, _: conn.execute(f"PRAGMA max_page_count={pages}"))
    pipeline.engine.dispose()
    pipeline.process_item(article(3))
    with caplog.at_level(logging.ERROR), pytest.raises(StorageFailed, match="full") as failed:
        pipeline.process_item(article(4))
    assert failed.value.kind == "full"
    pipeline.close_spider()
    assert stored(db_url) == [article(1)["url"], article(2)["url"]], "half a batch was written"
    assert query(db_url, "SELECT count(*) FROM raw_pages")[0][0] == 2
    assert "2 articles were not stored because the archive" in caplog.text


def test_a_read_only_archive_is_refused_with_a_message(tmp_path):
    path = tmp_path / "a.sqlite3"
    make_engine(f"sqlite:///{path}").dispose()
    pipeline = open_pipeline(f"sqlite:///file:{path}?mode=ro&uri=true", batch_size=1)
    with pytest.raises(StorageFailed, match="read-only") as failed:
        pipeline.process_item(article(1))
    assert failed.value.kind == "read-only"
    pipeline.close_spider()
    assert not (ROOT / "file:").exists()


@pytest.mark.slow
def test_a_read_only_harvest_stops_cleanly_and_the_next_one_fetches_everything(tmp_path):
    path = tmp_path / "harvest.sqlite3"
    make_engine(f"sqlite:///{path}").dispose()
    site = build_site(ARTICLES, datetime(2026, 11, 27).date())
    with replica("--articles", str(ARTICLES), "--end-date", "2026-11-27") as info:
        base = f"base_url={info['news']}"
        crawl = [sys.executable, "-m", "scrapy", "crawl", "xcgb_news", "-a", base, *FAST]
        read_only = f"HARVEST_DB_URL=sqlite:///file:{path}?mode=ro&uri=true"
        first = subprocess.run([*crawl, "-s", read_only, "-s", "HARVEST_DB_BATCH_SIZE=5"], cwd=ROOT,
                               capture_output=True, text=True, timeout=120)  # fmt: skip
        assert "Stopping the crawl: the archive" in first.stderr and "is read-only" in first.stderr
        assert "'finish_reason': 'storage_failed'" in first.stderr
        assert "were not stored because the archive" in first.stderr
        assert "Traceback" not in first.stderr, first.stderr[-3000:]
        assert query(f"sqlite:///{path}", "SELECT count(*) FROM articles") == [(0,)]

        second = subprocess.run([*crawl, "-s", f"HARVEST_DB_URL=sqlite:///{path}"], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)  # fmt: skip
        assert second.returncode == 0, second.stderr[-3000:]
    expected = {url_of(info, e) for e in site.articles("news") if e.host == "main"}
    assert set(stored(f"sqlite:///{path}")) == expected


def test_a_database_from_a_newer_version_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE articles ADD COLUMN lang TEXT NOT NULL DEFAULT 'zh'")
    engine.dispose()
    with pytest.raises(NewerSchema, match=r"articles has columns lang .* made by a newer version"):
        make_engine(url)
