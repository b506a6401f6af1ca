"""A database locked mid-crawl: does the crawl keep downloading, and is every article stored once?

`python -m bench.lock_stall [--articles 8000] [--lock 60] [--before 20] [--latency 0.1]` serves a
replica of N stories (in its own process, every answer `latency` seconds late), runs the product
crawl of the news spider against it (`scrapy crawl xcgb_news`, no politeness delays, 4
connections, the project's storage settings: busy timeout, retries, HARVEST_STORE_QUEUE) into a
fresh SQLite file, and once it has crawled `before` seconds holds the file's write lock from
another connection (BEGIN IMMEDIATE) for `lock` seconds. From the replica's request log it
reports requests/s before the lock, during the lock until the storage queue's bound was hit
(the crawl logs "Storage is behind" and pauses downloads), during the rest of the lock and
after it; and from the crawl: download timeouts, the articles lost (in the replica, not in the
archive) and stored twice, peak RSS. Extra `-s NAME=VALUE` arguments go to the crawl
(e.g. `-s HARVEST_STORE_QUEUE=5000`).
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.incremental import request_log
from replica.process import running
from replica.site import MAIN, build_site

ROOT = Path(__file__).resolve().parent.parent
END = date(2026, 11, 27)
SETTINGS = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4", "-s", "LOG_LEVEL=INFO"]  # fmt: skip
_LOG_TIME = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \[pipelines\.storage\] WARNING: Storage is behind", re.M
)
_REASON = re.compile(r"'finish_reason': '(\w+)'")
_STAT = re.compile(r"'([\w/]+)': ([\d.]+)")


def rate(times: list[float], start: float, end: float) -> float:
    return sum(start <= t < end for t in times) / (end - start) if end > start else float("nan")


def stored_urls(db_url: str) -> tuple[int, set[str]]:
    """(rows, distinct URLs) of the articles table."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        urls = [url for (url,) in conn.execute(text("SELECT url FROM articles"))]
    engine.dispose()
    return len(urls), set(urls)


def wait_for_crawling(process: subprocess.Popen, info: dict, seconds: float) -> float:
    """Wait until the replica has answered the crawl for `seconds`; return its first answer's time."""
    first = None
    while True:
        if process.poll() is not None:
            raise SystemExit("the crawl ended before the lock: use more --articles")
        log = request_log(info)
        if log:
            first = log[0]["t"]
            if time.time() - first >= seconds:
                return first
        time.sleep(0.5)


def report(articles: int, lock: float, before: float, latency: float, extra: list[str]) -> str:
    site = build_site(articles, END)
    with (
        tempfile.TemporaryDirectory(prefix="bench-lock-") as tmp,
        running(
            "--articles", str(articles), "--end-date", END.isoformat(), "--latency", str(latency)
        ) as info,
    ):
        path = Path(tmp) / "harvest.sqlite3"
        db_url = f"sqlite:///{path}"
        command = [sys.executable, "-m", "scrapy", "crawl", "xcgb_news", "-a", f"base_url={info['news']}",
                   "-s", f"HARVEST_DB_URL={db_url}", *SETTINGS, *extra]  # fmt: skip
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        wait_for_crawling(process, info, before)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        locked_at = time.time()
        while time.time() - locked_at < lock:
            time.sleep(0.2)
        alive = process.poll() is None
        other.commit()
        released_at = time.time()
        other.close()
        _, stderr = process.communicate()
        times = [entry["t"] for entry in request_log(info)]
        expected = {
            f"http://127.0.0.1:{info['port']}{e.path}" for e in site.articles("news") if e.host == MAIN
        }
        rows, urls = stored_urls(db_url)
    stats = {key: float(value) for key, value in _STAT.findall(stderr)}
    behind = [datetime.fromisoformat(t).timestamp() for t in _LOG_TIME.findall(stderr)]
    bound_at = next((t for t in behind if locked_at - 1 <= t <= released_at), None)
    first = times[0]
    reason = _REASON.search(stderr)
    normal = rate(times, max(first, locked_at - before), locked_at)
    until_bound = rate(times, locked_at, bound_at) if bound_at else rate(times, locked_at, released_at)
    lines = [
        f"## A {lock:.0f} s database lock mid-crawl (N = {articles} stories, {len(expected)} news articles, "
        f"replica latency {latency * 1000:.0f} ms)",
        "",
        f"- crawl settings: {' '.join(SETTINGS[1::2] + extra[1::2])}",
        f"- requests/s in the {before:.0f} s before the lock: **{normal:.1f}**",
        f"- during the lock, until the storage queue's bound was hit: **{until_bound:.1f}** "
        f"({until_bound / normal:.0%} of normal; bound hit "
        + (f"{bound_at - locked_at:.0f} s into the lock)" if bound_at else "never)"),
    ]
    if bound_at:
        lines.append(
            f"- during the rest of the lock (back-pressure): {rate(times, bound_at, released_at):.1f}"
        )
    lines += [
        f"- in the {lock:.0f} s after the lock: {rate(times, released_at, released_at + lock):.1f}"
        + ("" if alive else " (the crawl had ended during the lock: use more --articles)"),
        f"- download timeouts: **{int(stats.get('harvest/errors/timeout', 0))}**; "
        f"finish reason {reason[1] if reason else '?'}",
        f"- articles lost (in the replica, not stored): **{len(expected - urls)}**; stored twice: "
        f"**{rows - len(urls)}**; stored {len(urls)}, counted new {int(stats.get('harvest/storage/new', 0))}",
        f"- storage waits (items held by back-pressure): {int(stats.get('harvest/storage/waited', 0))}; "
        f"peak RSS {stats.get('harvest/memory/peak_rss_mb', 0):.0f} MB",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=8000)
    parser.add_argument("--lock", type=float, default=60.0, help="seconds the write lock is held")
    parser.add_argument("--before", type=float, default=20.0, help="seconds of crawling before the lock")
    parser.add_argument("--latency", type=float, default=0.1, help="the replica's answer delay, seconds")
    parser.add_argument("-s", dest="extra", action="append", default=[], help="NAME=VALUE for the crawl")
    args = parser.parse_args()
    extra = [item for setting in args.extra for item in ("-s", setting)]
    print(report(args.articles, args.lock, args.before, args.latency, extra))


if __name__ == "__main__":
    main()
