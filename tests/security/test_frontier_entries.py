"""The shared frontier stores requests as data: hostile queue entries are dropped, never run.

The codec is checked in process (every field of a spider's request survives; each hostile
entry is refused with MalformedEntry); then hostile entries, among them a pickle whose loading
would create a marker file, are written into a real Redis ahead of a real crawl, which drops
each one, counts it, and harvests the replica as usual. Needs HARVEST_TEST_REDIS_URL.
"""

from __future__ import annotations

import json
import pickle
import re
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest
import scrapy
from scrapy.utils.test import get_crawler

from crawler.demo import REPLICA_SETTINGS
from crawler.harvest.frontier import MalformedEntry, decode_request, encode_request
from spiders.xcgb_epaper import XcgbEpaperSpider
from tests.conftest import ROOT


class Ledger:
    """Stands in for the crawler component whose method is a request's errback."""

    def failed(self, failure):
        return failure


LEDGER_PATH = f"{Ledger.__module__}.Ledger"


class _Payload:
    """Unpickling this creates the marker file: what an attacker would queue."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def spider() -> XcgbEpaperSpider:
    return XcgbEpaperSpider.from_crawler(get_crawler(XcgbEpaperSpider), base_url="http://epaper.example/")


def valid_entry(spider: XcgbEpaperSpider, ledger: Ledger) -> dict:
    request = scrapy.Request(
        "http://epaper.example/pc/layout/202611/27/node_01.html",
        callback=spider.parse_page,
        errback=ledger.failed,
        cb_kwargs={"issue_date": date(2026, 11, 27), "edition": "第01版"},
        meta={"handle_httpstatus_list": [404], "harvest_list": True, "harvest_walk": "epaper:x",
              "download_slot": "dropped: not carried"},
        headers={"If-None-Match": '"abc"'},
        priority=-3,
    )  # fmt: skip
    return encode_request(request, spider, order=7)


def hostile_entries(marker: Path, good: dict) -> dict[str, bytes]:
    def variant(**changes) -> bytes:
        return json.dumps({**good, **changes}).encode()

    return {
        "pickle that would create a file": pickle.dumps(_Payload(marker)),
        "garbage bytes": b"\x00\xff\xfe not a request",
        "a JSON list": b"[1, 2, 3]",
        "another format version": variant(v=2),
        "unknown field": variant(cls="os.system"),
        "url of the wrong type": variant(url=12),
        "file URL": variant(url="file:///etc/passwd"),
        "URL without host": variant(url="http:///x"),
        "malformed IPv6 URL": variant(url="http://[::1/x"),
        "unknown method": variant(method="DELETE"),
        "headers not strings": variant(headers={"X": [1]}),
        "meta key not carried": variant(meta={"_cookiejar": 1}),
        "meta of the wrong type": variant(meta={"download_timeout": "soon"}),
        "priority too large": variant(priority=2**80),
        "unknown callback": variant(callback={"method": "no_such_method", "component": None}),
        "private callback": variant(callback={"method": "__init__", "component": None}),
        "spider method that is no callback": variant(callback={"method": "close", "component": None}),
        "unknown component": variant(errback={"method": "system", "component": "os.system"}),
        "cb_kwargs object": variant(cb_kwargs={"issue_date": {"$class": "os.system"}}),
        "bad date": variant(cb_kwargs={"issue_date": {"date": "2026-13-45"}}),
        "too large": variant(body="x" * 70_000),
    }


def test_a_request_survives_the_queue_as_data():
    ledger, crawl_spider = Ledger(), spider()
    entry = valid_entry(crawl_spider, ledger)
    data = json.dumps(entry).encode()
    request = decode_request(data, crawl_spider, lambda path: ledger if path == LEDGER_PATH else None)
    assert request.url == "http://epaper.example/pc/layout/202611/27/node_01.html"
    assert request.callback == crawl_spider.parse_page
    assert request.errback == ledger.failed
    assert request.cb_kwargs == {"issue_date": date(2026, 11, 27), "edition": "第01版"}
    assert request.meta == {"handle_httpstatus_list": [404], "harvest_list": True, "harvest_walk": "epaper:x"}
    assert request.headers[b"If-None-Match"] == b'"abc"'
    assert request.priority == -3


def test_each_hostile_entry_is_refused_and_nothing_runs(tmp_path):
    ledger, crawl_spider = Ledger(), spider()
    marker = tmp_path / "pwned"
    for name, data in hostile_entries(marker, valid_entry(crawl_spider, ledger)).items():
        with pytest.raises(MalformedEntry):
            decode_request(data, crawl_spider, lambda path: ledger if path == LEDGER_PATH else None)
            pytest.fail(f"accepted: {name}")
    assert not marker.exists()


@pytest.mark.slow
def test_a_crawl_drops_hostile_entries_in_redis_and_goes_on(redis_url, replica_server, tmp_path):
    import redis

    marker = tmp_path / "pwned"
    crawl_spider = spider()
    key = f"test:hostile:{uuid4().hex[:8]}"
    entries = hostile_entries(marker, valid_entry(crawl_spider, Ledger()))
    server = redis.Redis.from_url(redis_url)
    # lowest scores: popped before the crawl's own start requests
    server.zadd(f"{key}:xcgb_news:queue", {data: -(2**60) + n for n, data in enumerate(entries.values())})
    server.close()
    db = tmp_path / "archive.sqlite3"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "xcgb_news", "-a", f"base_url={replica_server['news']}",
         "-s", f"HARVEST_DB_URL=sqlite:///{db}", "-s", f"HARVEST_FRONTIER_URL={redis_url}",
         "-s", f"HARVEST_FRONTIER_KEY={key}", "-s", "HARVEST_FRONTIER_IDLE=3", *REPLICA_SETTINGS],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert not marker.exists()
    assert "Traceback" not in result.stderr
    malformed = re.search(r"'harvest/frontier/malformed': (\d+)", result.stderr)
    assert malformed and int(malformed.group(1)) == len(entries), result.stderr[-3000:]
    assert result.stderr.count("dropped a malformed queue entry") == len(entries)
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert stored > 20  # the crawl went on: the replica's news articles are in the archive
