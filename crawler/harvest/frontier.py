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

Each worker keeps marks in Redis, refreshed every HARVEST_FRONTIER_IDLE / 3 seconds: "live";
while it has requests of its own in flight, "busy"; once it is ready to finish, "done". A
worker whose engine is idle (spider_idle: nothing of its own in flight, the queue empty) stays
open (DontCloseSpider) while another worker is busy (that worker's page may still yield links),
looking at the queue every 0.1 s; a request found there is handed to the engine with
`engine.crawl` (Scrapy's public way in, which also wakes it). When the queue is empty and nobody
is busy, it marks itself done and stops as soon as every other live worker is done too. A
worker that dies (SIGKILL) stops counting when its marks run out, HARVEST_FRONTIER_IDLE seconds
after its last refresh, and is counted as lost: the requests it had popped, and the articles its
storage stage had not written yet (an idle worker may hold some), are lost to this crawl (their
fingerprints are seen) and are fetched by the next one. A worker never finishes beside a live
one that has not said it is done: one killed between two pages, not busy, would otherwise be
missed, and the crawl would end clean with its articles missing. The last live worker out
deletes the crawl's keys, so the next crawl starts from an empty frontier.

Queued requests are data, never code: one JSON object per request (FORMAT_VERSION, the URL,
method, headers, body, the callback and errback by name, whitelisted meta keys, cb_kwargs of
plain values). Every popped entry is validated against that schema before it becomes a
Request; an entry that does not fit (a pickle, garbage, wrong types, an unknown callback, a
meta key outside META_KEYS) is logged once, counted as `harvest/frontier/malformed` and
dropped, and the worker pops the next one. Anyone who can write to the Redis can therefore
make the workers request URLs (which the downloader middlewares still bound to the harvested
sites), never run code in them: see the threat model in docs/reliability.md.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.reactor import CallLaterOnce

logger = logging.getLogger(__name__)

SCHEDULER = "crawler.harvest.frontier.SharedScheduler"
PRIORITY_SPAN = 2**32  # queue score: -priority * PRIORITY_SPAN + arrival order
FORMAT_VERSION = 1  # of a queued request's JSON; another version is refused like any malformed entry
MAX_ENTRY_BYTES = 64 * 1024  # a bigger queue entry is not even parsed
MAX_URL_CHARS = 8 * 1024
METHODS = frozenset({"GET", "HEAD", "POST"})
SCHEMES = frozenset({"http", "https"})
# The meta keys a queued request keeps (the project's and the Scrapy middlewares' it relies on);
# others are left out when pushing and refused when popping.
META_KEYS: dict[str, type | tuple[type, ...]] = {
    "harvest_list": bool, "harvest_walk": str, "harvest_step": bool, "harvest_article": bool,
    "harvest_recheck": bool, "harvest_conditional": bool, "handle_httpstatus_list": list,
    "handle_httpstatus_all": bool, "dont_retry": bool, "dont_redirect": bool, "retry_times": int,
    "redirect_urls": list, "redirect_times": int, "redirect_ttl": int, "redirect_reasons": list,
    "depth": int, "download_timeout": (int, float),
}  # fmt: skip
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")  # a public method name
_CLASS_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+\Z")


class FrontierAddon:
    """Use SharedScheduler when HARVEST_FRONTIER_URL is set (from the environment or `-s`)."""

    def update_settings(self, settings: Any) -> None:
        if settings.get("HARVEST_FRONTIER_URL"):
            settings.set("SCHEDULER", SCHEDULER, "addon")


class SharedScheduler:
    """Scrapy's scheduler interface over a Redis sorted set (queue) and set (seen fingerprints)."""

    WAKE = 0.1  # s between looks at the shared queue while this worker is idle or waits on its own

    def __init__(self, crawler: Any, server: Any, idle: float) -> None:
        self.crawler = crawler
        self.server = server
        self.idle = idle
        self.stats = crawler.stats
        self.spider: Any = None
        self.keys: dict[str, str] = {}
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.busy = True  # until the engine first asks while it has nothing of its own to do
        self.done = False  # idle, the queue empty and nobody busy: waiting for the others to be done
        self._waiting: set[bytes] = set()  # live workers not done that this one waits for (logged once)
        self._beat: Any = None
        self._look = CallLaterOnce(self._look_at_queue)
        self._ready: list[Request] = []  # popped by _look_at_queue, handed to the engine
        self._handing: Request | None = None  # the request engine.crawl is passing back to enqueue_request

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedScheduler:
        import redis

        url = crawler.settings.get("HARVEST_FRONTIER_URL")
        if not url:
            raise NotConfigured("HARVEST_FRONTIER_URL is not set")
        server = redis.Redis.from_url(url)
        server.ping()  # a wrong address fails here, before the crawl starts
        scheduler = cls(crawler, server, crawler.settings.getfloat("HARVEST_FRONTIER_IDLE"))
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    def open(self, spider: Any) -> None:
        self.spider = spider
        base = self.crawler.settings.get("HARVEST_FRONTIER_KEY") or "harvest:frontier"  # tests: their own
        prefix = f"{base}:{spider.name}"
        self.keys = {
            name: f"{prefix}:{name}" for name in ("queue", "seen", "order", "workers", "busy", "done", "lost")
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
        self._look.cancel()
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
            pipe.zrem(self.keys["done"], self.name)
            pipe.zcount(self.keys["workers"], now, "+inf")
            left = pipe.execute()[-1]
        if not left and not len(self):
            self.server.delete(*self.keys.values())  # the last worker out: the next crawl starts afresh
        self.server.close()

    def __len__(self) -> int:
        return int(self.server.zcard(self.keys["queue"]))

    def has_pending_requests(self) -> bool:
        """True while the shared queue (or the hand-over) holds requests.

        The engine asks only when this worker has nothing of its own in flight (downloads,
        scraping, start requests), so this is also where the worker marks itself idle.
        """
        if self.busy:
            self.busy = False
            self.server.zrem(self.keys["busy"], self.name)
        return bool(self._ready) or len(self) > 0

    def spider_idle(self, spider: Spider) -> None:
        """The engine is idle: keep the spider open until the crawl may end here, and look again soon."""
        if not self._may_finish():
            self._look.schedule(self.WAKE)
            raise DontCloseSpider("another worker of the shared crawl is busy or not done")

    def _others_busy(self) -> int:
        return int(self.server.zcount(self.keys["busy"], time.time(), "+inf"))

    def _may_finish(self) -> bool:
        """Nobody is busy and every other live worker is done: this worker marks itself done first.

        It marks itself done only once its storage has written every article it was given (an
        idle crawl's storage stage writes its open batch): a done worker killed while the others
        close would otherwise take articles with it unnoticed. A live worker that is neither busy
        nor done may have been killed between two pages: its marks run out within
        HARVEST_FRONTIER_IDLE seconds, it is counted as lost (_reap), and then this worker may
        finish, its run not clean.
        """
        archive = getattr(self.crawler, "harvest_archive", None)  # crawler.archive.Archive
        if self._others_busy() or (archive is not None and not archive.settled):
            return False
        now = time.time()
        if not self.done:
            self.done = True
            self.server.zadd(self.keys["done"], {self.name: now + self.idle})
        with self.server.pipeline() as pipe:
            pipe.zrangebyscore(self.keys["workers"], now, "+inf")
            pipe.zrangebyscore(self.keys["done"], now, "+inf")
            live, done = pipe.execute()
        waiting = set(live) - set(done) - {self.name.encode()}
        if waiting - self._waiting:
            logger.info(
                "Shared frontier: waiting for worker %s to finish (or to be counted as lost within %.0f s)",
                ", ".join(sorted(name.decode() for name in waiting - self._waiting)),
                self.idle,
            )
        self._waiting |= waiting
        return not waiting

    def _look_at_queue(self) -> None:
        """Hand the engine a queued request (which wakes it), wait on, or end an idle worker's crawl."""
        if self.crawler.engine is None or self.crawler.engine.spider is None:
            return  # closing
        if not self._ready and len(self):
            request = self._pop()
            if request is not None:
                self._handing = request
                try:
                    self.crawler.engine.crawl(request)  # back through enqueue_request, into _ready
                finally:
                    self._handing = None
                return
        if self.busy or self._ready:
            return  # the engine has work again: it asks again (and says when it is idle)
        if self._may_finish():  # idle since spider_idle, queue empty: what the engine would do now
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="finished"))
        else:
            self._look.schedule(self.WAKE)

    def _heartbeat(self) -> None:
        """Keep this worker's marks alive; a worker that dies stops counting after `idle` seconds."""
        deadline = time.time() + self.idle
        with self.server.pipeline() as pipe:
            pipe.zadd(self.keys["workers"], {self.name: deadline})
            if self.busy:
                pipe.zadd(self.keys["busy"], {self.name: deadline})
            if self.done:
                pipe.zadd(self.keys["done"], {self.name: deadline})
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

    def enqueue_request(self, request: Request) -> bool:
        if request is self._handing:  # popped from the queue already: kept here for next_request
            self._ready.append(request)
            return True
        if not request.dont_filter:
            fingerprint = self.crawler.request_fingerprinter.fingerprint(request)
            if not self.server.sadd(self.keys["seen"], fingerprint):
                self.stats.inc_value("harvest/frontier/filtered")
                return False
        order = self.server.incr(self.keys["order"])  # also makes equal requests distinct members
        entry = json.dumps(encode_request(request, self.spider, order), ensure_ascii=False)
        self.server.zadd(self.keys["queue"], {entry: -request.priority * PRIORITY_SPAN + order})
        self.stats.inc_value("harvest/frontier/pushed")
        return True

    def next_request(self) -> Request | None:
        if self._ready:
            return self._ready.pop(0)
        request = self._pop()
        if request is None:
            self._look.schedule(self.WAKE)  # another worker may push while this one waits on its own
        return request

    def _pop(self) -> Request | None:
        """The next queued request (this worker marked busy), None when the queue is empty."""
        while True:
            # popping and marking this worker busy in one transaction: no other worker sees the
            # queue empty and nobody busy in between (and leaves while links are still to come)
            with self.server.pipeline() as pipe:
                pipe.zpopmin(self.keys["queue"])
                pipe.zadd(self.keys["busy"], {self.name: time.time() + self.idle})
                popped, _ = pipe.execute()
            if not popped:
                if not self.busy:
                    self.server.zrem(self.keys["busy"], self.name)
                return None
            self.busy = True
            if self.done:  # work came back (a worker that joined late): not done any more
                self.done = False
                self.server.zrem(self.keys["done"], self.name)
            self.stats.inc_value("harvest/frontier/popped")
            try:
                return decode_request(popped[0][0], self.spider, self._component)
            except MalformedEntry as problem:
                self.stats.inc_value("harvest/frontier/malformed")
                logger.warning("Shared frontier: dropped a malformed queue entry (%s): %r",
                               problem, popped[0][0][:200])  # fmt: skip

    def _component(self, path: str) -> Any:
        """The crawler's middleware of that class (whose method was the callback); None."""
        engine = self.crawler.engine
        managers = (engine.scraper.spidermw, engine.downloader.middleware, engine.scraper.itemproc)
        for manager in managers:
            for component in manager.middlewares:
                if _class_path(component) == path:
                    return component
        return None


class MalformedEntry(ValueError):
    """A queue entry that is not a request this code wrote: dropped, never run."""


def encode_request(request: Request, spider: Any, order: int) -> dict[str, Any]:
    """The JSON-ready form of a request: data only, callbacks by name, META_KEYS only."""
    entry: dict[str, Any] = {
        "v": FORMAT_VERSION,
        "order": order,
        "url": request.url,
        "method": request.method,
        "headers": {
            key.decode("latin-1"): [value.decode("latin-1") for value in values]
            for key, values in request.headers.items()
        },
        "body": request.body.decode("latin-1"),
        "priority": request.priority,
        "dont_filter": request.dont_filter,
        "flags": list(request.flags),
        "meta": {key: value for key, value in request.meta.items() if key in META_KEYS},
        "cb_kwargs": {key: _encode_value(value) for key, value in request.cb_kwargs.items()},
    }
    for name in ("callback", "errback"):
        function = getattr(request, name)
        if function is None:
            continue
        owner = getattr(function, "__self__", None)
        if owner is None:
            raise ValueError(f"{name} {function!r} of {request.url} is not a method: it cannot be queued")
        entry[name] = {
            "method": function.__name__,
            "component": None if owner is spider else _class_path(owner),
        }
    return entry


def decode_request(data: bytes | str, spider: Any, component: Callable[[str], Any]) -> Request:
    """The request a queue entry describes, after checking every field; MalformedEntry if any is off.

    `component(class_path)` finds the crawler's middleware whose method is a callback (or None).
    """
    if len(data) > MAX_ENTRY_BYTES:
        raise MalformedEntry(f"{len(data)} bytes, over {MAX_ENTRY_BYTES}")
    try:
        entry = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise MalformedEntry("not JSON") from None
    if not isinstance(entry, dict):
        raise MalformedEntry("not a JSON object")
    if entry.get("v") != FORMAT_VERSION:
        raise MalformedEntry(f"format version {entry.get('v')!r}, this worker reads {FORMAT_VERSION}")
    expected = {"v", "order", "url", "method", "headers", "body", "priority", "dont_filter", "flags",
                "meta", "cb_kwargs", "callback", "errback"}  # fmt: skip
    unknown = set(entry) - expected
    if unknown:
        raise MalformedEntry(f"unknown fields {sorted(unknown)}")
    url = _field(entry, "url", str)
    try:
        parts = urlsplit(url) if len(url) <= MAX_URL_CHARS else None
    except ValueError:  # a malformed IPv6 address
        parts = None
    if parts is None or parts.scheme not in SCHEMES or not parts.hostname:
        raise MalformedEntry(f"not an http(s) URL of at most {MAX_URL_CHARS} characters")
    method = _field(entry, "method", str)
    if method not in METHODS:
        raise MalformedEntry(f"method {method!r}")
    headers = _field(entry, "headers", dict)
    if not all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in headers.values()):
        raise MalformedEntry("headers: not lists of strings")
    meta = _field(entry, "meta", dict)
    for key, value in meta.items():
        if key not in META_KEYS:
            raise MalformedEntry(f"meta key {key!r} is not carried by the frontier")
        if not isinstance(value, META_KEYS[key]) or (isinstance(value, bool) and META_KEYS[key] is not bool):
            raise MalformedEntry(f"meta {key}: {type(value).__name__}")
    flags = _field(entry, "flags", list)
    if not all(isinstance(flag, str) for flag in flags):
        raise MalformedEntry("flags: not strings")
    priority = _field(entry, "priority", int)
    if isinstance(priority, bool) or abs(priority) >= PRIORITY_SPAN:
        raise MalformedEntry(f"priority {priority!r}")
    try:
        request = Request(
            url,
            method=method,
            headers=headers,
            body=_field(entry, "body", str).encode("latin-1"),
            meta=meta,
            cb_kwargs={key: _decode_value(value) for key, value in _field(entry, "cb_kwargs", dict).items()},
            priority=priority,
            dont_filter=_field(entry, "dont_filter", bool),
            flags=flags,
            callback=_callback(entry.get("callback"), spider, component),
            errback=_callback(entry.get("errback"), spider, component),
        )
    except (TypeError, ValueError) as problem:  # a latin-1 body that is not, an unparseable URL …
        raise MalformedEntry(str(problem)) from None
    return request


def _field(entry: dict[str, Any], name: str, kind: type) -> Any:
    value = entry.get(name)
    if not isinstance(value, kind):
        raise MalformedEntry(f"{name}: {type(value).__name__}, not {kind.__name__}")
    return value


def _callback(named: Any, spider: Any, component: Callable[[str], Any]) -> Any:
    """The spider's (or a crawler component's) public method a queue entry names; None for none."""
    if named is None:
        return None
    if not isinstance(named, dict) or set(named) != {"method", "component"}:
        raise MalformedEntry("callback: not {method, component}")
    method, path = named["method"], named["component"]
    if not isinstance(method, str) or not _NAME.match(method):
        raise MalformedEntry(f"callback {method!r} is not a public method name")
    if path is None:
        owner = spider
        if method != "parse" and hasattr(Spider, method):  # close, start, from_crawler …: not callbacks
            raise MalformedEntry(f"{method!r} is not a spider callback")
    elif isinstance(path, str) and _CLASS_PATH.match(path):
        owner = component(path)
        if owner is None:
            raise MalformedEntry(f"no component {path} in this worker")
    else:
        raise MalformedEntry(f"callback component {path!r}")
    function = getattr(type(owner), method, None)
    if not callable(function):
        raise MalformedEntry(f"{type(owner).__name__} has no method {method!r}")
    return getattr(owner, method)


def _encode_value(value: Any) -> Any:
    """A cb_kwargs value as JSON: plain values as they are, a date as {"date": "YYYY-MM-DD"}."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return {"date": value.isoformat()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError(f"cb_kwargs value {value!r} cannot be queued (plain values and dates only)")


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) != {"date"} or not isinstance(value["date"], str):
            raise MalformedEntry("cb_kwargs: an object that is not {date}")
        try:
            return date.fromisoformat(value["date"])
        except ValueError:
            raise MalformedEntry(f"cb_kwargs: not a date: {value['date']!r}") from None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise MalformedEntry(f"cb_kwargs: {type(value).__name__}")


def _class_path(obj: Any) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"
