"""Database faults during a real crawl: locked by another writer, disk full, read-only.

Storage writes on the archive's writer thread (crawler.archive): a locked archive is waited for
there (busy timeout, then the batch retried after pauses) while downloads go on; a full or
read-only one, or one locked for longer than the retries, stops the crawl with a message naming
the fault and every article not stored, and the next harvest fetches those articles because they
are not in the archive. Nothing is lost, nothing is stored twice, nothing is half-written.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime

import pytest

from crawler import settings as project
from crawler.db import make_engine
from crawler.db.engine import NewerSchema
from replica.site import build_site
from tests.conftest import ROOT
from tests.harvest.replica import FAST, query, replica, request_log, url_of

ARTICLES = 20
END = "2026-11-27"
BATCH = ("-s", "HARVEST_DB_BATCH_SIZE=5")
SLOW = ("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")  # with a replica's latency: a crawl of some seconds
# A lock is waited for 0.3 s per statement, then the batch is retried after 0.3, 0.6, 1.2, 2.4 s.
QUICK_LOCKS = ("-s", "HARVEST_DB_BUSY_TIMEOUT=0.3", "-s", "HARVEST_DB_LOCKED_RETRIES=4",
               "-s", "HARVEST_DB_LOCKED_PAUSE=0.3")  # fmt: skip


def crawl_command(db_url: str, info: dict, *settings: str) -> list[str]:
    return [sys.executable, "-m", "scrapy", "crawl", "xcgb_news", "-a", f"base_url={info['news']}", *FAST,
            "-s", f"HARVEST_DB_URL={db_url}", *BATCH, *settings]  # fmt: skip


def crawl(db_url: str, info: dict, *settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(crawl_command(db_url, info, *settings), cwd=ROOT, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def start(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stored(db_url: str) -> list[str]:
    return sorted(url for (url,) in query(db_url, "SELECT url FROM articles"))


def count(db_url: str) -> int:
    try:
        return query(db_url, "SELECT count(*) FROM articles")[0][0]
    except Exception as error:  # the tables may not exist yet
        if "no such table" in str(error):
            return 0
        raise


def news_urls(info: dict, articles: int) -> set[str]:
    site = build_site(articles, datetime.fromisoformat(END).date())
    return {url_of(info, e) for e in site.articles("news") if e.host == "main"}


def hold_write_lock(path, seconds: float | None) -> sqlite3.Connection:
    """Another writer: a transaction holding the write lock (released after `seconds`, or never)."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    if seconds is not None:
        threading.Timer(seconds, other.commit).start()
    return other


def wait_for_rows(process: subprocess.Popen, db_url: str, rows: int) -> None:
    deadline = time.monotonic() + 60
    while count(db_url) < rows:
        assert process.poll() is None, f"the crawl ended first:\n{process.communicate()[1][-3000:]}"
        assert time.monotonic() < deadline, "nothing stored in 60 s"
        time.sleep(0.05)


@pytest.mark.slow
def test_downloads_go_on_while_the_archive_is_locked_and_every_article_is_stored_once(tmp_path):
    """A 3 s lock mid-crawl: requests keep completing, no timeout, every article stored exactly once."""
    articles, lock = 200, 3.0
    path = tmp_path / "harvest.sqlite3"
    db_url = f"sqlite:///{path}"
    with replica("--articles", str(articles), "--end-date", END, "--latency", "0.05") as info:
        # DOWNLOAD_TIMEOUT below the lock: a reactor stalled by the lock would time requests out.
        command = crawl_command(db_url, info, *QUICK_LOCKS, "-s", "DOWNLOAD_TIMEOUT=2",
                                "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")  # fmt: skip
        process = start(command)
        wait_for_rows(process, db_url, 10)
        other = hold_write_lock(path, None)
        locked_at = time.time()
        time.sleep(lock)
        assert process.poll() is None, "the crawl ended during the lock: the test proves nothing"
        other.commit()
        released_at = time.time()
        other.close()
        _, stderr = process.communicate(timeout=120)
        log = request_log(info)
    assert process.returncode == 0, stderr[-3000:]
    assert "retrying the batch" in stderr, "the lock was never met: the test proves nothing"
    answered = [entry["t"] for entry in log]
    # In the second half of the lock: a reactor frozen by it (storage waiting on the reactor) has
    # nothing answered there, only before its first write blocks and after the lock.
    during = sum(locked_at <= t < released_at for t in answered)
    late = sum(locked_at + lock / 2 <= t < released_at for t in answered)
    # Measured: 9-12 in the second half on an idle machine, 1 once under a parallel test run (the
    # answers come in bursts on a busy machine); 0 with storage on the reactor.
    assert during >= 3, f"only {during} requests answered during the {lock:.0f} s lock"
    assert late >= 1, f"no request answered in the last {lock / 2:.1f} s of the lock"
    assert any(t >= released_at for t in answered), "the crawl did not go on after the lock"
    assert "harvest/errors/timeout" not in stderr
    assert "'finish_reason': 'finished'" in stderr
    urls = stored(db_url)
    assert len(urls) == len(set(urls)) and set(urls) == news_urls(info, articles)
    assert f"'harvest/storage/new': {len(urls)}," in stderr, "stored and counted differ"
    runs = query(db_url, "SELECT finish_reason, articles_new FROM crawl_runs")
    assert runs == [("finished", len(urls))]


@pytest.mark.slow
def test_a_lock_that_outlasts_the_retries_stops_the_crawl_and_the_next_one_completes(tmp_path):
    articles = 300
    path = tmp_path / "harvest.sqlite3"
    db_url = f"sqlite:///{path}"
    with replica("--articles", str(articles), "--end-date", END, "--latency", "0.05") as info:
        command = crawl_command(db_url, info, *QUICK_LOCKS, "-s", "HARVEST_DB_LOCKED_RETRIES=1",
                                "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")  # fmt: skip
        process = start(command)
        wait_for_rows(process, db_url, 5)
        other = hold_write_lock(path, None)
        _, stderr = process.communicate(timeout=120)
        other.rollback()
        other.close()
        assert "Stopping the crawl: the archive" in stderr and "is locked by another writer" in stderr
        assert "'finish_reason': 'storage_failed'" in stderr
        assert "harvest/storage/failed/locked" in stderr
        assert "were not stored because the archive" in stderr
        assert "Traceback" not in stderr, stderr[-3000:]
        first = stored(db_url)
        assert len(first) % 5 == 0, "half a batch was written"

        again = crawl(db_url, info)
        assert again.returncode == 0, again.stderr[-3000:]
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
        first = crawl(db_url, info, *full, *SLOW)
        assert "Stopping the crawl: the archive" in first.stderr and "is full" in first.stderr
        assert "'finish_reason': 'storage_failed'" in first.stderr
        assert "were not stored because the archive" in first.stderr
        assert "Traceback" not in first.stderr, first.stderr[-3000:]
        written = stored(db_url)
        assert len(written) % 5 == 0, "half a batch was written"
        assert query(db_url, "SELECT count(*) FROM raw_pages")[0][0] == len(written)

        again = crawl(db_url, info)
        assert again.returncode == 0, again.stderr[-3000:]
    assert set(stored(db_url)) == news_urls(info, 60)


@pytest.mark.slow
def test_a_read_only_harvest_stops_cleanly_and_the_next_one_fetches_everything(tmp_path):
    path = tmp_path / "harvest.sqlite3"
    make_engine(f"sqlite:///{path}").dispose()
    with replica("--articles", str(ARTICLES), "--end-date", END, "--latency", "0.05") as info:
        first = crawl(f"sqlite:///file:{path}?mode=ro&uri=true", info, *SLOW)
        assert "Stopping the crawl: the archive" in first.stderr and "is read-only" in first.stderr
        assert "'finish_reason': 'storage_failed'" in first.stderr
        assert "were not stored because the archive" in first.stderr
        assert "Traceback" not in first.stderr, first.stderr[-3000:]
        assert query(f"sqlite:///{path}", "SELECT count(*) FROM articles") == [(0,)]
        assert not (ROOT / "file:").exists()

        second = crawl(f"sqlite:///{path}", info)
        assert second.returncode == 0, second.stderr[-3000:]
    assert set(stored(f"sqlite:///{path}")) == news_urls(info, ARTICLES)


def test_a_database_from_a_newer_version_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE articles ADD COLUMN lang TEXT NOT NULL DEFAULT 'zh'")
    engine.dispose()
    with pytest.raises(NewerSchema, match=r"articles has columns lang .* made by a newer version"):
        make_engine(url)


@pytest.mark.slow
def test_a_full_writer_pauses_downloads_and_loses_nothing(tmp_path):
    """HARVEST_STORE_QUEUE=10 and a 2 s lock: items wait, downloads pause, then all goes on."""
    articles = 120
    path = tmp_path / "harvest.sqlite3"
    db_url = f"sqlite:///{path}"
    with replica("--articles", str(articles), "--end-date", END, "--latency", "0.02") as info:
        command = crawl_command(db_url, info, *QUICK_LOCKS, "-s", "HARVEST_STORE_QUEUE=10",
                                "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")  # fmt: skip
        process = start(command)
        wait_for_rows(process, db_url, 5)
        other = hold_write_lock(path, 2.0)
        _, stderr = process.communicate(timeout=120)
        other.close()
    assert process.returncode == 0, stderr[-3000:]
    assert "Storage is behind" in stderr and "downloads are paused" in stderr
    assert "Storage caught up" in stderr
    assert "harvest/storage/waited" in stderr
    urls = stored(db_url)
    assert len(urls) == len(set(urls)) and set(urls) == news_urls(info, articles)
    assert f"'harvest/storage/new': {len(urls)}," in stderr


@pytest.mark.slow
def test_sigterm_during_a_lock_writes_what_storage_was_given_then_the_next_crawl_completes(tmp_path):
    articles = 200
    path = tmp_path / "harvest.sqlite3"
    db_url = f"sqlite:///{path}"
    with replica("--articles", str(articles), "--end-date", END, "--latency", "0.05") as info:
        command = crawl_command(db_url, info, *QUICK_LOCKS, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")
        process = start(command)
        wait_for_rows(process, db_url, 10)
        other = hold_write_lock(path, None)
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        time.sleep(1.5)
        other.commit()
        other.close()
        _, stderr = process.communicate(timeout=120)
        assert "'finish_reason': 'shutdown'" in stderr
        assert "retrying the batch" in stderr, "the lock was never met: the test proves nothing"
        assert "were not stored" not in stderr and "Traceback" not in stderr, stderr[-3000:]
        urls = stored(db_url)
        assert 10 <= len(urls) < len(news_urls(info, articles)), "the crawl was not stopped mid-way"
        assert f"'harvest/storage/new': {len(urls)}," in stderr, "stored and counted differ"
        runs = query(db_url, "SELECT finish_reason, articles_new FROM crawl_runs")
        assert runs == [("shutdown", len(urls))]

        again = crawl(db_url, info)
        assert again.returncode == 0, again.stderr[-3000:]
    urls = stored(db_url)
    assert len(urls) == len(set(urls)) and set(urls) == news_urls(info, articles)
