"""Stage 4: published_at (+08:00), source, author, editor and the regions an article is about."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from crawler.text.byline import author_from_dateline, parse_byline, split_editor
from crawler.text.dates import date_from_url, parse_date
from crawler.text.regions import find_regions


def fill_metadata(article: ItemAdapter) -> list[str]:
    """Set published_at, source, author and editor from what the page says; return flags."""
    flags: list[str] = []
    meta = "  ".join(article.get("meta_lines") or [])
    published = parse_date(meta)
    if published is None and (published := date_from_url(article.get("url") or "")):
        flags.append("date-from-url")
    article["published_at"] = published
    if published is None:
        flags.append("date-missing")
    byline = parse_byline(meta)
    editor = None
    for line in article.get("editor_lines") or []:
        editor = editor or parse_byline(line).editor
    body, editor_in_body = split_editor(list(article.get("body") or []))
    article["body"] = body
    article["source"] = byline.source
    article["author"] = byline.author or (author_from_dateline(body[0]) if body else None)
    article["editor"] = editor or editor_in_body or byline.editor
    article["regions"] = find_regions(article.get("title") or "", body)
    return flags


class MetadataPipeline:
    def __init__(self, stats: Any) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> MetadataPipeline:
        if not crawler.settings.getbool("HARVEST_METADATA_ENABLED"):
            raise NotConfigured("HARVEST_METADATA_ENABLED is off")
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        article = ItemAdapter(item)
        flags = fill_metadata(article)
        for flag in flags:
            self.stats.inc_value(f"harvest/metadata/{flag}")
        for name in ("source", "author", "editor", "regions"):
            if article.get(name):
                self.stats.inc_value(f"harvest/metadata/{name}_found")
        article["flags"] = [*(article.get("flags") or []), *flags]
        return item
