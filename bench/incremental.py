"""Incremental harvesting, measured (run: .venv/bin/python -m bench.incremental [--articles 2000]).

1. Harvest a fresh replica of N stories with `scrapy harvest --once` (both spiders).
2. Harvest it again, unchanged: the goal is no article page fetched, under 10 % of run 1's time.
3. Publish 20 newer stories (`replica serve --add 20`, old URLs unchanged), harvest again:
   only those 20 article pages should be fetched.

Each run is a real `scrapy harvest` subprocess (start-up included in its wall time) against
the replica on 127.0.0.1/127.0.0.2 with no politeness delay (DOWNLOAD_DELAY=0, AutoThrottle
off), writing a fresh SQLite file in a temporary folder. The replica's newest story is a week
old, so the 3-day re-check window is empty and run 2 measures the pure incremental path.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from replica.process import running

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "HARVEST_EPAPER_DAYS=800",
            "-s", "LOG_LEVEL=WARNING"]  # fmt: skip


def request_log(info: dict) -> list[dict]:
    with urllib.request.urlopen(f"http://127.0.0.1:{info['port']}/__replica/log", timeout=30) as answer:
        return json.loads(answer.read())


def harvest(db_url: str, info: dict) -> float:
    config = {"xcgb_epaper": {"base_url": info["epaper"]},
              "xcgb_news": {"base_url": f"{info['news']},{info['mirror']}"}}  # fmt: skip
    command = [sys.executable, "-m", "scrapy", "harvest", "--once", "-s", f"HARVEST_DB_URL={db_url}",
               "-s", f"HARVEST_SPIDERS={json.dumps(config)}", *SETTINGS]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def last_runs(db_url: str) -> tuple[int, int]:
    """(pages fetched, new articles) of the last harvest's two spider runs."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        pages, new = conn.execute(
            text(
                "SELECT sum(pages_fetched), sum(articles_new) FROM "
                "(SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 2)"
            )
        ).one()
    engine.dispose()
    return pages, new


def is_article(path: str) -> bool:
    return "/con/" in path or "/t20" in path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.incremental", description=__doc__)
    parser.add_argument("--articles", type=int, default=2000, help="stories in the replica (default 2000)")
    parser.add_argument("--add", type=int, default=20, help="stories published before run 3 (default 20)")
    args = parser.parse_args(argv)
    end = date.today() - timedelta(days=7)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        db_url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        with running("--articles", str(args.articles), "--end-date", end.isoformat()) as info:
            for label in ("1 fresh", "2 unchanged"):
                seen = len(request_log(info))
                seconds = harvest(db_url, info)
                log = request_log(info)[seen:]
                rows.append((label, seconds, *last_runs(db_url), sum(is_article(r["path"]) for r in log)))
        more = ("--add", str(args.add), "--port", str(info["port"]))
        with running("--articles", str(args.articles), "--end-date", end.isoformat(), *more) as info:
            seconds = harvest(db_url, info)
            log = request_log(info)
            rows.append(
                (
                    f"3 +{args.add} stories",
                    seconds,
                    *last_runs(db_url),
                    sum(is_article(r["path"]) for r in log),
                )
            )
    total = info["articles"]
    print(f"Replica: {total} articles after run 3 ({args.articles} stories + {args.add}, with mirror copies)")
    print(f"{'run':<16}{'wall s':>9}{'pages':>8}{'articles fetched':>18}{'new':>7}")
    for label, seconds, pages, new, articles in rows:
        print(f"{label:<16}{seconds:>9.1f}{pages:>8}{articles:>18}{new:>7}")
    print(f"Run 2 took {rows[1][1] / rows[0][1]:.1%} of run 1's time.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
