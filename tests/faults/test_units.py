"""The pieces of fault handling, one by one: classification, page limits, bounds, the ledger, the plan."""

from __future__ import annotations

import zlib
from datetime import date

import pytest
from scrapy import Request
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.article import Options
from crawler.extract import extract_page
from crawler.extract.limits import PageRefused, binary_signature, markup_depth, printable
from crawler.harvest.faults import FaultLedger, FaultyPage, Refused, classify
from crawler.middlewares.bounds import CrawlBoundsMiddleware, SiteBoundMiddleware
from pipelines.article import ArticlePipeline
from replica.faults import PAGE_FAULTS, plan_faults
from replica.model import MAIN
from replica.site import build_site
from replica.traps import add_traps, trap_page


class Stats(dict):
    def inc_value(self, key, count=1):
        self[key] = self.get(key, 0) + count


def response(status: int = 200) -> HtmlResponse:
    return HtmlResponse("http://a.cn/x.html", status=status, body=b"", request=Request("http://a.cn/x.html"))


@pytest.mark.parametrize(
    ("exception", "kind"),
    [
        (DownloadTimeoutError("took longer"), "timeout"),
        (ResponseDataLossError(), "truncated"),
        (DownloadFailedError("[<twisted.python.failure.Failure x.ConnectionDone: closed.>]"), "connection"),
        (DownloadCancelledError("max size"), "too_large"),
        (
            IgnoreRequest("Ignored response … exceeded DOWNLOAD_MAXSIZE (20 B) during decompression."),
            "too_large",
        ),
        (IgnoreRequest("max redirections reached"), "redirect_loop"),
        (zlib.error("invalid block type"), "decompression"),
        (Refused("offsite", "to http://elsewhere"), "offsite"),
        (HttpError(response(503)), "server_error"),
        (HttpError(response(404)), "http_status"),
        (ValueError("surprise"), "other"),
    ],
)
def test_failures_are_classified_by_kind(exception, kind):
    fault = classify(exception)
    assert fault is not None and fault.kind == kind


@pytest.mark.parametrize("reason", ["not modified since the last clean run", "Forbidden by robots.txt"])
def test_requests_skipped_on_purpose_are_not_faults(reason):
    assert classify(IgnoreRequest(reason)) is None


def test_the_ledger_counts_a_page_once_and_finds_redirect_loops():
    stats = Stats()
    ledger = FaultLedger.__new__(FaultLedger)
    ledger.__init__(type("Crawler", (), {"stats": stats})())
    assert ledger.record("timeout", "http://a.cn/1", "slow")
    assert not ledger.record("timeout", "http://a.cn/1", "slow again")
    loop = Request("http://a.cn/a", meta={"redirect_urls": ["http://a.cn/a", "http://a.cn/b"]})
    ledger.request_dropped(loop)
    ledger.request_dropped(Request("http://a.cn/c", meta={"redirect_urls": ["http://a.cn/d"]}))
    assert stats == {"harvest/errors/timeout": 1, "harvest/errors/redirect_loop": 1}


@pytest.mark.parametrize(
    ("body", "verdict"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "png"),
        (b"%PDF-1.7\n", "pdf"),
        (b"PK\x03\x04rest", "zip"),
        (b"<html>\x00</html>", "nul-bytes"),
        (bytes(range(1, 32)) * 10, "control-bytes"),
        (b"<!DOCTYPE html><html><body><p>\xe4\xb9\xa1\xe6\x9d\x91</p></body></html>", None),
        (b"\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00", None),  # UTF-16 has NULs by nature
        (b"MZ is a fine start for a plain-text capture\n", "exe"),
        (b"  <p>MZ</p>", None),
    ],
)
def test_binary_bodies_are_recognised(body, verdict):
    assert binary_signature(body) == verdict


def test_markup_depth_counts_nesting_not_unclosed_paragraphs():
    assert markup_depth("<html><body><div><div><span>x</span></div></div></body></html>") == 3
    assert markup_depth("<ul>" + "<li><p>item" * 5000 + "</ul>") == 1
    assert markup_depth("<div>" * 10_000, stop_at=256) == 257


def test_extract_refuses_deep_and_huge_pages_before_parsing():
    deep = "<html><body>" + "<div>" * 10_000 + "<p>正文，正文。</p>" + "</div>" * 10_000 + "</body></html>"
    with pytest.raises(PageRefused) as refused:
        extract_page(deep)
    assert refused.value.kind == "too_deep"
    with pytest.raises(PageRefused) as refused:
        extract_page("<html><body><p>" + "字" * 100 + "</p></body></html>", max_chars=50)
    assert refused.value.kind == "too_large"


def test_printable_removes_controls_surrogates_and_noncharacters():
    assert printable("a\x00b\x1bc\x85d\ud800e\ufffef\tg\nh") == "abcdef\tg\nh"


@pytest.mark.parametrize(
    ("body", "content_type", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "text/html", "binary"),
        (
            b"<p>" + "乡村振兴".encode() * 40 + b"\xff" * 40 + b"</p>",
            "text/html; charset=utf-8",
            "undecodable",
        ),
        (b"<p>" + b"x" * 2000 + b"</p>", "text/html", "too_large"),
    ],
)
def test_the_chain_refuses_unusable_pages_by_kind_as_faulty_pages(body, content_type, kind):
    stats = Stats()
    stage = ArticlePipeline(stats, Options(max_bytes=1000, max_depth=256, max_decode_errors=16))
    item = {"url": "http://a.cn/x.html", "raw_body": body, "raw_headers": {"Content-Type": content_type}}
    with pytest.raises(FaultyPage) as refused:
        stage.process_item(item)
    assert refused.value.kind == kind
    assert stats == {f"harvest/extract/refused/{kind}": 1}


class Spider:
    base_urls = ("http://127.0.0.1:8000/news/", "http://127.0.0.2:8000/news/")
    since, until = date(2026, 11, 1), date(2026, 11, 27)


def test_requests_off_the_harvested_hosts_are_refused():
    middleware = SiteBoundMiddleware(crawler=None)
    middleware.spider_opened(Spider())
    assert middleware.process_request(Request("http://127.0.0.2:8000/news/a.html")) is None
    with pytest.raises(Refused) as refused:
        middleware.process_request(Request("http://localhost:8000/news/a.html"))
    assert refused.value.kind == "offsite"


def bounds(trap_pages: int = 3) -> tuple[CrawlBoundsMiddleware, Stats]:
    stats = Stats()
    crawler = type("Crawler", (), {"stats": stats, "spider": Spider()})()
    ledger = FaultLedger(crawler)
    return CrawlBoundsMiddleware(crawler, ledger, trap_pages, date(1990, 1, 1)), stats


def test_links_dated_outside_the_spider_range_are_refused():
    middleware, stats = bounds()
    assert not middleware.out_of_range(Request("http://a.cn/pc/layout/202611/27/node_1.html"))
    assert middleware.out_of_range(Request("http://a.cn/pc/layout/203611/24/node_1.html"))
    assert middleware.out_of_range(Request("http://a.cn/pc/layout/192612/22/node_1.html"))
    assert not middleware.out_of_range(
        Request("http://a.cn/pc/con/201001/01/content_1.html", meta={"harvest_recheck": True})
    )
    assert stats == {"harvest/errors/date_bound": 2}


def test_a_walk_that_only_repeats_itself_is_stopped_once():
    middleware, stats = bounds(trap_pages=3)
    assert not middleware.repeats("walk", offered=20, fresh=20, url="p0")
    assert not middleware.repeats("walk", offered=20, fresh=0, url="p1")
    assert not middleware.repeats("walk", offered=20, fresh=0, url="p2")
    assert middleware.repeats("walk", offered=20, fresh=0, url="p3")
    assert middleware.repeats("walk", offered=20, fresh=5, url="p4")  # stopped for good
    assert not middleware.repeats("other", offered=0, fresh=0, url="q0")  # 404 days: neutral
    assert stats == {"harvest/errors/pagination_trap": 1}


def test_the_fault_plan_is_seeded_and_deals_every_kind():
    first, second = build_site(40, date(2026, 11, 27)), build_site(40, date(2026, 11, 27))
    plan_faults(first, 0.3, 7)
    plan_faults(second, 0.3, 7)
    assert first.faults == second.faults
    assert {f.fault for f in first.faults.values()} == set(PAGE_FAULTS)
    assert sum(first.expected_errors().values()) == len(first.faults) == round(0.3 * len(first.articles()))


def test_trap_pages_go_on_forever_but_real_days_do_not():
    site = build_site(20, date(2026, 11, 27))
    add_traps(site)
    far = trap_page(site, MAIN, "/epaper/pc/layout/203611/24/node_1.html")
    assert far is not None and b"layout/203611/25/node_1.html" in far.body
    assert trap_page(site, MAIN, "/epaper/pc/layout/202611/28/node_1.html") is None
    endless = trap_page(site, MAIN, "/news/jcdj/index_40.html")
    assert endless is not None and b'href="index_41.html"' in endless.body
