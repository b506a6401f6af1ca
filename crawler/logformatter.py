"""Log lines that name an article by its URL instead of dumping the whole item (raw page included)."""

from __future__ import annotations

from typing import Any

from scrapy import logformatter
from scrapy.logformatter import LogFormatterResult


def _url(item: Any) -> str:
    try:
        return str(item["url"])
    except (KeyError, TypeError):
        return repr(item)[:200]


class HarvestLogFormatter(logformatter.LogFormatter):
    """Scrapy's formatter, with items shown as their URL (an item carries its raw page bytes)."""

    def scraped(self, item: Any, response: Any, spider: Any) -> LogFormatterResult:
        result = super().scraped(item, response, spider)
        result["msg"] = "Scraped %(url)s"
        result["args"] = {"url": _url(item)}
        return result

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        result["msg"] = "Dropped %(url)s: %(exception)s"
        result["args"] = {"url": _url(item), "exception": exception}
        return result

    def item_error(
        self, item: Any, exception: BaseException, response: Any, spider: Any
    ) -> LogFormatterResult:
        result = super().item_error(item, exception, response, spider)
        result["msg"] = "Error processing %(url)s"
        result["args"] = {"url": _url(item)}
        return result
