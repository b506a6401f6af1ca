"""`scrapy harvest`: run the configured spiders once (cron, systemd timers) or every so often.

Spiders and their arguments come from HARVEST_SPIDERS (all by default, `--spider NAME` to pick).
A lock beside the database keeps two harvests from overlapping: the second says so and exits
with status 75 (EX_TEMPFAIL). On a terminal a progress line is kept up to date; elsewhere a
log line is written every HARVEST_PROGRESS_INTERVAL seconds. Every run ends with a table.
`--once` exits 1 when a spider did not finish by itself (failed to start, was interrupted).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.exceptions import UsageError
from scrapy.utils.asyncio import create_looping_call

from crawler.commands.base import GuardedCommand, InputError
from crawler.db.engine import archive_writable
from crawler.harvest.lock import HarvestLocked, harvest_lock
from crawler.harvest.progress import progress_line, run_figures, summary_table
from crawler.harvest.schedule import jittered, parse_interval, spider_plan

logger = logging.getLogger(__name__)

EXIT_LOCKED = 75  # EX_TEMPFAIL: another harvest holds the database; try again later


class Progress:
    """Redraws one line on a terminal, or logs a line every `interval` seconds elsewhere."""

    def __init__(self, crawlers: list[Crawler], tty: bool, interval: float) -> None:
        self.crawlers = crawlers
        self.tty = tty
        self.interval = 0.5 if tty else interval
        self.started = time.monotonic()
        self.loop: Any = None

    def figures(self) -> list[dict[str, Any]]:
        return [run_figures(c.spidercls.name, c.stats.get_stats()) for c in self.crawlers]

    def tick(self) -> None:
        line = progress_line(self.figures(), time.monotonic() - self.started)
        if self.tty:
            sys.stderr.write("\r\x1b[2K" + line)
            sys.stderr.flush()
        else:
            logger.info("Progress: %s", line)

    def start(self) -> None:
        if self.interval > 0:
            self.loop = create_looping_call(self.tick)
            self.loop.start(self.interval, now=False)

    def stop(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.tty:
            self.tick()
            sys.stderr.write("\n")


class Command(GuardedCommand, ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[--once | --every INTERVAL] [--spider NAME ...]"

    def short_desc(self) -> str:
        return "Harvest the configured spiders incrementally, once or on a schedule"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--spider", action="append", default=[], metavar="NAME", help="run this spider (repeatable)"
        )
        when = parser.add_mutually_exclusive_group()
        when.add_argument("--once", action="store_true", help="one harvest, then exit (the default)")
        when.add_argument("--every", metavar="INTERVAL", help="harvest, wait INTERVAL (30m, 6h, 1d), repeat")

    def process_options(self, args: list[str], opts: Any) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        # On a terminal the progress line replaces Scrapy's INFO chatter (-L or LOG_FILE bring it back).
        if sys.stderr.isatty() and not self.settings.get("LOG_FILE"):
            self.settings.set("LOG_LEVEL", "WARNING", priority="command")

    def run(self, args: list[str], opts: Any) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        assert self.settings is not None and self.crawler_process is not None
        chosen = [name.strip() for value in opts.spider for name in value.split(",") if name.strip()]
        try:
            plan = spider_plan(
                self.settings.getdict("HARVEST_SPIDERS"), chosen, self.crawler_process.spider_loader.list()
            )
            interval = parse_interval(opts.every) if opts.every else None
        except ValueError as error:
            raise UsageError(str(error)) from None
        db_url = self.settings.get("HARVEST_DB_URL")
        if (why := archive_writable(db_url)) is not None:
            raise InputError(f"cannot harvest into the archive: {why}")
        try:
            with harvest_lock(db_url):
                if interval is None:
                    self.exitcode = 0 if self.harvest_once(plan) else 1
                else:
                    self.harvest_every(plan, interval)
        except HarvestLocked as locked:
            sys.stderr.write(f"scrapy harvest: {locked}; not starting\n")
            self.exitcode = EXIT_LOCKED

    def start_crawlers(self, plan: list[tuple[str, dict[str, str]]]) -> list[Crawler]:
        assert self.crawler_process is not None
        crawlers = []
        for name, arguments in plan:
            crawler = self.crawler_process.create_crawler(name)
            self.crawler_process.crawl(crawler, **arguments)
            crawlers.append(crawler)
        return crawlers

    def new_progress(self, crawlers: list[Crawler]) -> Progress:
        assert self.settings is not None
        return Progress(crawlers, sys.stderr.isatty(), self.settings.getfloat("HARVEST_PROGRESS_INTERVAL"))

    def report(self, progress: Progress) -> bool:
        """Print the summary table; True when every spider finished by itself."""
        figures = progress.figures()
        sys.stdout.write(summary_table(figures) + "\n")
        sys.stdout.flush()
        return bool(figures) and all(f["finish_reason"] == "finished" for f in figures)

    def harvest_once(self, plan: list[tuple[str, dict[str, str]]]) -> bool:
        assert self.crawler_process is not None
        crawlers = self.start_crawlers(plan)
        progress = self.new_progress(crawlers)
        asyncio.get_event_loop().call_soon(progress.start)
        self.crawler_process.start()
        progress.stop()
        return self.report(progress) and not self.crawler_process.bootstrap_failed

    def harvest_every(self, plan: list[tuple[str, dict[str, str]]], interval: float) -> None:
        assert self.settings is not None and self.crawler_process is not None
        process = self.crawler_process
        if not isinstance(process, AsyncCrawlerRunner):
            raise UsageError("--every needs the asyncio reactor (TWISTED_REACTOR)")
        jitter = self.settings.getfloat("HARVEST_EVERY_JITTER")

        async def forever() -> None:
            while True:
                progress = self.new_progress(self.start_crawlers(plan))
                progress.start()
                await process.join()
                progress.stop()
                self.report(progress)
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
