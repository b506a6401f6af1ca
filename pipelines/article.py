"""Stage 1: the raw page through the chain (crawler.article), its facts counted as stats.

An article comes out with its fields filled (crawler.items.Article) and goes on to dedup and
storage. A refusal is dropped with its reason: an unusable page (too large, binary,
undecodable, too deep) as a FaultyPage, which the fault ledger counts by kind; a page that
holds no article as a plain DropItem (`not an article: …`, `no body after junk removal` …);
a re-checked stored article whose layout no longer fits quietly, the stored text kept.

Stats: `harvest/extract/*` (encodings, refusals by kind), `harvest/profile/hit|miss|recheck_kept`
(the spider's layout against the page), `harvest/normalize/*` and `harvest/mojibake/*`,
`harvest/junk/<kind>`, `harvest/metadata/*`.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler.article import Article, Options, RawPage, Refusal, RefusalKind, build_article, item_fields
from crawler.facts import (
    DateFromUrl,
    DateMissing,
    EncodingUsed,
    JunkRemoved,
    MojibakeLeft,
    MojibakeRepaired,
    TextFact,
)
from crawler.harvest.faults import FaultyPage


def refusal_error(refusal: Refusal) -> DropItem:
    """The exception a refusal is dropped with (its message is the drop reason Scrapy counts)."""
    if refusal.is_fault:
        return FaultyPage(refusal.kind.value, refusal.message)
    if refusal.kind == RefusalKind.LAYOUT_CHANGED:
        return DropItem(refusal.message, log_level="DEBUG")  # counted as harvest/profile/recheck_kept
    return DropItem(refusal.message)


def stats_of(outcome: Article | Refusal) -> list[tuple[str, int]]:
    """The stats an outcome of the chain counts, as (key, increment)."""
    counted: list[tuple[str, int]] = []
    if outcome.layout_hit is not None:
        counted.append((f"harvest/profile/{'hit' if outcome.layout_hit else 'miss'}", 1))
    for fact in outcome.facts:
        match fact:
            case EncodingUsed(codec):
                counted.append((f"harvest/extract/encoding/{codec}", 1))
            case TextFact():
                counted.append((f"harvest/normalize/{fact.KIND}", 1))
                if isinstance(fact, MojibakeRepaired):
                    counted += [("harvest/mojibake/found", 1), ("harvest/mojibake/repaired", 1)]
                elif isinstance(fact, MojibakeLeft):
                    left = f"harvest/mojibake/left/{fact.reason or 'unknown'}"
                    counted += [("harvest/mojibake/found", 1), (left, 1)]
            case JunkRemoved(kind, count):
                counted.append((f"harvest/junk/{kind}", count))
            case DateFromUrl():
                counted.append(("harvest/metadata/date-from-url", 1))
            case DateMissing():
                counted.append(("harvest/metadata/date-missing", 1))
    if isinstance(outcome, Article):
        article = outcome
        found = {"source": article.source, "author": article.author, "editor": article.editor}
        counted += [(f"harvest/metadata/{name}_found", 1) for name, value in found.items() if value]
        if article.regions:
            counted.append(("harvest/metadata/regions_found", 1))
    elif outcome.kind == RefusalKind.NOT_ARTICLE:
        counted += [("harvest/extract/not_article", 1), (f"harvest/extract/not_article/{outcome.detail}", 1)]
    elif outcome.kind == RefusalKind.LAYOUT_CHANGED:
        counted.append(("harvest/profile/recheck_kept", 1))
    elif outcome.is_fault:
        counted.append((f"harvest/extract/refused/{outcome.kind}", 1))
    return counted


class ArticlePipeline:
    """Raw page item -> cleaned article item (or a drop), through crawler.article.build_article."""

    def __init__(self, stats: Any, options: Options) -> None:
        self.stats = stats
        self.options = options

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArticlePipeline:
        return cls(crawler.stats, Options.from_settings(crawler.settings))

    def process_item(self, item: Any) -> Any:
        article = ItemAdapter(item)
        outcome = self.build(RawPage.from_item(article))
        for key, count in stats_of(outcome):
            self.stats.inc_value(key, count)
        if isinstance(outcome, Refusal):
            raise refusal_error(outcome)
        article.update(item_fields(outcome))
        return item

    def build(self, page: RawPage) -> Article | Refusal:
        return build_article(page, self.options)
