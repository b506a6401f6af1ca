"""The live progress line and the final summary table of `scrapy harvest` (text only)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from crawler.harvest.health import VERDICT_STAT, Thresholds, health_of, judge

SUMMARY_COLUMNS = (
    ("spider", "spider"),
    ("finish", "finish_reason"),
    ("verdict", "verdict"),
    ("pages", "pages_fetched"),
    ("304", "not_modified"),
    ("known", "known_skipped"),
    ("new", "articles_new"),
    ("updated", "articles_updated"),
    ("same", "articles_unchanged"),
    ("dropped", "dropped"),
    ("errors", "errors"),
    ("time", "seconds"),
)


def run_figures(spider: str, stats: Mapping[str, Any]) -> dict[str, Any]:
    """One spider's figures from its stats (running or finished)."""
    elapsed = stats.get("elapsed_time_seconds")
    if elapsed is None and stats.get("start_time") is not None:
        elapsed = (datetime.now(UTC) - stats["start_time"]).total_seconds()
    finish_reason = stats.get("finish_reason")
    verdict = stats.get(VERDICT_STAT)
    if verdict is None:  # not recorded (HARVEST_RUNS_ENABLED off): judged without history
        verdict = judge(health_of(stats), [], Thresholds())[0] if finish_reason else "running"
    return {
        "spider": spider,
        "finish_reason": finish_reason or "running",
        "verdict": verdict,
        "pages_fetched": stats.get("downloader/response_count", 0),
        "not_modified": stats.get("harvest/conditional/not_modified", 0),
        "known_skipped": stats.get("harvest/incremental/known", 0),
        "articles_new": stats.get("harvest/storage/new", 0),
        "articles_updated": stats.get("harvest/storage/updated", 0),
        "articles_unchanged": stats.get("harvest/storage/unchanged", 0),
        "dropped": stats.get("item_dropped_count", 0),
        "errors": stats.get("log_count/ERROR", 0),
        "seconds": round(elapsed or 0.0, 1),
    }


def progress_line(figures: Iterable[Mapping[str, Any]], elapsed: float) -> str:
    """`harvest 0:42 | 2 spiders | pages 1,234 | new 456 | updated 3 | 29.4 pages/s`."""
    figures = list(figures)
    pages = sum(f["pages_fetched"] for f in figures)
    new = sum(f["articles_new"] for f in figures)
    updated = sum(f["articles_updated"] for f in figures)
    running = sum(f["finish_reason"] == "running" for f in figures)
    minutes, seconds = divmod(int(elapsed), 60)
    rate = pages / elapsed if elapsed > 0 else 0.0
    return (
        f"harvest {minutes}:{seconds:02d} | {running} of {len(figures)} spiders running | "
        f"pages {pages:,} | new {new:,} | updated {updated:,} | {rate:.1f} pages/s"
    )


def summary_table(figures: Iterable[Mapping[str, Any]]) -> str:
    """A plain-text table, one row per spider run."""
    rows = [[str(f[key]) for _, key in SUMMARY_COLUMNS] for f in figures]
    header = [title for title, _ in SUMMARY_COLUMNS]
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        padded = (
            c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )
        return "  ".join(padded).rstrip()

    lines = [line(row) for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
