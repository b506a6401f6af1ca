"""Stage 4: published_at (+08:00), source, author, editor and the regions an article is about."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from crawler.text.byline import Byline, author_from_dateline, parse_byline, split_credits
from crawler.text.dates import date_from_url, parse_published
from crawler.text.regions import find_regions


def fill_metadata(article: ItemAdapter) -> list[str]:
    """Set published_at, source, author and editor from what the page says; return flags.

    The header (meta lines) speaks first, then the credit lines at the body's edges (taken
    out of the body: `来源：X 责任编辑：Y`, `（记者 张三）`, `编辑 X｜审核 Y`), then the
    reporters' dateline opening the body. A 来源 or an organisation is never the author.
    """
    flags: list[str] = []
    meta = "  ".join(article.get("meta_lines") or [])
    published = parse_published(meta)
    if published is None and (published := date_from_url(article.get("url") or "")):
        flags.append("date-from-url")
    article["published_at"] = published
    if published is None:
        flags.append("date-missing")
    body, credits = split_credits(list(article.get("body") or []))
    header = parse_byline(meta)
    found = [header, *(parse_byline(line) for line in [*(article.get("editor_lines") or []), *credits])]
    article["body"] = body
    article["source"] = _first(found, "source")
    article["author"] = (
        _first([byline for byline in found if not byline.guessed], "author")
        or _dateline(body)
        or _first(found, "author")
    )
    article["editor"] = _first([*found[1:], header], "editor")
    article["regions"] = find_regions(article.get("title") or "", body)
    return flags


def _dateline(body: list[str]) -> str | None:
    """The reporters of a dateline opening the body (its first two paragraphs) or closing it."""
    if not body:
        return None
    opening = (author_from_dateline(paragraph) for paragraph in body[:2])
    return next((names for names in opening if names), None) or author_from_dateline(body[-1], closing=True)


def _first(bylines: list[Byline], name: str) -> str | None:
    return next((value for byline in bylines if (value := getattr(byline, name))), None)


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
