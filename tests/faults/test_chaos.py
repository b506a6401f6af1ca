"""A hostile replica: faults on 30 % of the article pages and two crawl traps, harvested end to end.

The same site is harvested clean and faulty. The faulty harvest must finish, store every
healthy article exactly as the clean one did, store nothing of a faulty page, count each fault
under the kind the replica's plan says (crawl_runs and stats alike), and stay within the
memory of the benchmarks (300 MB peak RSS) although it meets a 20 MB page, an 8 MB page and
10,000 nested <div>.

The clean harvest runs in the test process (tests/crawling.py); the faulty one is a `scrapy
harvest --once` process, whose exit status and own peak memory are asserted.
"""

from __future__ import annotations

import json
import re
import subprocess
import unicodedata
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from replica.faults import PAGE_FAULTS, plan_faults
from replica.model import MAIN
from replica.site import build_site
from replica.traps import add_traps
from tests.conftest import ROOT
from tests.crawling import harvest
from tests.harvest.replica import (
    db_url_in,
    harvest_command,
    harvest_settings,
    query,
    replica,
)

pytestmark = pytest.mark.slow

ARTICLES, END = 40, date(2026, 11, 27)
RATE, SEED = 0.3, 7
PEAK_RSS_MB = 300  # the benchmarks' limit
PEAK_STAT = re.compile(r"'harvest/memory/peak_rss_mb': ([0-9.]+)")
# Faults must not make the test slow: a stalled page times out in 2 s, and is retried once.
QUICK = ("-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=1")
FIELDS = "url, title, subtitle, body, published_at, source, author, editor, edition, content_sha256"


def faulty_site():
    site = build_site(ARTICLES, END)
    plan_faults(site, RATE, SEED)
    add_traps(site)
    return site


def harvest_clean(db_url: str, info: dict, since: str) -> tuple[list[str], str]:
    """`scrapy harvest --once` of both spiders in this process: why it would not exit 0 (or []), its log."""
    crawled = harvest(harvest_settings(db_url, info, *QUICK, since=since))
    return [problem for run in crawled for problem in run.harvest_failures()], crawled[0].log


def harvest_process(db_url: str, info: dict, since: str, log: Path) -> tuple[int, float]:
    """`scrapy harvest --once` of both spiders, its log to `log`; its exit status and peak RSS (MB)."""
    command = [*harvest_command(db_url, info, "--once", since=since), *QUICK]
    with log.open("w") as stderr:
        code = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr).returncode
    # The crawl's own peak (VmHWM), not wait4's ru_maxrss, which carries pytest's peak over exec.
    peaks = [float(found) for found in PEAK_STAT.findall(log.read_text("utf-8"))]
    return code, max(peaks, default=0.0)


def rows_by_path(db_url: str) -> dict[tuple[str, str], tuple]:
    found = {}
    for row in query(db_url, f"SELECT {FIELDS} FROM articles"):
        host, path = row[0].split("://", 1)[1].split("/", 1)
        found[("main" if host.startswith("127.0.0.1") else "mirror", "/" + path)] = row[1:]
    return found


@pytest.fixture(scope="module")
def harvests(tmp_path_factory):
    """The clean harvest and the faulty one of the same site: databases, exit codes, logs, RSS."""
    folder = tmp_path_factory.mktemp("chaos")
    site = faulty_site()
    since = min(site.issue_days).isoformat()
    common = ("--articles", str(ARTICLES), "--end-date", END.isoformat())
    found = {"site": site, "clean": db_url_in(folder / "clean"), "faulty": db_url_in(folder / "faulty")}
    (folder / "clean").mkdir()
    (folder / "faulty").mkdir()
    with replica(*common) as info:
        found["clean_failures"], found["clean_log"] = harvest_clean(found["clean"], info, since)
    with replica(*common, "--chaos", str(RATE), "--chaos-seed", str(SEED), "--traps") as info:
        assert info["expected_errors"] == site.expected_errors(), "the replica planned other faults"
        faulty = harvest_process(found["faulty"], info, since, folder / "faulty.log")
        found["faulty_exit"], found["rss"] = faulty
    found["port"] = info["port"]
    found["log"] = (folder / "faulty.log").read_text("utf-8")
    return found


def test_the_plan_has_every_fault_on_30_percent_of_the_pages():
    site = faulty_site()
    pages = [f for f in site.faults.values() if f.fault in PAGE_FAULTS]
    assert {f.fault for f in pages} == set(PAGE_FAULTS)
    assert len(pages) == round(RATE * len(site.articles()))


def test_both_harvests_finish(harvests):
    assert harvests["clean_failures"] == [], harvests["clean_log"][-3000:]
    assert harvests["faulty_exit"] == 0, harvests["log"][-3000:]
    runs = query(harvests["faulty"], "SELECT spider, finish_reason FROM crawl_runs")
    assert sorted(runs) == [("xcgb_epaper", "finished"), ("xcgb_news", "finished")]


def test_every_healthy_article_is_stored_as_in_the_clean_harvest(harvests):
    site = harvests["site"]
    clean, faulty = rows_by_path(harvests["clean"]), rows_by_path(harvests["faulty"])
    assert set(clean) == {(e.host, e.path) for e in site.articles()}
    healthy = {(e.host, e.path) for e in site.articles()} - set(site.faults)
    assert set(faulty) == healthy, "a faulty page was stored, or a healthy one was lost"
    for key in healthy:
        assert faulty[key] == clean[key], f"{key} differs from the clean harvest"


def test_nothing_stored_holds_garbage(harvests):
    for title, subtitle, body in query(harvests["faulty"], "SELECT title, subtitle, body FROM articles"):
        text = f"{title}\n{subtitle or ''}\n{body}"
        assert "\ufffd" not in text
        assert not any(unicodedata.category(c) in ("Cc", "Cs", "Co") and c != "\n" for c in text)


def test_fault_counts_match_what_the_replica_injected(harvests):
    expected = harvests["site"].expected_errors()
    recorded: Counter[str] = Counter()
    for (dropped,) in query(harvests["faulty"], "SELECT dropped FROM crawl_runs"):
        for key, count in json.loads(dropped).items():
            if key.startswith("errors/"):
                recorded[key.removeprefix("errors/")] += count
    assert dict(sorted(recorded.items())) == expected
    clean_errors = query(harvests["clean"], "SELECT dropped FROM crawl_runs")
    assert not any(k.startswith("errors/") for (d,) in clean_errors for k in json.loads(d))


def test_each_faulty_page_is_logged_once_with_its_url(harvests):
    # Scrapy adds a one-time hint to the first data loss of a crawl; that is not a second report.
    log = [line for line in harvests["log"].splitlines() if "Got data loss in" not in line]
    for fault in harvests["site"].faults.values():
        if fault.fault == "endless_list":
            continue  # one walk: its line names the channel (below)
        host = "127.0.0.1" if fault.host == MAIN else "127.0.0.2"
        url = f"http://{host}:{harvests['port']}{fault.path}"
        lines = [line for line in log if url in line and (" WARNING: " in line or " ERROR: " in line)]
        assert len(lines) == 1, f"{fault.fault} {url}: {lines}"
    assert sum("(pagination_trap)" in line for line in log) == 1


def test_memory_stays_bounded(harvests):
    assert 0 < harvests["rss"] < PEAK_RSS_MB
