"""The product's pipeline stages with their CPU time counted (benchmarks only).

Each class here is the real stage with `process_item` wrapped: the CPU time of the reactor's
thread it takes is added to the stat `bench/cpu/<stage>` (seconds). Storage writes on the
archive's writer thread (crawler.archive): that thread's CPU time is added to storage's at close.
"""

from __future__ import annotations

import time
from typing import Any

from crawler.archive import archive_of
from pipelines.dedup import DedupPipeline
from pipelines.extract import ExtractPipeline
from pipelines.junk import JunkPipeline
from pipelines.metadata import MetadataPipeline
from pipelines.normalize import NormalizePipeline
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


Extract = timed(ExtractPipeline, "extract")
Normalize = timed(NormalizePipeline, "normalize")
Junk = timed(JunkPipeline, "junk")
Metadata = timed(MetadataPipeline, "metadata")
Dedup = timed(DedupPipeline, "dedup")
Storage = timed(StoragePipeline, "storage")
