"""`scrapy harvest` end to end: run records, only-what-is-new, the lock, exit statuses."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from datetime import date, timedelta

import pytest

from crawler.harvest.lock import harvest_lock
from replica.site import build_site
from tests.conftest import ROOT
from tests.harvest.replica import (
    db_url_in,
    harvest_command,
    harvest_in_process,
    query,
    replica,
    request_log,
    run_harvest,
    url_of,
)

pytestmark = pytest.mark.slow

ARTICLES = 80
# A week old: no article is inside the 3-day re-check window, and the next weekly issue is due.
END = date.today() - timedelta(days=7)
WIDE = ("-s", "HARVEST_EPAPER_DAYS=60")  # the first e-paper walk reaches the replica's first issue


def is_article(path: str) -> bool:
    return "/con/" in path or "/t20" in path


def test_second_run_fetches_no_article_and_third_only_the_added(tmp_path):
    """The first and third harvests run in this process; the second is the command (its summary)."""
    db_url = db_url_in(tmp_path)
    replica_args = ("--articles", str(ARTICLES), "--end-date", END.isoformat())
    with replica(*replica_args) as info:
        harvest_in_process(db_url, info, settings=WIDE)
        expected = {url_of(info, e) for e in build_site(ARTICLES, END).articles()}
        assert {url for (url,) in query(db_url, "SELECT url FROM articles")} == expected
        seen = len(request_log(info))

        second = run_harvest(db_url, info, "--once", *WIDE)
        assert second.returncode == 0, second.stderr[-3000:]
        requests = request_log(info)[seen:]
        assert not [r["path"] for r in requests if is_article(r["path"])]
        lists = [r for r in requests if r["path"].startswith("/news/") and r["path"].count("/") == 3]
        assert lists and all(r["status"] == 304 and r["conditional"] for r in lists)
        assert "xcgb_news    finished" in second.stdout  # the summary table
        port = info["port"]

    with replica(*replica_args, "--add", "20", "--port", str(port)) as info:
        harvest_in_process(db_url, info, settings=WIDE)
        fetched = {r["path"] for r in request_log(info) if is_article(r["path"])}
        site = build_site(ARTICLES, END)
        old = {e.path for e in site.manifest}
        assert len(fetched) == 20 and not fetched & old
    runs = query(
        db_url, "SELECT spider, finish_reason, clean, articles_new, known_skipped FROM crawl_runs ORDER BY id"
    )
    assert [r[1] for r in runs] == ["finished"] * 6
    assert all(clean for _, _, clean, *_ in runs)
    assert sum(r[3] for r in runs[:2]) == len(expected)
    assert sum(r[3] for r in runs[2:4]) == 0
    assert sum(r[3] for r in runs[4:]) == 20


def test_a_second_harvest_of_the_same_database_says_so_and_exits(tmp_path, replica_server):
    db_url = db_url_in(tmp_path)
    with harvest_lock(db_url):
        result = run_harvest(db_url, {**replica_server, "port": 0}, "--once")
    assert result.returncode == 75
    assert "another harvest" in result.stderr
    assert not (tmp_path / "harvest.sqlite3").exists(), "it stopped before touching the database"


def test_a_spider_that_fails_makes_the_exit_status_non_zero(tmp_path, replica_server):
    config = json.dumps({"xcgb_epaper": {"base_url": replica_server["epaper"], "since": "2026-12-01",
                                         "until": "2026-11-01"}})  # fmt: skip
    result = subprocess.run(
        [*harvest_command(db_url_in(tmp_path), replica_server, "--once"), "-s", f"HARVEST_SPIDERS={config}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr[-2000:]


def test_unknown_spider_is_a_usage_error(tmp_path, replica_server):
    result = run_harvest(db_url_in(tmp_path), replica_server, "--once", "--spider", "nope")
    assert result.returncode == 2
    assert "no spider named 'nope'" in result.stderr


def test_every_runs_again_until_stopped(tmp_path):
    db_url = db_url_in(tmp_path)
    with replica("--articles", "30", "--end-date", END.isoformat()) as info:
        command = harvest_command(db_url, info, "--every", "1s", "--spider", "xcgb_news")
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 90
        finished = 0
        while time.monotonic() < deadline and finished < 2:
            time.sleep(0.3)
            try:
                finished = query(db_url, "SELECT count(*) FROM crawl_runs WHERE finish_reason = 'finished'")[
                    0
                ][0]
            except Exception:  # noqa: BLE001 - the tables may not exist yet
                finished = 0
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert finished >= 2, err[-3000:]
    assert process.returncode == 0
    assert "Next harvest at" in err
    assert out.count("xcgb_news") >= 2  # a summary after every run
