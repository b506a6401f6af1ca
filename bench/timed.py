"""The product's item pipeline with its CPU time counted by step (benchmarks only).

`Article` is the real glue (pipelines.article.ArticlePipeline) calling the chain with a timer:
the process CPU time of each of the chain's steps (crawler.article.STEPS: decode, extract,
normalize, junk, metadata) is added to the stat `bench/cpu/<step>` (seconds), and what the glue
itself costs (stats, filling the item) to `bench/cpu/glue`. `Dedup` and `Storage` are the real
stages with `process_item` counted as `dedup` and `storage`: the CPU time of the reactor's thread
they take (thread time, not process time: the writer thread runs meanwhile). Storage writes on
the archive's writer thread (crawler.archive): that thread's CPU time is added to storage's at
close.
"""

from __future__ import annotations

import time
from typing import Any

from crawler.archive import archive_of
from pipelines.article import ArticlePipeline
from pipelines.dedup import DedupPipeline
from pipelines.storage import StoragePipeline


def timed(stage: type, name: str) -> type:
    """A subclass of `stage` that counts the CPU seconds of process_item (and close_spider)."""

    class Timed(stage):  # type: ignore[misc, valid-type]
        @classmethod
        def from_crawler(cls, crawler: Any) -> Any:
            instance = super().from_crawler(crawler)
            instance._bench_stats = crawler.stats
            instance._bench_crawler = crawler
            return instance

        def process_item(self, item: Any) -> Any:
            started = time.thread_time()  # not process_time: the writer thread runs meanwhile
            try:
                return super().process_item(item)
            finally:
                self._bench_stats.inc_value(f"bench/cpu/{name}", time.thread_time() - started)

        if getattr(stage, "writes_archive", False):

            async def close_spider(self) -> None:
                await super().close_spider()  # waits for the writer: its CPU is all counted now
                writer = archive_of(self._bench_crawler).writer_cpu
                self._bench_stats.inc_value(f"bench/cpu/{name}", writer)

    Timed.__name__ = Timed.__qualname__ = f"Timed{stage.__name__}"
    return Timed


class Article(ArticlePipeline):
    """The chain's glue, each step of the chain timed (`bench/cpu/<step>`), the rest as `glue`.

    With the chain in its worker process (HARVEST_CHAIN_PROCESS), the steps' CPU seconds are the
    worker's, sent back with each outcome; `glue` is then what this thread spends handing the
    page over (the outcome's stats and fields, filled in later, are left in "the rest").
    """

    timed = True

    def process_item(self, item: Any) -> Any:
        started = time.thread_time()
        self._in_steps = 0.0
        try:
            return super().process_item(item)
        finally:
            glue = time.thread_time() - started - self._in_steps
            self.stats.inc_value("bench/cpu/glue", glue)

    def took(self, timings: list[tuple[str, float]], here: bool) -> None:
        for step, seconds in timings:
            if here:
                self._in_steps += seconds
            self.stats.inc_value(f"bench/cpu/{step}", seconds)


Dedup = timed(DedupPipeline, "dedup")
Storage = timed(StoragePipeline, "storage")
