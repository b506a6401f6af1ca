"""One benchmark crawl in its own process: both spiders at once, bare (A) or the product (B).

`python -m bench.run_crawl --mode bare|product --epaper URL --news URL[,URL] --since D --until D
--stats OUT.json [--db URL]` runs the crawl and writes its final stats (plus wall time) as JSON.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from spiders.xcgb_epaper import XcgbEpaperSpider
from spiders.xcgb_news import XcgbNewsSpider

# Both runs use the same concurrency and no politeness delays: the server is on this machine.
SHARED = {
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "CONCURRENT_ITEMS": 8,  # the project's value (Scrapy's 100 costs 100 asyncio tasks per page)
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "ROBOTSTXT_OBEY": True,
    "LOG_LEVEL": "WARNING",
    "TELNETCONSOLE_ENABLED": False,
}

# The product run times each step of the chain and each stage (bench.timed wraps the real classes).
TIMED_PIPELINES = {
    "bench.timed.Article": 100,
    "bench.timed.Dedup": 500,
    "bench.timed.Storage": 900,
}


class BareEpaper(XcgbEpaperSpider):
    """Follows the same links as the e-paper spider and yields nothing."""

    name = "bare_epaper"

    def parse_article(self, response: Any, **kwargs: Any) -> Any:
        return []


class BareNews(XcgbNewsSpider):
    """Follows the same links as the news spider and yields nothing."""

    name = "bare_news"

    def parse_article(self, response: Any, **kwargs: Any) -> Any:
        return []


def settings_for(mode: str, db_url: str | None) -> Settings:
    if mode == "bare":
        settings = Settings()
        settings.setdict({"USER_AGENT": get_project_settings()["USER_AGENT"]}, priority="project")
    else:
        settings = get_project_settings()
        settings.set("ITEM_PIPELINES", TIMED_PIPELINES, priority="cmdline")
        settings.set("HARVEST_DB_URL", db_url, priority="cmdline")
    settings.setdict(SHARED, priority="cmdline")
    return settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["bare", "product"], required=True)
    parser.add_argument("--epaper", required=True)
    parser.add_argument("--news", required=True)
    parser.add_argument("--since", required=True)
    parser.add_argument("--until", required=True)
    parser.add_argument("--db")
    parser.add_argument("--stats", type=Path, required=True)
    args = parser.parse_args()

    process = AsyncCrawlerProcess(settings_for(args.mode, args.db))
    epaper, news = (BareEpaper, BareNews) if args.mode == "bare" else (XcgbEpaperSpider, XcgbNewsSpider)
    crawlers = [process.create_crawler(epaper), process.create_crawler(news)]
    process.crawl(crawlers[0], base_url=args.epaper, since=args.since, until=args.until)
    process.crawl(crawlers[1], base_url=args.news)
    started = time.monotonic()
    process.start()
    wall = time.monotonic() - started
    merged: dict[str, float] = {"wall_seconds": wall}
    for crawler in crawlers:
        for key, value in (crawler.stats.get_stats() if crawler.stats else {}).items():
            if key == "harvest/memory/peak_rss_mb":  # one process: its peak, not a sum
                merged[key] = max(merged.get(key, 0), value)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                merged[key] = merged.get(key, 0) + value
            elif isinstance(value, datetime):
                continue
    args.stats.write_text(json.dumps(merged, indent=1, sort_keys=True), encoding="utf-8")


if __name__ == "__main__":
    main()
