"""Stage 5: drop an article already seen in this crawl (same canonical URL).

Across crawls the storage upsert keeps one row per canonical URL. The same *article* at another
URL (a mirror's copy) is not dropped: storage fingerprints its cleaned text and records it in
the original's mirror cluster (crawler.db.clusters.place_in_clusters, docs/archive.md).
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from crawler.urls import canonical_url


class DedupPipeline:
    def __init__(self, stats: Any) -> None:
        self.stats = stats
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any) -> DedupPipeline:
        if not crawler.settings.getbool("HARVEST_DEDUP_ENABLED"):
            raise NotConfigured("HARVEST_DEDUP_ENABLED is off")
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        article = ItemAdapter(item)
        key = article.get("canonical_url") or canonical_url(article["url"])
        article["canonical_url"] = key
        if key in self.seen:
            self.stats.inc_value("harvest/dedup/same_url")
            raise DropItem(f"duplicate in this crawl: {key}")
        self.seen.add(key)
        return item
