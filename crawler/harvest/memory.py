"""The peak memory of this process, measured so that a parent's memory cannot leak into it; and
the heap that never dies kept out of the garbage collector's way.

`ru_maxrss` (and Scrapy's memusage stats, which read it) survives execve on Linux: a crawl
started from a large process (pytest, a benchmark, a scheduler) reports that process's peak.
`VmHWM` belongs to the address space the crawl itself built after exec.
"""

from __future__ import annotations

import gc
import resource
from typing import Any

from scrapy import signals

STATUS = "/proc/{}/status"


def peak_rss_mb(pid: int | None = None) -> float:
    """A process's peak resident memory in MB: VmHWM on Linux; this process's ru_maxrss elsewhere
    (another's, 0)."""
    try:
        with open(STATUS.format(pid or "self"), encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:  # no /proc: not Linux (or the process is gone)
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if pid is None else 0.0


class PeakMemory:
    """Records the process's peak memory as the stat `harvest/memory/peak_rss_mb` at spider close."""

    def __init__(self, stats: Any) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> PeakMemory:
        extension = cls(crawler.stats)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self) -> None:
        self.stats.set_value("harvest/memory/peak_rss_mb", round(peak_rss_mb(), 1))


class FrozenHeap:
    """Freezes the heap (gc.freeze) once the first page has been through the chain.

    By then the imports and the chain's models (word lists, the gazetteer, character tables)
    are loaded: some 70,000 objects the collector tracks, which live as long as the process.
    Frozen, they are left out of every later full collection, which otherwise walks them all
    again and again.
    """

    def __init__(self, signal_manager: Any) -> None:
        self.signals = signal_manager
        self.frozen = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> FrozenHeap:
        extension = cls(crawler.signals)
        for signal in (signals.item_scraped, signals.item_dropped):
            crawler.signals.connect(extension.page_done, signal=signal)
        return extension

    def page_done(self) -> None:
        for signal in (signals.item_scraped, signals.item_dropped):  # once: off the per-item path
            self.signals.disconnect(self.page_done, signal=signal)
        self.frozen = True
        gc.collect()  # what is garbage now is not frozen with the rest
        gc.freeze()
