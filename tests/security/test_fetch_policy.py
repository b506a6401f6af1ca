"""`scrapy extract URL` fetches as the crawl does; `scrapy crawl -o FILE` writes a feed and an
honest exit status. Real subprocesses against a real HTTP server on 127.0.0.1 (a thread here:
a replica article behind a redirect, a same-site and an offsite meta refresh) and the replica.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawler.demo import REPLICA_SETTINGS
from replica.model import MAIN
from tests.commands.runner import scrapy
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

ARTICLE = "/news/xczx/202611/t20261127_5001.html"
OTHER = "/news/cgzc/202611/t20261126_5002.html"


def refresh(to: str) -> bytes:
    return f'<html><head><meta http-equiv="refresh" content="0; url={to}"></head></html>'.encode()


@pytest.fixture(scope="module")
def server(site) -> Iterator[str]:
    pages = {path: site.pages[(MAIN, path)] for path in (ARTICLE, OTHER)}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            port = self.server.server_address[1]
            routes = {
                **{path: (200, {"Content-Type": p.content_type}, p.body) for path, p in pages.items()},
                "/moved": (301, {"Location": ARTICLE}, b""),
                "/hop": (302, {"Location": "/moved"}, b""),
                "/loop": (302, {"Location": "/loop2"}, b""),
                "/loop2": (302, {"Location": "/loop"}, b""),
                "/refresh-here": (200, {"Content-Type": "text/html"}, refresh(OTHER)),
                "/refresh-away": (
                    200,
                    {"Content-Type": "text/html"},
                    refresh(f"http://127.0.0.2:{port}{ARTICLE}"),
                ),
            }
            status, headers, body = routes.get(self.path, (404, {"Content-Type": "text/html"}, b"<p>no</p>"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def extract(*args: str) -> tuple[int, list[dict], str]:
    done = subprocess.run([sys.executable, "-m", "scrapy", "extract", *args, *REPLICA_SETTINGS], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()], done.stderr


def test_extract_follows_redirects_and_same_site_refreshes_only(server, tmp_path):
    inputs = ["/hop", "/refresh-here", "/refresh-away", "/loop"]
    status, results, err = extract(*(server + path for path in inputs), "--profile", "news_cms")
    by_input = {r["input"].removeprefix(server): r for r in results}
    assert by_input["/hop"].get("url") == server + ARTICLE, results  # two HTTP redirects followed
    assert by_input["/refresh-here"].get("url") == server + OTHER, results  # same site: followed
    assert by_input["/hop"]["title"] and by_input["/refresh-here"]["title"]
    assert "off the harvested sites" in by_input["/refresh-away"].get("error", ""), results  # offsite
    assert "error" in by_input["/loop"]  # bounded by REDIRECT_MAX_TIMES
    assert status == 1  # some inputs failed
    assert "Traceback" not in err
    assert not (ROOT / "news_cms").exists()  # --profile is the layout here, not a cProfile dump


def test_extract_of_an_unreachable_host_is_one_line():
    status, results, err = extract("http://127.0.0.1:1/article.html")
    assert status == 1
    refused = "Connection was refused by other side: 111: Connection refused."
    assert results == [{"input": "http://127.0.0.1:1/article.html", "error": refused}]
    assert "Traceback" not in err and "robots.txt" not in err


def test_crawl_writes_a_json_feed_without_raw_bytes(replica_server, tmp_path):
    feed = tmp_path / "feed.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "xcgb_news", "-a", f"base_url={replica_server['news']}",
         "-o", str(feed), "-s", f"HARVEST_DB_URL=sqlite:///{tmp_path / 'a.sqlite3'}",
         *REPLICA_SETTINGS],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    items = [json.loads(line) for line in feed.read_text("utf-8").splitlines()]
    assert len(items) > 20
    assert all(item["title"] and "raw_body" not in item for item in items)
    assert "Traceback" not in done.stderr


def test_crawl_exits_1_when_the_crawl_failed(replica_server, tmp_path):
    """A read-only archive stops the crawl (finish reason storage_failed): exit status 1."""
    from crawler.db import make_engine

    path = tmp_path / "ro.sqlite3"
    make_engine(f"sqlite:///{path}").dispose()
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "xcgb_news", "-a", f"base_url={replica_server['news']}",
         "-s", f"HARVEST_DB_URL=sqlite:///file:{path}?mode=ro&uri=true", "-s", "HARVEST_DB_BATCH_SIZE=2",
         *REPLICA_SETTINGS],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr[-3000:]
    assert "the crawl failed: finish reason storage_failed" in done.stderr.splitlines()[-1]


def test_crawl_of_an_unknown_spider_is_one_error_line(monkeypatch):
    monkeypatch.chdir(ROOT)
    done = scrapy("crawl", "nope")  # in process: refused before the crawler process is made
    assert done.status == 2
    assert done.err == "error: no spider 'nope' in this project (`scrapy list` shows them)\n"
