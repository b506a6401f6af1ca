"""Stage 2: repair mojibake, remove inline pinyin, convert Traditional to Simplified."""

from __future__ import annotations

import re
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from crawler.text.clean import clean_text, page_is_traditional

TEXT_FIELDS = ("title", "subtitle")
LIST_FIELDS = ("meta_lines", "editor_lines", "body")
FOLDED_FIELDS = ("title", "subtitle", "body")  # meta lines keep their gaps for the metadata stage
_SPACE_RUNS = re.compile(r" {2,}")


def normalize_article(article: ItemAdapter) -> list[str]:
    """Clean every text field of the article in place (one script decision per page); return flags."""
    texts = [article.get(name) or "" for name in TEXT_FIELDS]
    texts += [line for name in LIST_FIELDS for line in article.get(name) or []]
    traditional = page_is_traditional(texts)
    flags: list[str] = []

    def clean(text: str, where: str) -> str:
        result = clean_text(text, traditional=traditional)
        flags.extend(f"{where}:{flag}" for flag in result.flags)
        return result.text

    for name in TEXT_FIELDS:
        if article.get(name):
            article[name] = _fold(clean(article[name], name), name)
    for name in LIST_FIELDS:
        lines = [_fold(clean(line, f"{name}[{i}]"), name) for i, line in enumerate(article.get(name) or [])]
        article[name] = [line for line in lines if line]
    return flags


def mojibake_stats(flag: str) -> list[str]:
    """The ``harvest/mojibake/*`` stats of one flag: found, then repaired or left by reason."""
    _, kind, *rest = flag.split(":")
    if kind == "mojibake-repaired":
        return ["harvest/mojibake/found", "harvest/mojibake/repaired"]
    if kind == "mojibake-unrepaired":
        return ["harvest/mojibake/found", f"harvest/mojibake/left/{rest[-1] if len(rest) > 1 else 'unknown'}"]
    return []


def _fold(text: str, field: str) -> str:
    """Runs of spaces become one in titles and body text (after pinyin is gone: it reads them)."""
    return _SPACE_RUNS.sub(" ", text) if field in FOLDED_FIELDS else text


class NormalizePipeline:
    def __init__(self, stats: Any) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> NormalizePipeline:
        if not crawler.settings.getbool("HARVEST_NORMALIZE_ENABLED"):
            raise NotConfigured("HARVEST_NORMALIZE_ENABLED is off")
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        article = ItemAdapter(item)
        flags = normalize_article(article)
        for flag in flags:
            kind = flag.split(":", 2)[1]
            self.stats.inc_value(f"harvest/normalize/{kind}")
            for key in mojibake_stats(flag):
                self.stats.inc_value(key)
        article["flags"] = [*(article.get("flags") or []), *flags]
        return item
