"""Stage 1: the raw page through the chain (crawler.article), its facts counted as stats.

An article comes out with its fields filled (crawler.items.Article) and goes on to dedup and
storage. A refusal is dropped with its reason: an unusable page (too large, binary,
undecodable, too deep) as a FaultyPage, which the fault ledger counts by kind; a page that
holds no article as a plain DropItem (`not an article: …`, `no body after junk removal` …);
a re-checked stored article whose layout no longer fits quietly, the stored text kept.

Stats: `harvest/extract/*` (encodings, refusals by kind), `harvest/profile/hit|miss|recheck_kept`
(the spider's layout against the page), `harvest/normalize/*` and `harvest/mojibake/*`,
`harvest/junk/<kind>`, `harvest/metadata/*`.

With `HARVEST_CHAIN_PROCESS` on (the default) the chain runs in a worker process beside the
reactor (crawler/chain_process.py), and the stage awaits its outcome; the worker's peak memory
is the stat `harvest/memory/chain_peak_rss_mb`, set by the crawl that closes it.
"""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.utils.reactor import is_asyncio_reactor_installed

from crawler.article import Article, Options, RawPage, Refusal, RefusalKind, item_fields
from crawler.chain_process import ChainProcess, Timings, build
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

logger = logging.getLogger(__name__)


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

    timed = False  # ask the chain for each step's CPU seconds (``took``): the benchmarks do

    def __init__(self, stats: Any, options: Options, in_worker: bool = False) -> None:
        self.stats = stats
        self.options = options
        self.in_worker = in_worker
        self.worker: ChainProcess | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArticlePipeline:
        settings = crawler.settings
        return cls(crawler.stats, Options.from_settings(settings), settings.getbool("HARVEST_CHAIN_PROCESS"))

    async def open_spider(self) -> None:
        if self.in_worker and is_asyncio_reactor_installed():  # the worker speaks asyncio
            try:
                self.worker = await ChainProcess.acquire()
            except OSError as error:
                logger.warning("No worker process for the chain (%s): pages are cleaned here", error)

    async def close_spider(self) -> None:
        if self.worker is None:
            return
        self.worker = None
        closed = await ChainProcess.release()
        if closed is not None:
            self.stats.set_value("harvest/memory/chain_peak_rss_mb", round(closed.peak_rss_mb, 1))

    def process_item(self, item: Any) -> Any:
        article = ItemAdapter(item)
        page = RawPage.from_item(article)
        if self.worker is None:
            return self.finish(article, self.build(page))
        return self._from_worker(self.worker, article, page)

    async def _from_worker(self, worker: ChainProcess, article: ItemAdapter, page: RawPage) -> Any:
        outcome, timings = await worker.build(page, self.options, self.timed)
        self.took(timings, here=False)
        return self.finish(article, outcome)

    def finish(self, article: ItemAdapter, outcome: Article | Refusal) -> Any:
        """Count the outcome's stats; the item filled in, or the refusal raised."""
        for key, count in stats_of(outcome):
            self.stats.inc_value(key, count)
        if isinstance(outcome, Refusal):
            raise refusal_error(outcome)
        article.update(item_fields(outcome))
        return article.item

    def build(self, page: RawPage) -> Article | Refusal:
        """The chain's outcome for a page, in this process."""
        outcome, timings = build(page, self.options, self.timed)
        self.took(timings, here=True)
        return outcome

    def took(self, timings: Timings, here: bool) -> None:
        """Each step's CPU seconds when ``timed`` (``here``: in this thread, else in the worker)."""
