"""Stage 3 (slot): SEO junk removal. Filled by the extraction/junk work; passes items through."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import NotConfigured


class JunkPipeline:
    @classmethod
    def from_crawler(cls, crawler: Any) -> JunkPipeline:
        if not crawler.settings.getbool("HARVEST_JUNK_ENABLED"):
            raise NotConfigured("HARVEST_JUNK_ENABLED is off")
        return cls()

    def process_item(self, item: Any) -> Any:
        return item
