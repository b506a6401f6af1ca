"""Crawls in the test process: the project's spiders run by Scrapy's AsyncCrawlerRunner.

A Twisted reactor runs once per process, so the first crawl installs the project's reactor
(TWISTED_REACTOR, asyncio) and runs it on a thread of its own until the test process ends;
each crawl is a coroutine handed to that reactor's event loop. A crawl gets the project
settings with the test's overrides at the priority of `scrapy crawl -s NAME=VALUE`, and its log
is kept at LOG_LEVEL in `scrapy crawl`'s format.

`start_harvest` runs what `scrapy harvest --once [--spider NAME…]` runs of HARVEST_SPIDERS: the
same crawls, at once; `Crawled.harvest_failures` says what its exit status would say of each.

Use a `scrapy` subprocess instead where the process is what is tested: signals, exit
statuses, the command line, a crawl's own memory.
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import json
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.settings import Settings
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.log import DEFAULT_LOGGING
from scrapy.utils.reactor import install_reactor, is_reactor_installed, verify_installed_reactor

from crawler.commands.crawl import crawl_failures
from crawler.demo import REPLICA_SETTINGS
from crawler.harvest.health import OK
from crawler.harvest.progress import run_figures
from crawler.harvest.schedule import spider_plan

PROJECT_SETTINGS = "crawler.settings"
LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"  # Scrapy's LOG_FORMAT


def settings_of(options: Sequence[str]) -> dict[str, str]:
    """`-s NAME=VALUE` options as the settings they give."""
    names, values = options[::2], options[1::2]
    assert set(names) == {"-s"}, options
    return dict(value.split("=", 1) for value in values)


REPLICA = settings_of(REPLICA_SETTINGS)  # no politeness towards the replica on this machine

_loop: asyncio.AbstractEventLoop | None = None
_starting = threading.Lock()


@dataclass(frozen=True)
class Crawled:
    """What a finished crawl left: its final stats and its log (formatted as `scrapy crawl` writes it)."""

    stats: dict[str, Any]
    log: str

    def failures(self) -> list[str]:
        """Why `scrapy crawl` would exit 1 ([] when it would exit 0)."""
        return crawl_failures(self.stats)

    def harvest_failures(self) -> list[str]:
        """Why `scrapy harvest --once` would not exit 0 for this run ([] when it would): it did not
        finish by itself, or its health verdict is not ok (crawler.commands.harvest, Command.report)."""
        figures = run_figures("", self.stats)
        problems = []
        if figures["finish_reason"] != "finished":
            problems.append(f"finish reason {figures['finish_reason']}")
        if figures["verdict"] != OK:
            problems.append(f"verdict {figures['verdict']}")
        return problems


class Crawling:
    """A crawl under way on the reactor thread."""

    def __init__(self, done: Future[list[Crawler]], log: _Log) -> None:
        self._done = done
        self._log = log

    def running(self) -> bool:
        return not self._done.done()

    def log(self) -> str:
        """The log so far."""
        return self._log.text()

    def wait(self, timeout: float = 120) -> list[Crawled]:
        """Each crawler's stats and the whole log, once every crawl has finished."""
        try:
            crawlers = self._done.result(timeout)
        finally:
            self._log.close()
        gc.unfreeze()  # crawler.harvest.memory.FrozenHeap froze this process's heap
        return [Crawled(c.stats.get_stats() if c.stats else {}, self._log.text()) for c in crawlers]


class _Log(logging.Handler):
    """Every record of the crawl at LOG_LEVEL, while it runs (the root logger let down to that level)."""

    def __init__(self, level: str) -> None:
        super().__init__(level)
        self.setFormatter(logging.Formatter(LOG_FORMAT))
        self.lines: list[str] = []
        root = logging.getLogger()
        self._root_level = root.level
        if root.level > self.level:
            root.setLevel(self.level)
        root.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def text(self) -> str:
        return "\n".join(list(self.lines)) + "\n"

    def close(self) -> None:
        root = logging.getLogger()
        if self in root.handlers:
            root.removeHandler(self)
            root.setLevel(self._root_level)
        super().close()


def project_settings(overrides: dict[str, Any]) -> Settings:
    """The project's settings with `overrides` as `-s NAME=VALUE` would give them."""
    settings = Settings()
    settings.setmodule(PROJECT_SETTINGS, priority="project")
    settings.setdict(overrides, priority="cmdline")
    return settings


def start_crawls(
    runs: list[tuple[str, dict[str, str]]], overrides: dict[str, Any], *, together: bool = False
) -> Crawling:
    """Start crawls of (spider, spider arguments) one after the other (`together`: all at once, as
    `scrapy harvest` runs them), in the background."""
    settings = project_settings(overrides)
    loop = _reactor_loop(settings)
    log = _Log(settings["LOG_LEVEL"])

    async def crawl_each() -> list[Crawler]:
        runner = AsyncCrawlerRunner(settings)
        crawlers = [runner.create_crawler(spider) for spider, _ in runs]
        if together:
            await asyncio.gather(*(runner.crawl(c, **a) for c, (_, a) in zip(crawlers, runs, strict=True)))
        else:
            for crawler, (_, arguments) in zip(crawlers, runs, strict=True):
                await runner.crawl(crawler, **arguments)
        return crawlers

    return Crawling(asyncio.run_coroutine_threadsafe(crawl_each(), loop), log)


def start_crawl(spider: str, overrides: dict[str, Any], **arguments: str) -> Crawling:
    """Start `scrapy crawl SPIDER -a NAME=VALUE… -s NAME=VALUE…` in this process, in the background."""
    return start_crawls([(spider, arguments)], overrides)


def crawl(spider: str, overrides: dict[str, Any], timeout: float = 120, **arguments: str) -> Crawled:
    """`scrapy crawl SPIDER -a NAME=VALUE… -s NAME=VALUE…` in this process: its stats and log."""
    [crawled] = start_crawl(spider, overrides, **arguments).wait(timeout)
    return crawled


def harvest_runs(overrides: dict[str, Any], *spiders: str) -> list[tuple[str, dict[str, str]]]:
    """The crawls `scrapy harvest --once [--spider NAME…]` makes of HARVEST_SPIDERS (JSON, in `overrides`)."""
    known = get_spider_loader(project_settings(overrides)).list()
    return spider_plan(json.loads(overrides["HARVEST_SPIDERS"]), list(spiders), known)


def start_harvest(overrides: dict[str, Any], *spiders: str) -> Crawling:
    """`scrapy harvest --once [--spider NAME…]` of HARVEST_SPIDERS in this process, in the background:
    its crawls, all at once; not the command's lock, progress line or summary table."""
    return start_crawls(harvest_runs(overrides, *spiders), overrides, together=True)


def harvest(overrides: dict[str, Any], *spiders: str, timeout: float = 120) -> list[Crawled]:
    """`scrapy harvest --once [--spider NAME…]` of HARVEST_SPIDERS in this process: what its crawls left."""
    return start_harvest(overrides, *spiders).wait(timeout)


def _reactor_loop(settings: Settings) -> asyncio.AbstractEventLoop:
    """The event loop of the project's reactor, running on its own thread (started on first use)."""
    global _loop
    with _starting:
        if _loop is None:
            if not is_reactor_installed():
                install_reactor(settings["TWISTED_REACTOR"], settings["ASYNCIO_EVENT_LOOP"])
            verify_installed_reactor(settings["TWISTED_REACTOR"])
            from twisted.internet import reactor as installed
            from twisted.python.log import PythonLoggingObserver

            # What `scrapy crawl` sets up (scrapy.utils.log.configure_logging) but its root handler and
            # warnings: Twisted's messages (an unhandled error in a Deferred) in the log, levels per logger.
            PythonLoggingObserver("twisted").start()  # type: ignore[no-untyped-call]
            # Scrapy's own loggers stay at the root's level (LOG_LEVEL during a crawl): no DEBUG record
            # of every request is made only to be dropped (pytest keeps and formats each record).
            for name, level in DEFAULT_LOGGING["loggers"].items():  # not dictConfig: it closes every handler
                if name != "scrapy":
                    logging.getLogger(name).setLevel(level["level"])

            reactor: Any = installed  # Twisted's zope interfaces do not type-check as methods
            thread = threading.Thread(
                target=reactor.run, kwargs={"installSignalHandlers": False}, name="test-reactor", daemon=True
            )
            thread.start()
            found: Future[asyncio.AbstractEventLoop] = Future()
            reactor.callFromThread(lambda: found.set_result(asyncio.get_running_loop()))
            _loop = found.result(30)

            def stop() -> None:
                reactor.callFromThread(reactor.stop)
                thread.join(10)

            atexit.register(stop)
        return _loop
