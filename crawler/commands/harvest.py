"""`scrapy harvest`: run the registry's sources once (cron, systemd timers) or every so often.

Sources come from the registry (crawler/sources.toml, HARVEST_SOURCES or `--sources FILE`),
all of them or those of `--source NAME`; a bad registry or an unknown name is one `error:`
line and exit status 2, before anything starts. HARVEST_SPIDERS / `--spider` still run bare
spiders (deprecated). A lock beside the database keeps two harvests from overlapping: the
second says so and exits with status 75 (EX_TEMPFAIL). On a terminal a progress line is kept
up to date; elsewhere a log line is written every HARVEST_PROGRESS_INTERVAL seconds. Every run
ends with a table holding each source's health verdict; `--once` exits 1 when a source
failed (or did not finish by itself), 3 when none failed but one was degraded.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from crawler.commands.base import GuardedCommand, InputError, Progress
from crawler.commands.base import error as error_line  # a method here names its exception `error`
from crawler.commands.sources import list_sources
from crawler.harvest.health import DEGRADED, FAILED, OK
from crawler.harvest.progress import progress_line, run_figures, summary_table
from crawler.harvest.schedule import Planned, due, jittered, legacy_plan, parse_interval, source_plan
from crawler.sources import choose, load_sources, registry_path

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1  # a source failed, or a run did not finish by itself
EXIT_DEGRADED = 3  # nothing failed, but a source's run was degraded
EXIT_LOCKED = 75  # EX_TEMPFAIL: another harvest holds the database; try again later


def _names(values: list[str]) -> list[str]:
    """Names given as repeated and/or comma-separated options."""
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def _figures(crawlers: list[Crawler]) -> list[dict[str, Any]]:
    """Each crawler's run figures (crawler.harvest.progress.run_figures), as they stand."""
    return [run_figures(c.spidercls.name, c.stats.get_stats()) for c in crawlers]


class Command(GuardedCommand, ScrapyCommand):
    requires_project = True
    interval: float | None = None  # --every, in seconds
    planned: list[Planned]  # set by process_options: the runs of this harvest
    deprecated: tuple[str, ...] = ()  # warnings to log once logging is set up

    def syntax(self) -> str:
        return "[--once | --every INTERVAL] [--sources FILE] [--source NAME ...] [--list]"

    def short_desc(self) -> str:
        return "Harvest the registry's sources incrementally, once or on a schedule"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        parser.add_argument("--sources", metavar="FILE", help="the registry (default: HARVEST_SOURCES)")
        parser.add_argument(
            "--source", action="append", default=[], metavar="NAME", help="run this source (repeatable)"
        )
        parser.add_argument("--list", action="store_true", help="list the sources and their last verdict")
        parser.add_argument(
            "--spider", action="append", default=[], metavar="NAME",
            help="deprecated: a spider of HARVEST_SPIDERS, or a source",
        )  # fmt: skip
        when = parser.add_mutually_exclusive_group()
        when.add_argument("--once", action="store_true", help="one harvest, then exit (the default)")
        when.add_argument("--every", metavar="INTERVAL", help="harvest, wait INTERVAL (30m, 6h, 1d), repeat")

    def process_options(self, args: list[str], opts: Any) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        # Bad input stops here, before Scrapy's start-up logging: one line, exit status 2.
        try:
            if args:
                raise ValueError(f"unexpected arguments: {' '.join(args)}")
            self.interval = parse_interval(opts.every) if opts.every else None
            self.planned = [] if opts.list else self.plan(opts, get_spider_loader(self.settings))
        except ValueError as problem:  # SourceError included
            raise SystemExit(error_line(str(problem))) from None
        # On a terminal the progress line replaces Scrapy's INFO chatter (-L or LOG_FILE bring it back).
        if sys.stderr.isatty() and not self.settings.get("LOG_FILE"):
            self.settings.set("LOG_LEVEL", "WARNING", priority="command")

    def run(self, args: list[str], opts: Any) -> None:
        from crawler.db.engine import archive_writable
        from crawler.harvest.lock import HarvestLocked, harvest_lock

        assert self.settings is not None and self.crawler_process is not None
        for warning in self.deprecated:
            logger.warning("%s", warning)
        if opts.list:
            self.exitcode = list_sources(self.settings, opts.sources)
            return
        db_url = self.settings.get("HARVEST_DB_URL")
        if (why := archive_writable(db_url)) is not None:
            raise InputError(f"cannot harvest into the archive: {why}")
        try:
            with harvest_lock(db_url):
                if self.interval is None:
                    self.exitcode = self.harvest_once(self.planned)
                else:
                    self.harvest_every(self.planned, self.interval)
        except HarvestLocked as locked:
            sys.stderr.write(f"scrapy harvest: {locked}; not starting\n")
            self.exitcode = EXIT_LOCKED

    def plan(self, opts: Any, loader: Any) -> list[Planned]:
        """The runs of this harvest: the chosen sources, or (deprecated) HARVEST_SPIDERS."""
        assert self.settings is not None
        spiders = _names(opts.spider)
        legacy = self.settings.get("HARVEST_SPIDERS")
        if legacy and not (opts.sources or opts.source):
            try:
                config = json.loads(legacy) if isinstance(legacy, str) else dict(legacy)
            except json.JSONDecodeError as error:
                raise ValueError(f"HARVEST_SPIDERS is not JSON: {error}") from None
            if config:
                self.deprecated = ("HARVEST_SPIDERS is deprecated: harvesting its spiders, not the registry",)
                return legacy_plan(config, spiders, loader)
        if spiders:
            self.deprecated = ("--spider is deprecated: use --source NAME",)
        sources = load_sources(registry_path(self.settings, opts.sources))
        return source_plan(choose(sources, _names(opts.source) + spiders), loader)

    def start_crawlers(self, plan: list[Planned]) -> list[Crawler]:
        assert self.crawler_process is not None
        crawlers = []
        for planned in plan:
            crawler = self.crawler_process.create_crawler(planned.spidercls)
            self.crawler_process.crawl(crawler, **planned.arguments)
            crawlers.append(crawler)
        return crawlers

    def new_progress(self, crawlers: list[Crawler]) -> Progress:
        assert self.settings is not None
        return Progress(
            line=lambda elapsed: progress_line(_figures(crawlers), elapsed),
            interval=self.settings.getfloat("HARVEST_PROGRESS_INTERVAL"),
        )

    def report(self, crawlers: list[Crawler]) -> int:
        """Print the summary table (a verdict per source); the exit status it calls for."""
        figures = _figures(crawlers)
        sys.stdout.write(summary_table(figures) + "\n")
        sys.stdout.flush()
        if not figures or any(f["verdict"] == FAILED or f["finish_reason"] != "finished" for f in figures):
            return EXIT_FAILED
        return EXIT_DEGRADED if any(f["verdict"] == DEGRADED for f in figures) else EXIT_OK

    def harvest_once(self, plan: list[Planned]) -> int:
        assert self.crawler_process is not None
        crawlers = self.start_crawlers(plan)
        progress = self.new_progress(crawlers)
        asyncio.get_event_loop().call_soon(progress.start)
        self.crawler_process.start()
        progress.stop()
        status = self.report(crawlers)
        return EXIT_FAILED if self.crawler_process.bootstrap_failed else status

    def harvest_every(self, plan: list[Planned], interval: float) -> None:
        assert self.settings is not None and self.crawler_process is not None
        process = self.crawler_process
        if not isinstance(process, AsyncCrawlerRunner):
            raise UsageError("--every needs the asyncio reactor (TWISTED_REACTOR)")
        jitter = self.settings.getfloat("HARVEST_EVERY_JITTER")
        last_started: dict[str, float] = {}

        async def forever() -> None:
            while True:
                now = time.monotonic()
                runs = [p for p in plan if due(p, last_started, now)]
                last_started.update({p.name: now for p in runs})
                crawlers = self.start_crawlers(runs)
                progress = self.new_progress(crawlers)
                progress.start()
                await process.join()
                progress.stop()
                self.report(crawlers)
                for figures in _figures(crawlers):
                    if figures["verdict"] != OK:
                        level = logging.ERROR if figures["verdict"] == FAILED else logging.WARNING
                        logger.log(level, "Source %s: %s", figures["spider"], figures["verdict"])
                wait = jittered(interval, jitter)
                next_run = datetime.now(UTC) + timedelta(seconds=wait)
                message = f"Next harvest at {next_run:%Y-%m-%d %H:%M:%S} UTC (in {wait:.0f} s)"
                if progress.tty:
                    sys.stderr.write(message + "\n")
                else:
                    logger.info("%s", message)
                await asyncio.sleep(wait)

        asyncio.get_event_loop().call_soon(lambda: asyncio.ensure_future(forever()))
        process.start(stop_after_crawl=False)
