"""`scrapy harvest` over a registry of sources, end to end: bad input, dead hosts, a redesign, a portal.

Each test runs `scrapy harvest` (a subprocess, as cron would) against the replica with the
test settings of tests/harvest/replica.py, into an SQLite file of its own.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from crawler.commands.stats import recent_runs, runs_text
from replica.evolution import add_articles
from replica.layouts import PORTAL_PREFIX, add_portal
from replica.model import MAIN
from replica.site import build_site
from tests.conftest import ROOT
from tests.harvest.replica import FAST, db_url_in, query, replica

pytestmark = pytest.mark.slow


def write_registry(folder: Path, text: str) -> Path:
    path = folder / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def harvest(db_url: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "harvest", *args, "-s", f"HARVEST_DB_URL={db_url}", *FAST],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def manifest(info: dict[str, Any], articles: int, end: date, *, add: int = 0, portal: int = 0) -> list[Any]:
    """The replica's articles as served (built in process, as `python -m replica serve` builds them)."""
    site = build_site(articles, end)
    add_articles(site, add, end)
    add_portal(site, portal, end)
    served = [e for e in site.manifest if e.host == MAIN]
    return [{**asdict(e), "url": f"http://127.0.0.1:{info['port']}{e.path}"} for e in served]


def runs(db_url: str) -> list[tuple[Any, ...]]:
    rows = query(db_url, "SELECT spider, finish_reason, verdict, health FROM crawl_runs ORDER BY id")
    return [(*row[:3], json.loads(row[3]) if row[3] else None) for row in rows]


def verdict_rows(stdout: str) -> dict[str, tuple[str, str]]:
    """source -> (finish reason, verdict) from the summary table."""
    lines = stdout.strip().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("spider "))
    return {cells[0]: (cells[1], cells[2]) for cells in (line.split() for line in lines[start + 2 :])}


@pytest.mark.parametrize(
    ("registry", "args", "message"),
    [
        ('[sources.a]\nkind = "discover"\nstart = ["http://a.example/"]\n', ["--source", "b"],
         "error: no source named 'b' (known: a)"),
        ('[sources.county]\nkind = "discover"\n', [], "[sources.county] start: missing"),
        ('[sources.county]\nkind = "discover"\nstart = ["http://a.example/"]\ndeny = "(("\n', [],
         "[sources.county] deny: bad regular expression '(('"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2_and_nothing_starts(tmp_path, registry, args, message):
    path = write_registry(tmp_path, registry)
    result = harvest(db_url_in(tmp_path), "--once", "--sources", str(path), *args)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr
    assert not (tmp_path / "harvest.sqlite3").exists(), "nothing started"


def refused_port() -> int:
    """A port on 127.0.0.1 nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_dead_hosts_fail_fast_and_the_harvest_exits_non_zero(tmp_path):
    path = write_registry(
        tmp_path,
        '[sources.gone_county]\nkind = "discover"\nstart = ["http://www.county-portal.invalid/xwzx/"]\n'
        f'[sources.closed_paper]\nkind = "cms_list"\nstart = ["http://127.0.0.1:{refused_port()}/"]\n',
    )
    db_url = db_url_in(tmp_path)
    began = time.monotonic()
    result = harvest(db_url, "--once", "--sources", str(path), timeout=90)
    elapsed = time.monotonic() - began
    assert result.returncode == 1, result.stderr[-2000:]
    assert elapsed < 60, f"{elapsed:.1f} s"  # the target; a few seconds on an idle machine
    assert verdict_rows(result.stdout) == {"gone_county": ("unreachable", "failed"),
                                           "closed_paper": ("unreachable", "failed")}  # fmt: skip
    recorded = {spider: (reason, verdict, health) for spider, reason, verdict, health in runs(db_url)}
    assert recorded["gone_county"][:2] == ("unreachable", "failed")
    assert recorded["gone_county"][2]["requests_failed"].keys() == {"dns"}
    assert recorded["closed_paper"][2]["requests_failed"].keys() == {"connect"}
    assert recorded["closed_paper"][2]["reasons"] == ["nothing was fetched"]
    engine = create_engine(db_url)
    with engine.connect() as conn:  # what `scrapy stats --runs` prints
        listed = runs_text(recent_runs(conn, 5)).splitlines()
    engine.dispose()
    assert listed[0].split()[:5] == ["run", "source", "started", "(UTC)", "finish"]
    assert {line.split()[1]: line.split()[4] for line in listed[2:]} == {"gone_county": "failed",
                                                                      "closed_paper": "failed"}  # fmt: skip
    assert all(line.endswith("nothing was fetched") for line in listed[2:])


def test_a_redesign_falls_back_to_discovery_keeps_the_archive_and_says_degraded(tmp_path):
    db_url = db_url_in(tmp_path)
    end = date.today()  # the newest articles are inside the re-check window
    layout = ("--articles", "30", "--end-date", end.isoformat())
    with replica(*layout) as info:
        entry = f'[sources.paper_news]\nkind = "cms_list"\nstart = ["{info["news"]}"]\n'
        path = write_registry(tmp_path, entry)
        first = harvest(db_url, "--once", "--sources", str(path))
        assert first.returncode == 0, first.stderr[-3000:]
        assert verdict_rows(first.stdout)["paper_news"] == ("finished", "ok")
        port = str(info["port"])
    stored = query(db_url, "SELECT url, content_sha256, body FROM articles")
    before = {url: (sha, body) for url, sha, body in stored}
    news = [e for e in manifest(info, 30, end) if e["site"] == "news"]
    assert set(before) == {e["url"] for e in news}

    with replica(*layout, "--add", "20", "--drift", "--port", port) as info:
        second = harvest(db_url, "--once", "--sources", str(path))
        added = [e for e in manifest(info, 30, end, add=20) if e["site"] == "news" and e["url"] not in before]
    assert second.returncode == 3, second.stderr[-3000:]  # degraded, nothing failed
    assert verdict_rows(second.stdout)["paper_news"] == ("finished", "degraded")
    assert "No article links match 'ul.list li a' on http://127.0.0.1:" in second.stderr  # the WARNING

    after = {url: (sha, title, body) for url, sha, title, body in
             query(db_url, "SELECT url, content_sha256, title, body FROM articles")}  # fmt: skip
    kept = [e for e in added if e["url"] in after]
    assert len(kept) >= 0.9 * len(added) and len(added) >= 10
    for entry in kept:  # read by the generic extractor: the same title and every paragraph
        _, title, body = after[entry["url"]]
        assert title == entry["title"] and all(p in body for p in entry["body"])
    assert all(after[url][0] == sha and after[url][2] == body for url, (sha, body) in before.items())
    assert query(db_url, "SELECT COUNT(*) FROM article_revisions") == [(0,)]
    spider, reason, verdict, health = runs(db_url)[-1]
    assert (spider, reason, verdict) == ("paper_news", "finished", "degraded")
    assert health["selector_hits"] < 0.2 and health["fallbacks"] >= 3
    assert health["reasons"][0].startswith("selectors matched")

    listing = subprocess.run(
        [sys.executable, "-m", "scrapy", "sources", "--sources", str(path), "-s", f"HARVEST_DB_URL={db_url}"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert listing.returncode == 0
    [row] = [line.split() for line in listing.stdout.splitlines() if line.startswith("paper_news")]
    assert row[1] == "cms_list" and "degraded" in row


def test_the_generic_spider_harvests_a_portal_it_has_no_profile_for(tmp_path):
    db_url = db_url_in(tmp_path)
    end = date(2026, 11, 20)
    with replica("--articles", "10", "--portal", "30", "--end-date", end.isoformat()) as info:
        start = info["portal"] + "index.html"
        path = write_registry(tmp_path, f'[sources.some_county]\nkind = "discover"\nstart = ["{start}"]\n')
        result = harvest(db_url, "--once", "--sources", str(path))
        portal = [e for e in manifest(info, 10, end, portal=30) if e["site"] == "portal"]
    assert result.returncode == 0, result.stderr[-3000:]
    stored = {url: title for url, title in query(db_url, "SELECT url, title FROM articles")}
    assert stored == {e["url"]: e["title"] for e in portal}  # no list, topic, search, about or 404 page
    assert len(portal) == 30
    assert all(PORTAL_PREFIX in url for url in stored)
    [(spider, _, verdict, health)] = runs(db_url)
    assert (spider, verdict, health["new"]) == ("some_county", "ok", 30)
    assert query(db_url, "SELECT COUNT(*) FROM articles WHERE published_at IS NULL") == [(0,)]


def test_every_logs_an_error_for_a_failed_source_and_carries_on(tmp_path):
    entry = f'[sources.closed_paper]\nkind = "cms_list"\nstart = ["http://127.0.0.1:{refused_port()}/"]\n'
    path = write_registry(tmp_path, entry)
    db_url = db_url_in(tmp_path)
    command = [sys.executable, "-m", "scrapy", "harvest", "--every", "1s", "--sources", str(path),
               "-s", f"HARVEST_DB_URL={db_url}", *FAST]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline, rounds = time.monotonic() + 60, 0
    while time.monotonic() < deadline and rounds < 2:
        time.sleep(0.3)
        with contextlib.suppress(OperationalError):  # the archive may not be made yet
            rounds = query(db_url, "SELECT count(*) FROM crawl_runs WHERE verdict = 'failed'")[0][0]
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert rounds >= 2, err[-3000:]
    assert process.returncode == 0
    assert err.count("ERROR: Source closed_paper: failed") >= 2
    assert out.count("closed_paper  unreachable  failed") >= 2
