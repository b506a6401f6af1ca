"""Worker processes sharing one frontier in Redis store every article exactly once.

Needs HARVEST_TEST_REDIS_URL and HARVEST_TEST_POSTGRES_URL (see tests/conftest.py). Each
worker keeps a polite DOWNLOAD_DELAY, as on the real sites: what a second worker adds is a
second polite fetcher (the site sees twice the rate).
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import time

from sqlalchemy import create_engine, func, select

from crawler.db import Article, CrawlRun
from crawler.demo import REPLICA_SETTINGS
from tests.conftest import ROOT

logger = logging.getLogger(__name__)
DELAY = 0.2  # s between requests of one worker


def start_worker(replica: dict, db_url: str, frontier: str | None) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "xcgb_news",
               "-a", f"base_url={replica['news']},{replica['mirror']}", "-s", f"HARVEST_DB_URL={db_url}",
               "-s", "HARVEST_FRONTIER_IDLE=3", *REPLICA_SETTINGS,
               "-s", f"DOWNLOAD_DELAY={DELAY}"]  # fmt: skip
    if frontier:
        command += ["-s", f"HARVEST_FRONTIER_URL={frontier}"]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def run_workers(replica: dict, db_url: str, frontier: str | None, count: int) -> tuple[float, list[str]]:
    """Start `count` workers at once and wait for all; (seconds, each worker's log)."""
    started = time.monotonic()
    workers = [start_worker(replica, db_url, frontier) for _ in range(count)]
    logs = [worker.communicate(timeout=300)[1] for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * count, logs[0][-3000:]
    return time.monotonic() - started, logs


def articles(db_url: str) -> tuple[int, set[str], int]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(Article)) or 0
        keys = set(conn.scalars(select(Article.canonical_url)))
        runs = conn.scalar(select(func.count()).select_from(CrawlRun)) or 0
    engine.dispose()
    return total, keys, runs


def popped(log: str) -> int:
    found = re.search(r"'harvest/frontier/popped': (\d+)", log)
    return int(found.group(1)) if found else 0


def test_two_workers_share_one_crawl_and_store_every_article_once(
    replica_server, postgres_url, redis_url, tmp_path
):
    alone = f"sqlite:///{tmp_path / 'alone.sqlite3'}"
    one_worker, _ = run_workers(replica_server, alone, None, 1)
    single_total, expected, _ = articles(alone)

    two_workers, logs = run_workers(replica_server, postgres_url, redis_url, 2)
    total, keys, runs = articles(postgres_url)
    assert keys == expected
    assert total == single_total == len(expected)  # every article exactly once
    assert runs == 2
    shares = [popped(log) for log in logs]
    assert all(shares), shares  # both workers fetched pages of the one crawl
    logger.warning("one worker %.1f s; two workers sharing a frontier %.1f s (pages %s)",
                   one_worker, two_workers, shares)  # fmt: skip
