"""Killed mid-run (SIGKILL) or stopped (SIGTERM), a harvest loses nothing it can't redo."""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import date

import pytest

from crawler.db.store import content_sha256
from replica.site import build_site
from tests.conftest import ROOT
from tests.harvest.replica import (
    db_url_in,
    harvest_command,
    harvest_in_process,
    query,
    replica,
    url_of,
)

pytestmark = pytest.mark.slow

ARTICLES, END = 300, date(2026, 10, 30)
# Small batches and a slow replica, so the harvest is surely mid-way when it is stopped.
SLOW = ("-s", "HARVEST_DB_BATCH_SIZE=10", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")
SINCE = min(build_site(ARTICLES, END).issue_days).isoformat()


def start_and_stop(db_url: str, info: dict, how: signal.Signals) -> subprocess.Popen:
    """Start `scrapy harvest --once`, wait until some articles are stored, send `how`."""
    command = [*harvest_command(db_url, info, "--once", since=SINCE), *SLOW]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.2)
        assert process.poll() is None, f"the harvest ended before it was stopped:\n{process.stderr.read()}"
        try:
            stored = query(db_url, "SELECT count(*) FROM articles")[0][0]
        except Exception as error:  # noqa: BLE001 - the tables may not exist yet
            stored = 0 if "no such table" in str(error) else pytest.fail(str(error))
        if stored >= 30:
            break
    process.send_signal(how)
    process.communicate(timeout=120)
    return process


def assert_archive_matches_replica(db_url: str, info: dict) -> None:
    site = build_site(ARTICLES, END)
    expected = {url_of(info, e) for e in site.articles()}
    rows = query(db_url, "SELECT url, title, subtitle, body, content_sha256, raw_page_id FROM articles")
    urls = [row[0] for row in rows]
    assert len(urls) == len(set(urls)), "an article is stored twice"
    assert set(urls) == expected
    raw_ids = {row[0] for row in query(db_url, "SELECT id FROM raw_pages")}
    for url, title, subtitle, body, sha, raw_page_id in rows:
        assert title and body, f"half-written row {url}"
        assert sha == content_sha256(title, subtitle, body), f"fingerprint does not match the text: {url}"
        assert raw_page_id in raw_ids, f"{url}: raw page missing"


def test_sigkill_mid_run_then_rerun_completes_the_archive(tmp_path):
    db_url = db_url_in(tmp_path)
    with replica("--articles", str(ARTICLES), "--end-date", END.isoformat(), "--latency", "0.03") as info:
        killed = start_and_stop(db_url, info, signal.SIGKILL)
        assert killed.returncode == -signal.SIGKILL
        runs = query(db_url, "SELECT spider, finished_at, finish_reason FROM crawl_runs ORDER BY id")
        assert {spider for spider, *_ in runs} <= {"xcgb_news", "xcgb_epaper"} and runs
        assert all(finished is None and reason is None for _, finished, reason in runs)
        stored_before = query(db_url, "SELECT count(*) FROM articles")[0][0]
        assert 0 < stored_before < len(build_site(ARTICLES, END).articles())

        harvest_in_process(db_url, info, since=SINCE)  # what it does, not the process, is tested
        assert_archive_matches_replica(db_url, info)
        runs = query(db_url, "SELECT finish_reason FROM crawl_runs ORDER BY id")
        assert [reason for (reason,) in runs[-2:]] == ["finished", "finished"]
        assert (
            query(db_url, "SELECT count(*) FROM crawl_runs WHERE finished_at IS NULL")[0][0] == len(runs) - 2
        )


def test_sigterm_finishes_the_open_batch_and_records_shutdown(tmp_path):
    db_url = db_url_in(tmp_path)
    with replica("--articles", str(ARTICLES), "--end-date", END.isoformat(), "--latency", "0.03") as info:
        stopped = start_and_stop(db_url, info, signal.SIGTERM)
        assert stopped.returncode == 1  # a spider did not finish by itself
        runs = query(db_url, "SELECT finish_reason, finished_at, clean, articles_new FROM crawl_runs")
        assert runs and all(reason == "shutdown" and finished is not None for reason, finished, *_ in runs)
        assert not any(clean for _, _, clean, _ in runs)
        stored = query(db_url, "SELECT count(*) FROM articles")[0][0]
        assert stored == sum(new for *_, new in runs), "every article handed to storage was written"

        harvest_in_process(db_url, info, since=SINCE)  # what it does, not the process, is tested
        assert_archive_matches_replica(db_url, info)
