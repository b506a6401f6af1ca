"""Faults injected into a real crawl (through the EXTENSIONS setting, by tests/faults/test_database.py)."""

from __future__ import annotations

from typing import Any

from scrapy import signals
from sqlalchemy import event

from crawler.archive import archive_of


class FullDisk:
    """The archive's disk fills up after HARVEST_TEST_FULL_AFTER_PAGES more pages (SQLITE_FULL)."""

    def __init__(self, crawler: Any, pages: int) -> None:
        self.archive = archive_of(crawler)
        self.pages = pages

    @classmethod
    def from_crawler(cls, crawler: Any) -> FullDisk:
        injector = cls(crawler, crawler.settings.getint("HARVEST_TEST_FULL_AFTER_PAGES"))
        crawler.signals.connect(injector.spider_opened, signal=signals.spider_opened)
        return injector

    def spider_opened(self) -> None:
        engine = self.archive.engine
        with engine.connect() as conn:
            limit = conn.exec_driver_sql("PRAGMA page_count").scalar_one() + self.pages
        event.listen(engine, "connect", lambda dbapi, _: dbapi.execute(f"PRAGMA max_page_count={limit}"))
        engine.dispose()  # connections opened from now on have the limit
