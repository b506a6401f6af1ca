"""robots.txt as Scrapy fetches it, minus the traceback when a host cannot be reached.

Scrapy's RobotsTxtMiddleware logs a robots.txt that could not be downloaded (a host that
refuses connections, a name that does not resolve) as an ERROR with the whole traceback. The
page itself then fails the same way and the fault ledger logs it once, with its kind; so here
the robots.txt line stays (an ERROR: the run is not clean) but loses its traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

ROBOTS_LOGGER = "scrapy.downloadermiddlewares.robotstxt"


class _WithoutTraceback(logging.Filter):
    """Drop the traceback of robots.txt download errors; the message names the page and the error."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            record.exc_info = None
            record.exc_text = None
            record.msg = "robots.txt not fetched for " + str(record.msg).removeprefix("Error downloading ")
        return True


_FILTER = _WithoutTraceback()


class OneLineRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware; an unreachable host's robots.txt is one log line."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> OneLineRobotsTxtMiddleware:
        middleware = super().from_crawler(crawler)  # NotConfigured when ROBOTSTXT_OBEY is off
        logger = logging.getLogger(ROBOTS_LOGGER)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        return middleware
