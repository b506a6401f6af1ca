"""`scrapy crawl SPIDER`: Scrapy's command, with the project's input rules and an honest exit status.

Arguments go through crawler.commands.base (an unknown spider or option is one `error:` line,
status 2, before Scrapy starts up). The exit status is 1 when the crawl did not finish by
itself (finish reason other than `finished`, e.g. `storage_failed`) or a feed (`-o FILE`) could
not be written; Scrapy's own command says 0 for both.
"""

from __future__ import annotations

import sys
from typing import Any

from scrapy.commands import crawl
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from crawler.commands.base import EXIT_FAILED, GuardedCommand, error


def crawl_failures(stats: dict[str, Any]) -> list[str]:
    """What went wrong with a finished crawl, from its stats: [] when it finished cleanly."""
    problems = []
    reason = stats.get("finish_reason")
    if reason != "finished":
        problems.append(f"finish reason {reason or 'none'}")
    failed_feeds = sum(n for key, n in stats.items() if key.startswith("feedexport/failed_count/"))
    if failed_feeds:
        problems.append(f"{failed_feeds} feed{'s' if failed_feeds > 1 else ''} not written")
    return problems


class Command(GuardedCommand, crawl.Command):
    def process_options(self, args: list[str], opts: Any) -> None:
        super().process_options(args, opts)
        if len(args) != 1:
            raise UsageError("give one spider name (`scrapy list` shows them)", print_help=False)
        if args[0] not in get_spider_loader(self.settings).list():  # before the crawler process starts
            raise SystemExit(error(f"no spider {args[0]!r} in this project (`scrapy list` shows them)"))

    def run(self, args: list[str], opts: Any) -> None:
        assert self.crawler_process is not None
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        problems = crawl_failures(crawler.stats.get_stats()) if crawler.stats else ["no stats"]
        if self.crawler_process.bootstrap_failed:
            problems.append("the spider did not start")
        if problems:
            sys.stderr.write(f"scrapy crawl {args[0]}: the crawl failed: {'; '.join(problems)}\n")
            self.exitcode = EXIT_FAILED
