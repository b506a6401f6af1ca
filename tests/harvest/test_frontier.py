"""Worker processes sharing one frontier in Redis store every article exactly once, sooner.

Needs HARVEST_TEST_REDIS_URL and HARVEST_TEST_POSTGRES_URL (see tests/conftest.py). The
replica here has 200 stories (HARVEST_TEST_FRONTIER_ARTICLES=1500 for the figures of
docs/scale-out.md) and answers each request after LATENCY seconds, as a
real site does, so a crawl waits on the network rather than on this machine's two cores;
no politeness delay (DOWNLOAD_DELAY=0, no AutoThrottle), Scrapy's per-site concurrency of
the project settings. The wall times are logged (docs/scale-out.md), not asserted.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from uuid import uuid4

import pytest
from sqlalchemy import create_engine, func, select

from crawler.db import Article, CrawlRun
from crawler.demo import REPLICA_SETTINGS
from tests.conftest import REPLICA_END, ROOT
from tests.harvest.replica import replica

logger = logging.getLogger(__name__)
ARTICLES = int(os.environ.get("HARVEST_TEST_FRONTIER_ARTICLES", "200"))
LATENCY = 0.1  # s before each answer of the replica


@pytest.fixture(scope="module")
def big_replica() -> Iterator[dict]:
    with replica("--articles", str(ARTICLES), "--end-date", REPLICA_END.isoformat(),
                 "--latency", str(LATENCY)) as info:  # fmt: skip
        yield info


def worker_command(site: dict, db_url: str, frontier: str | None, key: str) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "xcgb_news",
               "-a", f"base_url={site['news']},{site['mirror']}", "-s", f"HARVEST_DB_URL={db_url}",
               "-s", "HARVEST_FRONTIER_IDLE=3", "-s", f"HARVEST_FRONTIER_KEY={key}",
               *REPLICA_SETTINGS]  # fmt: skip
    if frontier:
        command += ["-s", f"HARVEST_FRONTIER_URL={frontier}"]
    return command


def start_worker(site: dict, db_url: str, frontier: str | None, key: str = "") -> subprocess.Popen[str]:
    return subprocess.Popen(
        worker_command(site, db_url, frontier, key or f"test:{uuid4().hex[:8]}"),
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def run_workers(site: dict, db_url: str, frontier: str | None, count: int) -> tuple[float, list[str]]:
    """Start `count` workers at once and wait for all; (seconds, each worker's log)."""
    key = f"test:{uuid4().hex[:8]}"
    started = time.monotonic()
    workers = [start_worker(site, db_url, frontier, key) for _ in range(count)]
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


def fetched(log: str) -> int:
    found = re.search(r"'downloader/response_count': (\d+)", log)
    return int(found.group(1)) if found else 0


def test_two_workers_share_one_crawl_and_store_every_article_once(
    postgres_url, redis_url, big_replica, tmp_path
):  # the servers first: without them the test skips before the replica starts
    alone = f"sqlite:///{tmp_path / 'alone.sqlite3'}"
    one_worker, single_logs = run_workers(big_replica, alone, None, 1)
    single_total, expected, _ = articles(alone)
    assert single_total == len(expected) > ARTICLES / 2

    two_workers, logs = run_workers(big_replica, postgres_url, redis_url, 2)
    total, keys, runs = articles(postgres_url)
    assert keys == expected
    assert total == single_total == len(expected)  # every article exactly once
    assert runs == 2
    engine = create_engine(postgres_url)
    with engine.connect() as conn:  # both finished, clean: neither counted the other as lost
        assert set(conn.execute(select(CrawlRun.finish_reason, CrawlRun.clean))) == {("finished", True)}
    engine.dispose()
    shares = [popped(log) for log in logs]
    assert all(shares), shares  # both workers fetched pages of the one crawl
    message = (f"{len(expected)} articles: one worker {one_worker:.1f} s ({fetched(single_logs[0])} pages); "
               f"two workers sharing a frontier {two_workers:.1f} s (pages {shares})")  # fmt: skip
    logger.warning(message)
    print(message)
