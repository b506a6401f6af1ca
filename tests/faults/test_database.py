"""Database faults during a real crawl that stop it: full, read-only, locked for longer than the retries.

Storage writes on the archive's writer thread (crawler.archive): a full or read-only archive, or
one locked for longer than the retries, stops the crawl with a message naming the fault and every
article not stored, and the next crawl fetches those articles because they are not in the archive.
Nothing is lost, nothing is stored twice, nothing is half-written. The crawls run in this process
(tests/crawling.py); a lock that is waited out is in test_database_lock.py.
"""

from __future__ import annotations

import json

import pytest

from crawler import settings as project
from crawler.db import make_engine
from crawler.db.engine import NewerSchema
from tests.conftest import ROOT
from tests.faults.storage import (
    END,
    QUICK_LOCKS,
    SLOW,
    hold_write_lock,
    news_crawl,
    news_urls,
    start_news_crawl,
    stored,
    wait_for_rows,
)
from tests.harvest.replica import query, replica

ARTICLES = 20


@pytest.mark.slow
def test_a_lock_that_outlasts_the_retries_stops_the_crawl_and_the_next_one_completes(tmp_path):
    articles = 300  # the crawl must still run when the retries give up (150 was once too few: finished)
    path = tmp_path / "harvest.sqlite3"
    db_url = f"sqlite:///{path}"
    with replica("--articles", str(articles), "--end-date", END, "--latency", "0.05") as info:
        crawling = start_news_crawl(db_url, info, *QUICK_LOCKS, "-s", "HARVEST_DB_LOCKED_RETRIES=1", *SLOW)
        wait_for_rows(crawling.running, crawling.log, db_url, 5)
        other = hold_write_lock(path, None)
        [first] = crawling.wait()
        other.rollback()
        other.close()
        assert "Stopping the crawl: the archive" in first.log and "is locked by another writer" in first.log
        assert first.stats["finish_reason"] == "storage_failed"
        assert "harvest/storage/failed/locked" in first.stats
        assert "were not stored because the archive" in first.log
        assert "Traceback" not in first.log, first.log[-3000:]
        written = stored(db_url)
        assert len(written) % 5 == 0, "half a batch was written"

        again = news_crawl(db_url, info)
        assert not again.failures(), again.log[-3000:]
    urls = stored(db_url)
    assert len(urls) == len(set(urls)) and set(urls) == news_urls(info, articles)


@pytest.mark.slow
def test_a_full_disk_stops_the_crawl_and_keeps_whole_batches(tmp_path):
    path = tmp_path / "harvest.sqlite3"
    db_url = f"sqlite:///{path}"
    extensions = json.dumps({**project.EXTENSIONS, "tests.faults.inject.FullDisk": 900})
    full = ("-s", f"EXTENSIONS={extensions}", "-s", "HARVEST_TEST_FULL_AFTER_PAGES=40")
    # A slow replica: the crawl is still going when storage fails (a finished one stays `finished`).
    with replica("--articles", "60", "--end-date", END, "--latency", "0.05") as info:
        first = news_crawl(db_url, info, *full, *SLOW)
        assert "Stopping the crawl: the archive" in first.log and "is full" in first.log
        assert first.stats["finish_reason"] == "storage_failed"
        assert "were not stored because the archive" in first.log
        assert "Traceback" not in first.log, first.log[-3000:]
        written = stored(db_url)
        assert len(written) % 5 == 0, "half a batch was written"
        assert query(db_url, "SELECT count(*) FROM raw_pages")[0][0] == len(written)

        again = news_crawl(db_url, info)
        assert not again.failures(), again.log[-3000:]
    assert set(stored(db_url)) == news_urls(info, 60)


@pytest.mark.slow
def test_a_read_only_harvest_stops_cleanly_and_the_next_one_fetches_everything(tmp_path):
    path = tmp_path / "harvest.sqlite3"
    make_engine(f"sqlite:///{path}").dispose()
    with replica("--articles", str(ARTICLES), "--end-date", END, "--latency", "0.05") as info:
        first = news_crawl(f"sqlite:///file:{path}?mode=ro&uri=true", info, *SLOW)
        assert "Stopping the crawl: the archive" in first.log and "is read-only" in first.log
        assert first.stats["finish_reason"] == "storage_failed"
        assert "were not stored because the archive" in first.log
        assert "Traceback" not in first.log, first.log[-3000:]
        assert query(f"sqlite:///{path}", "SELECT count(*) FROM articles") == [(0,)]
        assert not (ROOT / "file:").exists()

        second = news_crawl(f"sqlite:///{path}", info)
        assert not second.failures(), second.log[-3000:]
    assert set(stored(f"sqlite:///{path}")) == news_urls(info, ARTICLES)


def test_a_database_from_a_newer_version_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE articles ADD COLUMN lang TEXT NOT NULL DEFAULT 'zh'")
    engine.dispose()
    with pytest.raises(NewerSchema, match=r"articles has columns lang .* made by a newer version"):
        make_engine(url)
