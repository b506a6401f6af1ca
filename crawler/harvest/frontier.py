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

Each worker keeps two marks in Redis, refreshed every HARVEST_FRONTIER_IDLE / 3 seconds:
"live" and, while it has requests of its own in flight, "busy". A worker with nothing of its
own to do keeps looking at the queue (every 0.1 s) while the queue holds requests or another
worker is busy (that worker's page may still yield links); when the queue is empty and nobody
is busy, it stops at once. A worker that dies (SIGKILL) stops counting when its marks run out,
HARVEST_FRONTIER_IDLE seconds after its last refresh; the requests it had popped are lost to
this crawl (their fingerprints are seen) and are fetched by the next one. The last live worker
out deletes the crawl's keys, so the next crawl starts from an empty frontier.
"""

from __future__ import annotations

import itertools
import logging
import os
import pickle
import socket
import time
import uuid
from typing import Any

from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.reactor import CallLaterOnce
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

    WAKE = 0.1  # s between looks at an empty shared queue while other workers are busy

    def __init__(self, crawler: Any, server: Any, idle: float) -> None:
        self.crawler = crawler
        self.server = server
        self.idle = idle
        self.stats = crawler.stats
        self.spider: Any = None
        self.keys: dict[str, str] = {}
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.busy = True  # until the engine first asks while it has nothing of its own to do
        self._beat: Any = None
        self._wake = CallLaterOnce(self._wake_engine)

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
        base = self.crawler.settings.get("HARVEST_FRONTIER_KEY") or "harvest:frontier"  # tests: their own
        prefix = f"{base}:{spider.name}"
        self.keys = {
            name: f"{prefix}:{name}" for name in ("queue", "seen", "order", "workers", "busy", "lost")
        }
        self._heartbeat()
        self._beat = create_looping_call(self._heartbeat)
        self._beat.start(self.idle / 3, now=False)
        workers = self.server.zcount(self.keys["workers"], time.time(), "+inf")
        logger.info(
            "Shared frontier %s: worker %s (%d live), %d requests queued",
            prefix,
            self.name,
            workers,
            len(self),
        )

    def close(self, reason: str) -> None:
        self._wake.cancel()
        if self._beat is not None and self._beat.running:
            self._beat.stop()
        self._reap()
        if int(self.server.get(self.keys["lost"]) or 0):
            # an ERROR makes this run not clean: its list validators and bookmark are not saved,
            # so the next harvest walks the lists again and fetches what the lost worker had popped
            logger.error("Shared frontier: a worker of this crawl died; the crawl is not complete")
        now = time.time()
        with self.server.pipeline() as pipe:
            pipe.zrem(self.keys["workers"], self.name)
            pipe.zrem(self.keys["busy"], self.name)
            pipe.zcount(self.keys["workers"], now, "+inf")
            left = pipe.execute()[-1]
        if not left and not len(self):
            self.server.delete(*self.keys.values())  # the last worker out: the next crawl starts afresh
        self.server.close()

    def __len__(self) -> int:
        return int(self.server.zcard(self.keys["queue"]))

    def has_pending_requests(self) -> bool:
        """True while the shared queue holds requests or another live worker is busy.

        The engine asks only when this worker has nothing of its own in flight (downloads,
        scraping, start requests), so this is also where the worker marks itself idle. While it
        answers True with an empty queue, it wakes the engine every WAKE seconds to look again,
        rather than on the engine's 5-second heartbeat.
        """
        if self.busy:
            self.busy = False
            self.server.zrem(self.keys["busy"], self.name)
        if len(self):
            return True
        others = self.server.zcount(self.keys["busy"], time.time(), "+inf")
        if others:
            self._wake.schedule(self.WAKE)
        return bool(others)

    def _heartbeat(self) -> None:
        """Keep this worker's marks alive; a worker that dies stops counting after `idle` seconds."""
        deadline = time.time() + self.idle
        with self.server.pipeline() as pipe:
            pipe.zadd(self.keys["workers"], {self.name: deadline})
            if self.busy:
                pipe.zadd(self.keys["busy"], {self.name: deadline})
            pipe.zremrangebyscore(self.keys["busy"], "-inf", time.time())
            pipe.execute()
        self._reap()

    def _reap(self) -> None:
        """Count the workers whose marks ran out without closing (killed): their popped requests are lost."""
        for name in self.server.zrangebyscore(self.keys["workers"], "-inf", time.time()):
            if self.server.zrem(self.keys["workers"], name):  # one worker counts each death once
                self.server.incr(self.keys["lost"])
                logger.error("Shared frontier: worker %s stopped without closing", name.decode())
                self.stats.inc_value("harvest/frontier/lost_workers")

    def _wake_engine(self) -> None:
        # The engine has no public "look at the scheduler again"; without its slot (other Scrapy
        # versions) the engine's own 5-second heartbeat still polls, only slower.
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    def enqueue_request(self, request: Request) -> bool:
        if not request.dont_filter:
            fingerprint = self.crawler.request_fingerprinter.fingerprint(request)
            if not self.server.sadd(self.keys["seen"], fingerprint):
                self.stats.inc_value("harvest/frontier/filtered")
                return False
        score = -request.priority * PRIORITY_SPAN + self.server.incr(self.keys["order"])
        self.server.zadd(self.keys["queue"], {self._encode(request): score})
        self.stats.inc_value("harvest/frontier/pushed")
        return True

    def next_request(self) -> Request | None:
        # popping and marking this worker busy in one transaction: no other worker sees the
        # queue empty and nobody busy in between (and leaves while links are still to come)
        with self.server.pipeline() as pipe:
            pipe.zpopmin(self.keys["queue"])
            pipe.zadd(self.keys["busy"], {self.name: time.time() + self.idle})
            popped, _ = pipe.execute()
        if not popped:
            if not self.busy:
                self.server.zrem(self.keys["busy"], self.name)
            self._wake.schedule(self.WAKE)  # another worker may push while this one is still busy
            return None
        self.busy = True
        self.stats.inc_value("harvest/frontier/popped")
        return self._decode(popped[0][0])

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
