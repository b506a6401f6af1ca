"""`python -m crawler.demo`: harvest the bundled replica site with both spiders, then summarise.

This is what `make demo` runs: no internet needed. It starts the replica (a real HTTP server
on 127.0.0.1 and 127.0.0.2), runs `scrapy crawl` for each spider against it, stops the
replica and prints what the database now holds.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from crawler.db import Article, make_engine
from replica.process import running

ROOT = Path(__file__).resolve().parent.parent
# The replica runs on this machine: no need to be polite to it.
# The demo's replica is the same site at the same addresses every time, so a second
# `make demo` finds the same URLs and updates rows instead of adding them.
DEMO_END_DATE = "2026-11-27"
DEMO_PORT = 8921
REPLICA_SETTINGS = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")


def crawl(spider: str, db_url: str, log_file: Path, **spider_args: str) -> dict[str, int]:
    """Run `scrapy crawl` in a subprocess; return the harvest counters of its final stats."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-s", f"HARVEST_DB_URL={db_url}",
               "-s", f"LOG_FILE={log_file}", *REPLICA_SETTINGS]  # fmt: skip
    for name, value in spider_args.items():
        command += ["-a", f"{name}={value}"]
    log_file.unlink(missing_ok=True)  # Scrapy appends: keep only this run's log
    subprocess.run(command, cwd=ROOT, check=True)
    return _final_stats(log_file.read_text("utf-8", errors="replace"))


def _final_stats(log: str) -> dict[str, int]:
    counters: dict[str, int] = {}
    for line in log.splitlines():
        line = line.strip().strip("{},")
        if line.startswith(("'harvest/", "'item_", "'response_received_count'")):
            name, _, value = line.partition(":")
            if value.strip().isdigit():
                counters[name.strip("' ")] = int(value)
    return counters


def summary(db_url: str) -> str:
    """Articles per spider, three sample titles and where the database is."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            per_spider = conn.execute(
                select(Article.spider, func.count()).group_by(Article.spider).order_by(Article.spider)
            ).all()
            newest = (
                select(Article.title, func.max(Article.published_at).label("newest"))
                .group_by(Article.title)
                .subquery()
            )
            samples = conn.scalars(select(newest.c.title).order_by(newest.c.newest.desc()).limit(3)).all()
    finally:
        engine.dispose()
    total = sum(n for _, n in per_spider)
    lines = ["", "Harvest summary", "---------------"]
    lines += [f"  {spider:<14} {count:>6} articles" for spider, count in per_spider]
    lines += [f"  {'total':<14} {total:>6} articles", "", "Newest titles:"]
    lines += [f"  - {title}" for title in samples]
    lines += ["", f"Database: {db_url}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.demo", description=__doc__)
    parser.add_argument("--db", default="data/demo.sqlite3", help="SQLite file (default data/demo.sqlite3)")
    parser.add_argument("--articles", type=int, default=120, help="stories in the replica (default 120)")
    parser.add_argument("--port", type=int, default=DEMO_PORT, help=f"replica port (default {DEMO_PORT})")
    args = parser.parse_args(argv)
    db_path = (ROOT / args.db).resolve() if not Path(args.db).is_absolute() else Path(args.db)
    db_url = f"sqlite:///{db_path}"
    logs = db_path.parent / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with running(
        "--articles", str(args.articles), "--end-date", DEMO_END_DATE, "--port", str(args.port)
    ) as replica:
        print(f"Replica up: e-paper {replica['epaper']}, news {replica['news']}, mirror {replica['mirror']}")
        epaper = {"base_url": replica["epaper"], "since": min(replica["issue_days"]), "until": DEMO_END_DATE}
        runs = [
            ("xcgb_epaper", epaper),
            ("xcgb_news", {"base_url": f"{replica['news']},{replica['mirror']}"}),
        ]
        for spider, spider_args in runs:
            print(f"Crawling with {spider} … (log: {logs / (spider + '.log')})", flush=True)
            stats = crawl(spider, db_url, logs / f"{spider}.log", **spider_args)
            new, updated = stats.get("harvest/storage/new", 0), stats.get("harvest/storage/updated", 0)
            print(
                f"  {stats.get('response_received_count', 0)} pages fetched "
                f"({stats.get('harvest/conditional/not_modified', 0)} lists unchanged since the last run), "
                f"{stats.get('item_scraped_count', 0)} articles processed: {new} new, {updated} updated, "
                f"{stats.get('harvest/storage/unchanged', 0)} re-checked unchanged, "
                f"{stats.get('item_dropped_count', 0)} dropped"
            )
    print(summary(db_url))
    print(f"Done in {time.monotonic() - started:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
