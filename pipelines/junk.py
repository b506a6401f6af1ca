"""Stage 3: SEO junk and page chrome out of the body (place runs, share widgets, footers …)."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from crawler.text.byline import split_editor
from crawler.text.junk import remove_junk


class JunkPipeline:
    def __init__(self, stats: Any) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> JunkPipeline:
        if not crawler.settings.getbool("HARVEST_JUNK_ENABLED"):
            raise NotConfigured("HARVEST_JUNK_ENABLED is off")
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        article = ItemAdapter(item)
        body, removed = remove_junk(list(article.get("body") or []))
        for kind, count in sorted(removed.items()):
            self.stats.inc_value(f"harvest/junk/{kind}", count)
        article["flags"] = [
            *(article.get("flags") or []),
            *(f"junk:{kind}:{count}" for kind, count in sorted(removed.items())),
        ]
        article["body"] = body
        if not split_editor(body)[0]:
            raise DropItem("no body after junk removal")
        return item
