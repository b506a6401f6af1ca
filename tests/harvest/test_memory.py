"""The heap frozen once the first page is through the chain (crawler.harvest.memory.FrozenHeap)."""

from __future__ import annotations

import gc

from scrapy import signals
from scrapy.utils.test import get_crawler

from crawler.harvest.memory import FrozenHeap


def test_the_heap_is_frozen_once_after_the_first_page():
    crawler = get_crawler()
    heap = FrozenHeap.from_crawler(crawler)
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        crawler.signals.send_catch_log(signals.item_dropped, item={}, response=None, exception=None)
        frozen = gc.get_freeze_count()
        assert heap.frozen and frozen > 0
        kept = [object() for _ in range(1000)]  # objects made after the freeze are not frozen
        crawler.signals.send_catch_log(signals.item_scraped, item={}, response=None)
        assert gc.get_freeze_count() == frozen and kept
    finally:
        gc.unfreeze()
