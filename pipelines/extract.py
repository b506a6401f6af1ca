"""Stage 1: decode the raw page from the evidence and pull out the raw article fields."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler.extract import NotAnArticle, extract_page
from crawler.text.decoding import decode_page
from crawler.text.pinyin import strip_ruby


class ExtractPipeline:
    def __init__(self, stats: Any) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExtractPipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        article = ItemAdapter(item)
        headers = article.get("raw_headers") or {}
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
        decoded = decode_page(article["raw_body"], content_type)
        article["encoding"] = decoded.encoding
        article["flags"] = [*(article.get("flags") or []), *decoded.flags]
        self.stats.inc_value(f"harvest/extract/encoding/{decoded.encoding}")
        try:
            fields = extract_page(strip_ruby(decoded.text), article.get("profile"))
        except NotAnArticle as reason:
            self.stats.inc_value("harvest/extract/not_article")
            raise DropItem(f"not an article: {reason}") from None
        article["profile"] = fields.profile
        article["title"] = fields.title
        article["subtitle"] = fields.subtitle
        article["meta_lines"] = fields.meta_lines
        article["editor_lines"] = fields.editor_lines
        article["body"] = fields.body
        return item
