"""Politeness against a misbehaving replica: Retry-After, backoff on 5xx and resets, our User-Agent."""

from __future__ import annotations

import importlib.util
from datetime import date
from types import ModuleType

import pytest

import crawler.settings
from replica.site import build_site
from tests.harvest.replica import (
    db_url_in,
    harvest_in_process,
    query,
    replica,
    request_log,
    url_of,
)

pytestmark = pytest.mark.slow

ARTICLES, END = 40, date(2026, 11, 27)


def fresh_settings() -> ModuleType:
    """crawler/settings.py run again, reading the environment as a new `scrapy` process would."""
    spec = importlib.util.spec_from_file_location("fresh_settings", crawler.settings.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_faults_are_retried_politely_and_nothing_is_lost(tmp_path, monkeypatch):
    site = build_site(ARTICLES, END)
    news = [e for e in site.articles("news") if e.host == "main"]
    flaky_500, reset, busy_503 = news[3].path, news[5].path, news[7].path
    faults = f"429:/news/index.html:1,503:{busy_503}:1,500:{flaky_500}:2,reset:{reset}:1"
    db_url = db_url_in(tmp_path)
    with replica("--articles", str(ARTICLES), "--end-date", END.isoformat(), "--faults", faults,
                 "--retry-after", "2") as info:  # fmt: skip
        monkeypatch.setenv("HARVEST_CONTACT", "archive@example.org")
        contact = fresh_settings()  # the User-Agent a harvest started with HARVEST_CONTACT gets
        harvest_in_process(db_url, info, "xcgb_news", timeout=180, HARVEST_CONTACT=contact.HARVEST_CONTACT,
                           USER_AGENT=contact.USER_AGENT)  # fmt: skip
        log = request_log(info)

    def times(path: str) -> list[tuple[float, int]]:
        return [(r["t"], r["status"]) for r in log if r["path"] == path and r["host"] == "main"]

    # 429 and 503 with Retry-After: 2 -> the retry waits at least 2 s.
    for path, status in (("/news/index.html", 429), (busy_503, 503)):
        (t_fault, s_fault), (t_ok, s_ok) = times(path)
        assert (s_fault, s_ok) == (status, 200)
        assert t_ok - t_fault >= 2.0
    # 500 twice: two retries after pauses of at least 0.2 s and 0.4 s (-25 % jitter); the host may
    # have been paused longer by a Retry-After meanwhile.
    (t0, s0), (t1, s1), (t2, s2) = times(flaky_500)
    assert (s0, s1, s2) == (500, 500, 200)
    assert t1 - t0 >= 0.15 and t2 - t1 >= 0.3
    # A reset connection is retried too.
    assert [s for _, s in times(reset)] == [0, 200]

    stored = {url for (url,) in query(db_url, "SELECT url FROM articles")}
    assert {url_of(info, e) for e in site.articles("news")} <= stored
    assert {r["user_agent"] for r in log} == {"xcgb-harvester/0.1 (+archive@example.org)"}
    assert next(r["path"] for r in log if r["host"] == "main") == "/robots.txt"
