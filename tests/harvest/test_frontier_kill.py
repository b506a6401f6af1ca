"""A worker of a shared crawl killed with SIGKILL: the others finish, the next harvest fills the gap.

Needs HARVEST_TEST_REDIS_URL and HARVEST_TEST_POSTGRES_URL (see tests/conftest.py). The killed
worker's popped requests are lost to the shared crawl (their fingerprints are in the seen-set);
the surviving worker stops once the killed one's marks run out (HARVEST_FRONTIER_IDLE), and a
plain `scrapy harvest` of the same archive afterwards stores what is missing, each article once.
A worker killed between two pages (live, not busy: its storage stage may still hold articles)
is waited for and counted as lost all the same.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from uuid import uuid4

import redis

from replica.site import build_site
from tests.conftest import REPLICA_END, ROOT
from tests.harvest.replica import query, replica, run_harvest, url_of
from tests.harvest.test_frontier import start_worker, worker_command

ARTICLES = 300
LATENCY = 0.05  # s before each answer: the crawl lasts long enough to be cut


def test_a_killed_worker_leaves_gaps_the_next_harvest_fills(postgres_url, redis_url):
    key = f"test:kill:{uuid4().hex[:8]}"
    with replica("--articles", str(ARTICLES), "--end-date", REPLICA_END.isoformat(),
                 "--latency", str(LATENCY)) as info:  # fmt: skip
        expected = {
            url_of(info, e) for e in build_site(ARTICLES, REPLICA_END).articles() if e.site != "epaper"
        }
        victim, survivor = (start_worker(info, postgres_url, redis_url, key) for _ in range(2))
        deadline = time.monotonic() + 60
        stored = 0
        while stored < len(expected) // 4:  # mid-crawl: a quarter stored
            assert time.monotonic() < deadline and victim.poll() is None, "the crawl ended before the kill"
            time.sleep(0.2)
            stored = (
                query(postgres_url, "SELECT count(*) FROM articles")[0][0] if _has_table(postgres_url) else 0
            )
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=10)
        _, log = survivor.communicate(timeout=60)
        assert survivor.returncode == 0, log[-3000:]
        after_crawl = query(postgres_url, "SELECT count(*) FROM articles")[0][0]

        result = run_harvest(postgres_url, info, "--once", "--spider", "xcgb_news")
        assert result.returncode == 0, result.stderr[-3000:]

    urls = Counter(url for (url,) in query(postgres_url, "SELECT url FROM articles"))
    assert set(urls) == expected
    assert set(urls.values()) == {1}  # each article exactly once
    runs = query(postgres_url, "SELECT pid, finish_reason, finished_at, clean FROM crawl_runs ORDER BY id")
    killed = [run for run in runs if run[0] == victim.pid]
    assert len(killed) == 1 and killed[0][1] is None and killed[0][2] is None, runs  # unfinished
    survivors = [run[1:] for run in runs if run[0] != victim.pid]
    assert [reason for reason, *_ in survivors] == ["finished", "finished"], runs
    assert not survivors[0][2], "the survivor's run is not clean: the crawl lost a worker"
    assert survivors[1][2], runs
    print(f"stored before the kill {stored}, after the crawl {after_crawl}, after the harvest {len(urls)}")


def _has_table(db_url: str) -> bool:
    return bool(query(db_url, "SELECT 1 FROM information_schema.tables WHERE table_name = 'articles'"))


def test_a_worker_killed_between_two_pages_is_waited_for_and_makes_the_run_unclean(
    redis_url, replica_server, tmp_path
):
    """What Redis holds after a worker was killed while idle: a live mark, neither busy nor done.

    The test keeps that "ghost" alive, as its heartbeat would have, until the real worker has
    crawled and marked itself done (waiting for the ghost), then lets it run out, which takes
    3 s however long the crawl took on a loaded machine. With a batch larger than the crawl,
    every article sits in the storage stage's open batch until the crawl is idle: a worker
    marks itself done only once they are written, so a done worker killed then loses nothing.
    """
    key = f"test:ghost:{uuid4().hex[:8]}"
    ghost = "ghost-host:1:0badc0de"
    server = redis.Redis.from_url(redis_url)
    workers, done = f"{key}:xcgb_news:workers", f"{key}:xcgb_news:done"
    server.zadd(workers, {ghost: time.time() + 3})
    db_url = f"sqlite:///{tmp_path / 'harvest.sqlite3'}"
    command = [*worker_command(replica_server, db_url, redis_url, key), "-s", "HARVEST_DB_BATCH_SIZE=1000"]
    log_path = tmp_path / "worker.log"
    stored_when_done = None
    with log_path.open("w") as log_file:
        worker = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log_file)
        deadline = time.monotonic() + 120
        while worker.poll() is None and time.monotonic() < deadline:
            if stored_when_done is None and server.zcard(done):  # the worker is done, the ghost is not
                stored_when_done = query(db_url, "SELECT count(*) FROM articles")[0][0]
            if stored_when_done is None:
                server.zadd(workers, {ghost: time.time() + 3})
            time.sleep(0.1)
        if worker.poll() is None:  # never done: the assertions below say so, no process is left behind
            worker.kill()
        worker.wait(timeout=10)
    log = log_path.read_text("utf-8")
    assert worker.returncode == 0, log[-3000:]
    assert f"Shared frontier: waiting for worker {ghost} to finish" in log
    assert f"Shared frontier: worker {ghost} stopped without closing" in log
    assert "a worker of this crawl died; the crawl is not complete" in log
    [(reason, clean)] = query(db_url, "SELECT finish_reason, clean FROM crawl_runs")
    assert reason == "finished" and not clean  # so the next harvest walks every list again
    stored = query(db_url, "SELECT count(*) FROM articles")[0][0]
    assert stored > 0 and stored_when_done == stored  # all written before it said it was done
