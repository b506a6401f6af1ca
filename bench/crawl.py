"""Crawl throughput, CPU per stage and memory: the product (B) against a bare Scrapy crawl (A).

`python -m bench.crawl [--articles 5000] [--pairs 3] [--big 20000]` serves a replica of N
articles (every page pre-rendered in memory, in its own process), checks that the server
sustains several times the crawl's request rate, then runs A B A B … in this session against
the same server and prints a Markdown report (also appended to bench/RESULTS.md by `make bench`).

B's CPU and memory are its process's and its chain worker's (crawler/chain_process.py), which
is reaped before B exits: wait4 counts its CPU, and its peak memory is added to the crawl's.
B's line gives, per run, the items its storage stage held because the archive's writer thread was
full (`harvest/storage/waited`): back-pressure on a healthy database, which pauses downloads. It
happens in many runs (the writer shares the GIL with the busy reactor: `python -m bench.store`
measures what that costs a batch).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench.load import requests_per_second
from replica.model import MAIN
from replica.process import running
from replica.site import build_site

ROOT = Path(__file__).resolve().parent.parent
END = date(2026, 11, 27)
# The chain's steps (crawler.article.STEPS), its pipeline glue, then the other stages
STAGES = ("decode", "extract", "normalize", "junk", "metadata", "glue", "dedup", "storage")


@dataclass
class Run:
    mode: str
    wall: float
    pages: int
    articles: int
    cpu: float  # user + system seconds of the crawl process and its chain worker
    peak_rss_mb: float  # the crawl process's peak plus its chain worker's
    stats: dict


def replica(articles: int) -> AbstractContextManager[dict]:
    """The replica of `articles` stories, ending on END, in its own process."""
    return running("--articles", str(articles), "--end-date", END.isoformat())


def crawl(mode: str, info: dict, workdir: Path) -> Run:
    stats_file = workdir / f"{mode}-{time.monotonic_ns()}.json"
    command = [sys.executable, "-m", "bench.run_crawl", "--mode", mode, "--epaper", info["epaper"],
               "--news", f"{info['news']},{info['mirror']}", "--since", min(info["issue_days"]),
               "--until", END.isoformat(), "--stats", str(stats_file)]  # fmt: skip
    if mode == "product":
        command += ["--db", f"sqlite:///{workdir / f'bench-{time.monotonic_ns()}.sqlite3'}"]
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    if status != 0:
        raise SystemExit(f"{mode} crawl failed (status {status})")
    stats = json.loads(stats_file.read_text("utf-8"))
    return Run(
        mode=mode,
        wall=stats["wall_seconds"],
        pages=int(stats.get("response_received_count", 0)),
        articles=int(stats.get("harvest/storage/new", 0)),
        cpu=usage.ru_utime + usage.ru_stime,
        # The crawl's own VmHWM (wait4's ru_maxrss would carry this process's peak over exec),
        # plus its chain worker's: both processes hold their peak at once at worst.
        peak_rss_mb=(stats.get("harvest/memory/peak_rss_mb") or usage.ru_maxrss / 1024)
        + stats.get("harvest/memory/chain_peak_rss_mb", 0.0),
        stats=stats | {"process_wall": wall},
    )


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} (min {min(values):.1f}, max {max(values):.1f})"


def report(articles: int, pairs: int, big: int | None) -> str:
    site = build_site(articles, END)
    expected = len(site.articles())
    lines = [
        f"## Crawl: product (B) vs bare Scrapy (A), N = {articles} stories ({expected} article pages)",
        "",
    ]
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp, replica(articles) as info:
        workdir = Path(tmp)
        base = info["news"].rsplit("/news/", 1)[0]
        urls = [base + e.path for e in site.articles() if e.host == MAIN]
        server_rate = requests_per_second(urls, connections=16, seconds=3)
        runs: list[tuple[Run, Run]] = []
        for n in range(pairs):
            a = crawl("bare", info, workdir)
            b = crawl("product", info, workdir)
            print(
                f"pair {n + 1}: A {a.pages / a.wall:.0f} pages/s, B {b.pages / b.wall:.0f} pages/s",
                flush=True,
            )
            if b.articles != expected:
                raise SystemExit(f"B stored {b.articles} articles, the replica has {expected}")
            runs.append((a, b))
    a_rates = [a.pages / a.wall for a, _ in runs]
    b_rates = [b.pages / b.wall for _, b in runs]
    ratios = [b / a for a, b in zip(a_rates, b_rates, strict=True)]
    crawl_rate = max(a_rates)
    held = [int(b.stats.get("harvest/storage/waited", 0)) for _, b in runs]
    lines += [
        f"- Server alone (16 keep-alive connections): **{server_rate:.0f} requests/s**, "
        f"{server_rate / crawl_rate:.1f}× the fastest crawl's request rate.",
        f"- A, bare spider: {spread(a_rates)} pages/s",
        f"- B, product into SQLite: {spread(b_rates)} pages/s; items held for the writer "
        f"(back-pressure on a healthy database), per run: {', '.join(map(str, held))}",
        f"- **B/A = {statistics.median(ratios):.2f}** (median of {pairs} pairs; "
        f"each {', '.join(f'{r:.2f}' for r in ratios)}) — goal ≥ 0.8",
        "",
        "CPU seconds per 1,000 articles in B (median of the runs):",
        "",
        "| part | CPU s / 1,000 articles |",
        "| --- | ---: |",
    ]
    per_k = lambda run, seconds: seconds * 1000 / max(run.articles, 1)  # noqa: E731
    stage_total = []
    for stage in STAGES:
        values = [per_k(b, b.stats.get(f"bench/cpu/{stage}", 0.0)) for _, b in runs]
        stage_total.append(values)
        lines.append(f"| stage `{stage}` | {statistics.median(values):.3f} |")
    rest = [per_k(b, b.cpu - sum(b.stats.get(f"bench/cpu/{s}", 0.0) for s in STAGES)) for _, b in runs]
    lines.append(f"| fetch + parse + Scrapy (the rest of the process) | {statistics.median(rest):.3f} |")
    lines.append(f"| **whole process** | {statistics.median([per_k(b, b.cpu) for _, b in runs]):.3f} |")
    bare = [a.cpu * 1000 / max(b.articles, 1) for a, b in runs]
    lines.append(f"| *A, bare spider, whole process (same pages)* | {statistics.median(bare):.3f} |")
    small = statistics.median([b.peak_rss_mb for _, b in runs])
    lines += [
        "",
        f"Peak RSS of B at N = {articles}: {small:.0f} MB (the crawl's process and its chain worker, added)",
    ]
    if big:
        with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp, replica(big) as info:
            large = crawl("product", info, Path(tmp))
        growth = (large.peak_rss_mb - small) / small * 100
        lines.append(
            f"Peak RSS of B at N = {big}: {large.peak_rss_mb:.0f} MB ({growth:+.0f}% from N = {articles};"
            f" goal ≤ 300 MB and < +20%); {large.pages / large.wall:.0f} pages/s"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--big", type=int, default=20000, help="N of the memory-growth run (0: skip)")
    args = parser.parse_args()
    print(report(args.articles, args.pairs, args.big or None))


if __name__ == "__main__":
    main()
