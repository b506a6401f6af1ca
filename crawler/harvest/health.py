"""The health verdict of a run: `ok`, `degraded` or `failed`, with the figures behind it.

- `failed`: nothing was fetched, or every request failed (no page answered 2xx/3xx, robots.txt
  aside).
- `degraded`: compared with the source's recent `ok` runs (the median of the last
  HARVEST_HEALTH_HISTORY), the share of article and list pages the source's selectors matched,
  or the share of stored articles with a date, fell by more than HARVEST_DEGRADED_SELECTOR_DROP
  / HARVEST_DEGRADED_DATE_DROP; or the lists were read (not answered 304) and both the new
  articles and the article links offered fell below HARVEST_DEGRADED_NEW_RATIO of usual, for a
  source that usually brings at least HARVEST_DEGRADED_MIN_NEW new articles.
- `ok` otherwise.

`health_of` reads a crawl's stats (pure); `judge` compares them with earlier runs (pure).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

OK, DEGRADED, FAILED = "ok", "degraded", "failed"
VERDICT_STAT = "harvest/run/verdict"
NETWORK_PREFIX = "harvest/net/failed/"  # request attempts that failed, by kind (crawler.harvest.reach)
ERRORS_PREFIX = "harvest/errors/"  # pages that failed for good, by kind (crawler.harvest.faults)
PROBE_ANSWERED = "harvest/site/probes_answered"  # robots.txt/sitemap.xml probes of the site spider
_STATUS = re.compile(r"^downloader/response_status_count/(\d{3})$")
_ROBOTS_STATUS = "robotstxt/response_status_count/"


@dataclass(frozen=True)
class Thresholds:
    new_ratio: float = 0.25  # new articles (and links) below this share of usual: degraded
    min_new: int = 10  # ... judged only for sources that usually bring this many
    date_drop: float = 0.3  # dated share of stored articles fell by more than this
    selector_drop: float = 0.3  # selector-matched share of pages fell by more than this
    history: int = 5  # recent ok runs the median is taken over
    min_pages: int = 5  # shares are judged on at least this many pages

    @classmethod
    def from_settings(cls, settings: Any) -> Thresholds:
        return cls(
            new_ratio=settings.getfloat("HARVEST_DEGRADED_NEW_RATIO", cls.new_ratio),
            min_new=settings.getint("HARVEST_DEGRADED_MIN_NEW", cls.min_new),
            date_drop=settings.getfloat("HARVEST_DEGRADED_DATE_DROP", cls.date_drop),
            selector_drop=settings.getfloat("HARVEST_DEGRADED_SELECTOR_DROP", cls.selector_drop),
            history=settings.getint("HARVEST_HEALTH_HISTORY", cls.history),
            min_pages=settings.getint("HARVEST_HEALTH_MIN_PAGES", cls.min_pages),
        )


def _share(part: int, whole: int) -> float | None:
    return round(min(1.0, max(0.0, part / whole)), 4) if whole else None


def health_of(stats: Mapping[str, Any], dropped: Mapping[str, int] | None = None) -> dict[str, Any]:
    """A run's health figures from its stats and its dropped items by reason (JSON-ready)."""
    dropped = dropped or {}
    value = stats.get
    robots = {k[len(_ROBOTS_STATUS) :]: v for k, v in stats.items() if k.startswith(_ROBOTS_STATUS)}
    answered = 0
    requests_failed: dict[str, int] = {}
    for key, count in sorted(stats.items()):
        if match := _STATUS.match(key):
            status = match[1]
            own = count - robots.get(status, 0)
            if status < "400":
                answered += own
            elif own:
                requests_failed[f"http_{status}"] = own
        elif key.startswith(NETWORK_PREFIX):
            requests_failed[key[len(NETWORK_PREFIX) :]] = count
    empty = sum(dropped.get(f"no body after {stage}", 0) for stage in ("cleaning", "junk removal"))
    answered -= value(PROBE_ANSWERED, 0)
    new, updated, unchanged = (value(f"harvest/storage/{k}", 0) for k in ("new", "updated", "unchanged"))
    stored = new + updated + unchanged
    no_date = min(stored, value("harvest/metadata/date-missing", 0))
    hits, misses = value("harvest/profile/hit", 0), value("harvest/profile/miss", 0)
    return {
        "pages": value("downloader/response_count", 0),
        "answered": answered,  # 2xx/3xx answers, robots.txt aside
        "new": new,
        "updated": updated,
        "unchanged": unchanged,
        "links": stored + value("harvest/incremental/known", 0),  # article links offered
        "not_modified": value("harvest/conditional/not_modified", 0),
        "requests_failed": requests_failed,
        "pages_failed": {
            k[len(ERRORS_PREFIX) :]: v for k, v in sorted(stats.items()) if k.startswith(ERRORS_PREFIX)
        },
        "misses": {
            "no_title": dropped.get("no title after cleaning", 0),
            "no_date": no_date,
            "empty_body": empty,
            "not_article": value("harvest/extract/not_article", 0),
        },
        "date_coverage": _share(stored - no_date, stored),
        "selector_pages": hits + misses,
        "selector_hits": _share(hits, hits + misses),
        "fallbacks": value("harvest/profile/list_fallback", 0),
    }


def judge(
    health: Mapping[str, Any], recent: Sequence[Mapping[str, Any]], thresholds: Thresholds
) -> tuple[str, list[str]]:
    """The verdict of a run and why, against the health of the source's recent ok runs."""
    if not health["pages"]:
        return FAILED, ["nothing was fetched"]
    if not health["answered"]:
        return FAILED, [f"every request failed ({_kinds(health['requests_failed'])})"]
    reasons: list[str] = []
    usual_new = _median(recent, "new")
    usual_links = _median(recent, "links")
    if (
        usual_new is not None
        and usual_links is not None
        and usual_new >= thresholds.min_new
        and not health["not_modified"]
        and health["new"] < thresholds.new_ratio * usual_new
        and health["links"] < thresholds.new_ratio * usual_links
    ):
        reasons.append(f"{health['new']} new articles, usually {usual_new:g}")
    usual_dates = _median(recent, "date_coverage")
    stored = health["new"] + health["updated"] + health["unchanged"]
    if (
        usual_dates is not None
        and health["date_coverage"] is not None
        and stored >= thresholds.min_pages
        and usual_dates - health["date_coverage"] > thresholds.date_drop
    ):
        reasons.append(f"{health['date_coverage']:.0%} of articles dated, usually {usual_dates:.0%}")
    usual_hits = _median(recent, "selector_hits")
    if (
        usual_hits is not None
        and health["selector_hits"] is not None
        and health["selector_pages"] >= thresholds.min_pages
        and usual_hits - health["selector_hits"] > thresholds.selector_drop
    ):
        reasons.append(f"selectors matched {health['selector_hits']:.0%} of pages, usually {usual_hits:.0%}")
    return (DEGRADED, reasons) if reasons else (OK, [])


def _median(recent: Sequence[Mapping[str, Any]], key: str) -> float | None:
    values = [r[key] for r in recent if r.get(key) is not None]
    return median(values) if values else None


def _kinds(counts: Mapping[str, int]) -> str:
    by_count = sorted(counts.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{kind} {n}" for kind, n in by_count) or "no answer"
