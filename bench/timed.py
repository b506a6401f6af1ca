"""The product's pipeline stages with their CPU time counted (benchmarks only).

Each class here is the real stage with `process_item` wrapped: the process CPU time it takes
is added to the stat `bench/cpu/<stage>` (seconds). Storage's batch flushes at close are
counted too.
"""

from __future__ import annotations

import time
from typing import Any

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
            return instance

        def process_item(self, item: Any) -> Any:
            started = time.process_time()
            try:
                return super().process_item(item)
            finally:
                self._bench_stats.inc_value(f"bench/cpu/{name}", time.process_time() - started)

        if hasattr(stage, "close_spider"):

            def close_spider(self) -> None:
                started = time.process_time()
                try:
                    super().close_spider()
                finally:
                    self._bench_stats.inc_value(f"bench/cpu/{name}", time.process_time() - started)

    Timed.__name__ = Timed.__qualname__ = f"Timed{stage.__name__}"
    return Timed


Extract = timed(ExtractPipeline, "extract")
Normalize = timed(NormalizePipeline, "normalize")
Junk = timed(JunkPipeline, "junk")
Metadata = timed(MetadataPipeline, "metadata")
Dedup = timed(DedupPipeline, "dedup")
Storage = timed(StoragePipeline, "storage")
