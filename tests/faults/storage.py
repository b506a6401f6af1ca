"""Helpers of the database-fault tests: a crawl of the replica's news site, another writer's lock."""

from __future__ import annotations

import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from replica.site import build_site
from tests.crawling import Crawled, Crawling, settings_of, start_crawl
from tests.harvest.replica import FAST, query, url_of

END = "2026-11-27"
BATCH = ("-s", "HARVEST_DB_BATCH_SIZE=5")
SLOW = ("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")  # with a replica's latency: a crawl of some seconds
# A lock is waited for 0.3 s per statement, then the batch is retried after 0.3, 0.6, 1.2, 2.4 s.
QUICK_LOCKS = ("-s", "HARVEST_DB_BUSY_TIMEOUT=0.3", "-s", "HARVEST_DB_LOCKED_RETRIES=4",
               "-s", "HARVEST_DB_LOCKED_PAUSE=0.3")  # fmt: skip


def crawl_command(db_url: str, info: dict, *settings: str) -> list[str]:
    """`scrapy crawl xcgb_news` of the replica into `db_url`, for tests of the process (signals)."""
    return [sys.executable, "-m", "scrapy", "crawl", "xcgb_news", "-a", f"base_url={info['news']}", *FAST,
            "-s", f"HARVEST_DB_URL={db_url}", *BATCH, *settings]  # fmt: skip


def start_news_crawl(db_url: str, info: dict, *settings: str) -> Crawling:
    """The crawl of crawl_command, in this process, in the background."""
    overrides = {**settings_of((*FAST, *BATCH, *settings)), "HARVEST_DB_URL": db_url}
    return start_crawl("xcgb_news", overrides, base_url=info["news"])


def news_crawl(db_url: str, info: dict, *settings: str) -> Crawled:
    """The crawl of crawl_command, in this process: its stats and log."""
    [crawled] = start_news_crawl(db_url, info, *settings).wait()
    return crawled


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


def hold_write_lock(path: Any, seconds: float | None) -> sqlite3.Connection:
    """Another writer: a transaction holding the write lock (released after `seconds`, or never)."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    if seconds is not None:
        threading.Timer(seconds, other.commit).start()
    return other


def wait_for_rows(running: Callable[[], bool], said: Callable[[], str], db_url: str, rows: int) -> None:
    """Wait until the crawl (`running`, its output `said`) has stored `rows` articles."""
    deadline = time.monotonic() + 60
    while count(db_url) < rows:
        assert running(), f"the crawl ended first:\n{said()[-3000:]}"
        assert time.monotonic() < deadline, "nothing stored in 60 s"
        time.sleep(0.05)
