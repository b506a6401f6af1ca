"""`scrapy extract PATH|URL|-…`: the crawl's chain (crawler.article), minus storage, on saved pages or URLs.

A URL is fetched as the crawl fetches: HTTP redirects are followed (at most
REDIRECT_MAX_TIMES), a meta refresh too but only within the hosts of the URLs given (like any
redirect: another host is refused as `offsite`); an HTTP error status is the page's answer
(the extractor refuses a 404 template), a host that cannot be reached is that input's error.
robots.txt is not asked (the user named these pages), nothing is retried, no shared frontier.
Saved files are read without any politeness delay or AutoThrottle (they are not a site: forty
files take about the time of one); a path must be a regular file no bigger than
HARVEST_EXTRACT_MAX_BYTES, else that input is refused in its JSON line before anything is read
(a FIFO would hang, /dev/zero would never end). `-` reads one page from standard input, at most
HARVEST_EXTRACT_MAX_BYTES of it plus one byte (more is that input's error: the rest is never read),
and hands it to the chain directly, with no Scrapy download; `--url URL` names its address.
`--layout NAME` names the page's layout profile, as a spider does: the chain checks its selectors
and detects the layout when they do not match (`--profile NAME` still works: it is not Scrapy's
`--profile FILE` here, which would write a cProfile dump). Each page fetched goes straight
through crawler.article.build_article (`cleaned`): no item pipeline runs. Every input's JSON line
is shaped by `input_result`.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.http import Response
from scrapy.settings import SETTINGS_PRIORITIES
from twisted.python.failure import Failure

from crawler.commands.base import GuardedCommand
from crawler.items import Article
from crawler.urls import canonical_url, site_of
from spiders.base import HarvestSpider

logger = logging.getLogger(__name__)

STDIN = "-"  # the input that is one page read from standard input

OUTPUT_FIELDS = (
    "url", "canonical_url", "site", "title", "subtitle", "published_at", "source", "author",
    "editor", "body", "regions", "edition", "encoding", "profile", "flags",
)  # fmt: skip


def article_json(item: Any) -> dict[str, Any]:
    """The printable fields of a processed item: ISO dates, body paragraphs joined by \\n."""
    article = ItemAdapter(item)
    out: dict[str, Any] = {}
    for name in OUTPUT_FIELDS:
        value = article.get(name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif name == "body" and value is not None:
            value = "\n".join(value)
        out[name] = value
    return out


def input_result(given: str, item: Any = None, problem: BaseException | str | None = None) -> dict[str, Any]:
    """One input's JSON line: the fields of its article, or the problem that gave none."""
    if problem is not None:
        return {"input": given, "error": str(problem) or type(problem).__name__}
    return {"input": given, **article_json(item)}


def cleaned(item: Article, settings: Any) -> BaseException | None:
    """The crawl's chain on a raw article item: its fields filled in (None), or why it is dropped."""
    from crawler.article import Options, RawPage, Refusal, build_article, item_fields
    from pipelines.article import refusal_error

    outcome = build_article(RawPage.from_item(item), Options.from_settings(settings))
    if isinstance(outcome, Refusal):
        logger.warning("Dropped %s: %s", item.get("url") or STDIN, outcome.message)
        return refusal_error(outcome)
    item.update(item_fields(outcome))
    return None


# Not Scrapy's every status: 3xx must reach the redirect middlewares to be followed
ANSWER_STATUSES = [*range(200, 300), *range(400, 600)]
# For a one-off command: the pages named are fetched once, robots.txt not asked, no shared queue
# Saved files share one download slot with no delay (AutoThrottle leaves it alone too).
LOCAL_SLOT = "extract:local-files"
EXTRACT_SETTINGS = {
    "ROBOTSTXT_OBEY": False,
    "RETRY_ENABLED": False,
    "HARVEST_FRONTIER_URL": "",
    "ITEM_PIPELINES": {},  # the spider calls the chain itself; nothing is stored
    "DOWNLOAD_SLOTS": {LOCAL_SLOT: {"delay": 0, "concurrency": 16}},
}
# The archive's components: left out of an extract's settings, not even loaded (each would load
# the database layer only to say that storage is off). A None value would still load the class.
ARCHIVE_COMPONENTS = {
    "EXTENSIONS": ["crawler.archive.Archive", "crawler.harvest.runs.RunRecorder"],
    "SPIDER_MIDDLEWARES": ["crawler.middlewares.incremental.IncrementalMiddleware"],
    "DOWNLOADER_MIDDLEWARES": ["crawler.middlewares.incremental.WalkStopMiddleware",
                               "crawler.middlewares.conditional.ConditionalGetMiddleware"],
}  # fmt: skip


class ExtractSpider(HarvestSpider):
    """Fetches the given inputs (file:// or http) and yields each as a cleaned article (or drops it)."""

    name = "extract"
    default_base_url = "file:///"

    def __init__(
        self, *args: Any, inputs: list[tuple[int, str, str]], profile: str | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.inputs = inputs  # (index, address to fetch, the page's original address)
        self.profile = profile
        # redirects and meta refreshes stay on the hosts given (crawler.middlewares.bounds)
        self.allowed_domains = sorted({urlsplit(fetch).hostname or "" for _, fetch, _ in inputs} - {""})

    async def start(self) -> AsyncIterator[Any]:
        for index, fetch, page_url in self.inputs:
            meta: dict[str, Any] = {
                "harvest_input": index,
                "harvest_page_url": page_url,
                "handle_httpstatus_list": ANSWER_STATUSES,
            }
            if fetch.startswith("file:"):
                meta.update(download_slot=LOCAL_SLOT, autothrottle_dont_adjust_delay=True)
            yield scrapy.Request(
                fetch, callback=self.parse_input, errback=self.input_failed, meta=meta, dont_filter=True
            )

    def parse_input(self, response: Response) -> Any:
        item = self.article_item(response)
        page_url = response.meta["harvest_page_url"]
        if response.meta.get("redirect_urls") and page_url == response.meta["redirect_urls"][0]:
            page_url = response.url  # followed a redirect: the page is where it ended
        item.update(url=page_url, canonical_url=canonical_url(page_url), site=site_of(page_url))
        problem = cleaned(item, self.crawler.settings)
        if problem is not None:
            self.crawler.signals.send_catch_log(
                signals.item_dropped, item=item, response=response, exception=problem, spider=self
            )
            return
        yield item

    def input_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.crawler.signals.send_catch_log(
            signals.item_dropped,
            item=None,
            response=None,
            exception=failure.value,
            spider=self,
            harvest_input=request.meta["harvest_input"],
        )


def _fetchable(url: str) -> bool:
    """An http(s) or file URL with a host (http) that parses (`http://[::1` does not)."""
    try:
        parts = urlsplit(url)
        return parts.scheme == "file" or (parts.scheme in ("http", "https") and bool(parts.hostname))
    except ValueError:
        return False


def local_input_problem(path: Path, max_bytes: int) -> str | None:
    """Why a saved page cannot be read (missing, not a regular file, too large); None: it can."""
    try:
        info = path.stat()
    except OSError as error:
        missing = isinstance(error, FileNotFoundError)
        return f"no such file: {path}" if missing else f"cannot read {path}: {error}"
    if not stat.S_ISREG(info.st_mode):
        return f"not a regular file: {path} (a directory, FIFO or device is not a saved page)"
    if max_bytes and info.st_size > max_bytes:
        return f"too large: {path} is {info.st_size} bytes (HARVEST_EXTRACT_MAX_BYTES is {max_bytes})"
    return None


def read_bounded(fd: int, max_bytes: int) -> bytes | None:
    """All that file descriptor `fd` gives, or None once it gives more than `max_bytes` (0: no bound).

    Read straight from the descriptor (no buffer reading ahead): at most `max_bytes` + 1 bytes are taken.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        want = 1 << 16 if not max_bytes else min(1 << 16, max_bytes + 1 - size)
        chunk = os.read(fd, want)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if max_bytes and size > max_bytes:
            return None


def stdin_result(page_url: str | None, layout: str | None, settings: Any) -> dict[str, Any]:
    """The JSON line of the page on standard input (`-`), cleaned without a Scrapy download."""
    max_bytes = settings.getint("HARVEST_EXTRACT_MAX_BYTES")
    if sys.stdin is None:
        return input_result(STDIN, problem="no standard input (it is closed)")
    body = read_bounded(sys.stdin.fileno(), max_bytes)
    if body is None:
        return input_result(
            STDIN, problem=f"too large: standard input holds more than {max_bytes} bytes "
            f"(HARVEST_EXTRACT_MAX_BYTES is {max_bytes}); the rest was not read"
        )  # fmt: skip
    item = Article(
        url=page_url, canonical_url=canonical_url(page_url) if page_url else None,
        site=site_of(page_url) if page_url else None, spider=ExtractSpider.name, profile=layout,
        fetched_at=datetime.now(UTC), raw_body=body, raw_headers={}, status=200, flags=[],
    )  # fmt: skip
    problem = cleaned(item, settings)
    return input_result(STDIN, item, problem)


class Command(GuardedCommand, ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] PATH|URL|- ...   (-: one page from standard input)"

    def short_desc(self) -> str:
        return "Clean saved pages, URLs or standard input with the crawl's chain; print one JSON object each"

    def add_options(self, parser: Any) -> None:
        from crawler.extract.profiles import PROFILES

        super().add_options(parser)
        parser.add_argument("--url", help="the page's original address (with a single input, or -)")
        # `--profile` is the old name: here it is the layout, never Scrapy's cProfile dump
        parser.add_argument("--layout", "--profile", dest="layout", choices=sorted(PROFILES),
                            help="layout profile (default: detect)")  # fmt: skip
        parser.set_defaults(profile=None)  # Scrapy reads opts.profile: no cProfile run

    def process_options(self, args: list[str], opts: Any) -> None:
        super().process_options(args, opts)
        if not args:
            raise UsageError("give at least one PATH or URL, or - for standard input")
        if opts.url and len(args) > 1:
            raise UsageError("--url names one page: give a single input with it")
        if opts.url and not _fetchable(opts.url):
            raise UsageError(f"--url: not a page address (http, https or file): {opts.url}", print_help=False)
        if args.count(STDIN) > 1:
            raise UsageError("standard input holds one page: give - once", print_help=False)
        assert self.settings is not None
        for name, value in EXTRACT_SETTINGS.items():  # over the project's, under the command line's
            if self.settings.getpriority(name) < SETTINGS_PRIORITIES["cmdline"]:
                self.settings.set(name, value, priority="cmdline")
        for name, unused in ARCHIVE_COMPONENTS.items():
            if self.settings.getpriority(name) < SETTINGS_PRIORITIES["cmdline"]:
                components = {k: v for k, v in self.settings.getdict(name).items() if k not in unused}
                self.settings.set(name, components, priority="cmdline")
        if not opts.loglevel and not opts.nolog:  # stdout is the JSON; the log only says what went wrong
            self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")

    def run(self, args: list[str], opts: Any) -> None:
        results: dict[int, dict[str, Any]] = {}
        inputs: list[tuple[int, str, str]] = []
        for index, arg in enumerate(args):
            if arg == STDIN:
                results[index] = stdin_result(opts.url, opts.layout, self.settings)
                continue
            if "://" in arg:
                if not _fetchable(arg):
                    results[index] = input_result(arg, problem=f"not a URL that can be fetched: {arg}")
                else:
                    inputs.append((index, arg, opts.url or arg))
                continue
            path = Path(arg)
            problem = local_input_problem(path, self.settings.getint("HARVEST_EXTRACT_MAX_BYTES"))
            if problem is not None:
                results[index] = input_result(arg, problem=problem)
                continue
            inputs.append((index, path.resolve().as_uri(), opts.url or path.resolve().as_uri()))

        def scraped(item: Any, response: Response, spider: Any) -> None:
            index = response.meta["harvest_input"]
            results[index] = input_result(args[index], item)

        def dropped(
            item: Any, response: Response | None, exception: BaseException, spider: Any, **kw: Any
        ) -> None:
            index = kw.get("harvest_input", response.meta["harvest_input"] if response is not None else None)
            assert isinstance(index, int), "every request of an input carries its index"
            results[index] = input_result(args[index], problem=exception)

        if inputs:
            assert self.crawler_process is not None
            crawler = self.crawler_process.create_crawler(ExtractSpider)
            crawler.signals.connect(scraped, signal=signals.item_scraped)
            crawler.signals.connect(dropped, signal=signals.item_dropped)
            self.crawler_process.crawl(crawler, inputs=inputs, profile=opts.layout)
            self.crawler_process.start()
        for index, arg in enumerate(args):
            result = results.get(index) or input_result(arg, problem="no result (see the log)")
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        self.exitcode = 1 if any("error" in r for r in results.values()) or len(results) < len(args) else 0
