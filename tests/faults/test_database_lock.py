"""A database locked by another writer during a real crawl, for less time than the retries.

Storage writes on the archive's writer thread (crawler.archive): a locked archive is waited for
there (busy timeout, then the batch retried after pauses) while downloads go on; a writer with a
full queue pauses downloads until it catches up; a SIGTERM meanwhile writes what storage was
given. Nothing is lost, nothing is stored twice. The crawls run in this process
(tests/crawling.py) but the one stopped by a signal, which is a `scrapy crawl` of its own.
"""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from crawler.db import make_engine
from tests.conftest import ROOT
from tests.faults.storage import (
    END,
    QUICK_LOCKS,
    SLOW,
    crawl_command,
    hold_write_lock,
    news_crawl,
    news_urls,
    start_news_crawl,
    stored,
    wait_for_rows,
)
from tests.harvest.replica import query, replica, request_log

pytestmark = pytest.mark.slow


def test_downloads_go_on_while_the_archive_is_locked_and_every_article_is_stored_once(tmp_path):
    """A 3 s lock mid-crawl: requests keep completing, no timeout, every article stored exactly once."""
    articles, lock = 300, 3.0  # ~190 pages at up to ~40 answers a second: longer than the lock
    path = tmp_path / "harvest.sqlite3"
    db_url = f"sqlite:///{path}"
    make_engine(db_url).dispose()  # the schema made beforehand: the first rows are not long behind the pages
    with replica("--articles", str(articles), "--end-date", END, "--latency", "0.05") as info:
        # DOWNLOAD_TIMEOUT below the lock: a reactor stalled by the lock would time requests out.
        crawling = start_news_crawl(db_url, info, *QUICK_LOCKS, "-s", "DOWNLOAD_TIMEOUT=2", *SLOW)
        wait_for_rows(crawling.running, crawling.log, db_url, 10)
        other = hold_write_lock(path, None)
        locked_at = time.time()
        time.sleep(lock)
        assert crawling.running(), "the crawl ended during the lock: the test proves nothing"
        other.commit()
        released_at = time.time()
        other.close()
        [crawled] = crawling.wait()
        log = request_log(info)
    assert not crawled.failures(), crawled.log[-3000:]
    assert "retrying the batch" in crawled.log, "the lock was never met: the test proves nothing"
    answered = [entry["t"] for entry in log]
    # In the second half of the lock: a reactor frozen by it (storage waiting on the reactor) has
    # nothing answered there, only before its first write blocks and after the lock.
    during = sum(locked_at <= t < released_at for t in answered)
    late = sum(locked_at + lock / 2 <= t < released_at for t in answered)
    # Measured: 9-12 in the second half on an idle machine, 1 once under a parallel test run (the
    # answers come in bursts on a busy machine); 0 with storage on the reactor.
    assert during >= 3, f"only {during} requests answered during the {lock:.0f} s lock"
    assert late >= 1, f"no request answered in the last {lock / 2:.1f} s of the lock"
    # The lock began mid-crawl. Whether downloads are left for after it varies (answers come in
    # bursts: 0 to 76 after it, 40 to 110 during it, measured): all of them done inside the lock is
    # the behaviour this test asks for, not a failure of it.
    assert any(t < locked_at for t in answered), "the lock began before the crawl: the test proves nothing"
    assert "harvest/errors/timeout" not in crawled.stats
    assert crawled.stats["finish_reason"] == "finished"
    urls = stored(db_url)
    assert len(urls) == len(set(urls)) and set(urls) == news_urls(info, articles)
    assert crawled.stats["harvest/storage/new"] == len(urls), "stored and counted differ"
    runs = query(db_url, "SELECT finish_reason, articles_new FROM crawl_runs")
    assert runs == [("finished", len(urls))]


def test_a_full_writer_pauses_downloads_and_loses_nothing(tmp_path):
    """HARVEST_STORE_QUEUE=10 and a 2 s lock: items wait, downloads pause, then all goes on."""
    articles = 120
    path = tmp_path / "harvest.sqlite3"
    db_url = f"sqlite:///{path}"
    with replica("--articles", str(articles), "--end-date", END, "--latency", "0.02") as info:
        crawling = start_news_crawl(db_url, info, *QUICK_LOCKS, "-s", "HARVEST_STORE_QUEUE=10", *SLOW)
        wait_for_rows(crawling.running, crawling.log, db_url, 5)
        other = hold_write_lock(path, 2.0)
        [crawled] = crawling.wait()
        other.close()
    assert not crawled.failures(), crawled.log[-3000:]
    assert "Storage is behind" in crawled.log and "downloads are paused" in crawled.log
    assert "Storage caught up" in crawled.log
    assert "harvest/storage/waited" in crawled.stats
    urls = stored(db_url)
    assert len(urls) == len(set(urls)) and set(urls) == news_urls(info, articles)
    assert crawled.stats["harvest/storage/new"] == len(urls)


def test_sigterm_during_a_lock_writes_what_storage_was_given_then_the_next_crawl_completes(tmp_path):
    articles = 200
    path = tmp_path / "harvest.sqlite3"
    db_url = f"sqlite:///{path}"
    with replica("--articles", str(articles), "--end-date", END, "--latency", "0.05") as info:
        command = crawl_command(db_url, info, *QUICK_LOCKS, *SLOW)
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        wait_for_rows(lambda: process.poll() is None, lambda: process.communicate()[1], db_url, 10)
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

        again = news_crawl(db_url, info)
        assert not again.failures(), again.log[-3000:]
    urls = stored(db_url)
    assert len(urls) == len(set(urls)) and set(urls) == news_urls(info, articles)
