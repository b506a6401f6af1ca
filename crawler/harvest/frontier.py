"""A frontier shared by worker processes: HARVEST_FRONTIER_URL=redis://… switches it on.

Every worker started with the same spider and settings pushes the requests it finds to one
Redis queue, pops its next request from it, and skips what any worker has already requested
(one Redis set of Scrapy request fingerprints). The spiders stay as they are: each worker
runs the spider's `start()`, and its start requests are filtered like any other, so the
crawl starts once.

Written on redis-py rather than taken from scrapy-redis 0.9.1, whose queue serialises
requests with `request_to_dict`: that refuses an errback that is not a spider method, and
the fault ledger (crawler.middlewares.errors) gives every request one. Here such an errback
travels as its component's class and method name and is found again on the popping worker.

When a worker's own work is done it waits while the shared queue holds requests, or while
any worker pushed or popped one in the last HARVEST_FRONTIER_IDLE seconds (another worker's
page may still yield links); then it stops. The last worker out deletes the crawl's keys,
so the next crawl starts from an empty frontier.
"""

from __future__ import annotations

import itertools
import logging
import pickle
import time
from typing import Any

from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.utils.request import request_from_dict

logger = logging.getLogger(__name__)

SCHEDULER = "crawler.harvest.frontier.SharedScheduler"
PRIORITY_SPAN = 2**32  # queue score: -priority * PRIORITY_SPAN + arrival order


class FrontierAddon:
    """Use SharedScheduler when HARVEST_FRONTIER_URL is set (from the environment or `-s`)."""

    def update_settings(self, settings: Any) -> None:
        if settings.get("HARVEST_FRONTIER_URL"):
            settings.set("SCHEDULER", SCHEDULER, "addon")


class SharedScheduler:
    """Scrapy's scheduler interface over a Redis sorted set (queue) and set (seen fingerprints)."""

    def __init__(self, crawler: Any, server: Any, idle: float) -> None:
        self.crawler = crawler
        self.server = server
        self.idle = idle
        self.stats = crawler.stats
        self.spider: Any = None
        self.keys: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedScheduler:
        import redis

        url = crawler.settings.get("HARVEST_FRONTIER_URL")
        if not url:
            raise NotConfigured("HARVEST_FRONTIER_URL is not set")
        server = redis.Redis.from_url(url)
        server.ping()  # a wrong address fails here, before the crawl starts
        return cls(crawler, server, crawler.settings.getfloat("HARVEST_FRONTIER_IDLE"))

    def open(self, spider: Any) -> None:
        self.spider = spider
        prefix = f"harvest:frontier:{spider.name}"
        self.keys = {name: f"{prefix}:{name}" for name in ("queue", "seen", "order", "active", "workers")}
        workers = self.server.incr(self.keys["workers"])
        self._touch()
        logger.info("Shared frontier %s: worker %d, %d requests queued", prefix, workers, len(self))

    def close(self, reason: str) -> None:
        left = self.server.decr(self.keys["workers"])
        if left <= 0 and not len(self):
            self.server.delete(*self.keys.values())  # the last worker out: the next crawl starts afresh
        self.server.close()

    def __len__(self) -> int:
        return int(self.server.zcard(self.keys["queue"]))

    def has_pending_requests(self) -> bool:
        if len(self):
            return True
        last = self.server.get(self.keys["active"])
        return last is not None and time.time() - float(last) < self.idle

    def enqueue_request(self, request: Request) -> bool:
        if not request.dont_filter:
            fingerprint = self.crawler.request_fingerprinter.fingerprint(request)
            if not self.server.sadd(self.keys["seen"], fingerprint):
                self.stats.inc_value("harvest/frontier/filtered")
                return False
        score = -request.priority * PRIORITY_SPAN + self.server.incr(self.keys["order"])
        self.server.zadd(self.keys["queue"], {self._encode(request): score})
        self._touch()
        self.stats.inc_value("harvest/frontier/pushed")
        return True

    def next_request(self) -> Request | None:
        popped = self.server.zpopmin(self.keys["queue"])
        if not popped:
            return None
        self._touch()
        self.stats.inc_value("harvest/frontier/popped")
        return self._decode(popped[0][0])

    def _touch(self) -> None:
        self.server.set(self.keys["active"], repr(time.time()))

    def _encode(self, request: Request) -> bytes:
        callbacks = {}
        for name in ("callback", "errback"):
            function = getattr(request, name)
            owner = getattr(function, "__self__", None)
            if owner is not None and owner is not self.spider:
                callbacks[name] = (_class_path(owner), function.__name__)
                request = request.replace(**{name: None})
        # a fresh counter per request keeps equal-priority requests in arrival order
        return pickle.dumps((request.to_dict(spider=self.spider), callbacks, next(_unique)), protocol=5)

    def _decode(self, data: bytes) -> Request:
        fields, callbacks, _ = pickle.loads(data)  # written by our own workers
        request = request_from_dict(fields, spider=self.spider)
        for name, (path, method) in callbacks.items():
            setattr(request, name, getattr(self._component(path), method))
        return request

    def _component(self, path: str) -> Any:
        """The crawler's middleware of that class (whose method was the callback)."""
        engine = self.crawler.engine
        managers = (engine.scraper.spidermw, engine.downloader.middleware, engine.scraper.itemproc)
        for manager in managers:
            for component in manager.middlewares:
                if _class_path(component) == path:
                    return component
        raise LookupError(f"no component {path} in this worker for a queued request's callback")


_unique = itertools.count()


def _class_path(obj: Any) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"
