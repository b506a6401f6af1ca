"""`scrapy extract PATH|URL…`: the crawl's item chain, minus storage, on saved pages or URLs."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import scrapy
from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.extract.profiles import PROFILES
from crawler.urls import canonical_url, site_of
from spiders.base import HarvestSpider

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


class ExtractSpider(HarvestSpider):
    """Fetches the given inputs (file:// or http) and yields each as a raw article page."""

    name = "extract"
    default_base_url = "file:///"

    def __init__(
        self, *args: Any, inputs: list[tuple[int, str, str]], profile: str | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.inputs = inputs  # (index, address to fetch, the page's original address)
        self.profile = profile

    async def start(self) -> AsyncIterator[Any]:
        for index, fetch, page_url in self.inputs:
            yield scrapy.Request(
                fetch,
                callback=self.parse_input,
                errback=self.input_failed,
                meta={"harvest_input": index, "harvest_page_url": page_url, "handle_httpstatus_all": True},
                dont_filter=True,
            )

    def parse_input(self, response: Response) -> Any:
        item = self.article_item(response)
        page_url = response.meta["harvest_page_url"]
        item.update(url=page_url, canonical_url=canonical_url(page_url), site=site_of(page_url))
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


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict[str, Any]] = {
        "ROBOTSTXT_OBEY": False,  # the user named these pages
    }

    def syntax(self) -> str:
        return "[options] PATH|URL ..."

    def short_desc(self) -> str:
        return "Clean saved pages or URLs with the crawl's item chain; print one JSON object each"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        parser.add_argument("--url", help="the page's original address (with a single input)")
        parser.add_argument("--profile", choices=sorted(PROFILES), help="layout profile (default: detect)")

    def process_options(self, args: list[str], opts: Any) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        pipelines = dict(self.settings.getdict("ITEM_PIPELINES"))
        pipelines.pop("pipelines.storage.StoragePipeline", None)
        self.settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")
        if not opts.loglevel and not opts.nolog:  # stdout is the JSON; the log only says what went wrong
            self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")

    def run(self, args: list[str], opts: Any) -> None:
        if not args:
            raise UsageError("give at least one PATH or URL")
        if opts.url and len(args) > 1:
            raise UsageError("--url names one page: give a single input with it")
        results: dict[int, dict[str, Any]] = {}
        inputs: list[tuple[int, str, str]] = []
        for index, arg in enumerate(args):
            if "://" in arg:
                inputs.append((index, arg, opts.url or arg))
                continue
            path = Path(arg)
            if not path.is_file():
                results[index] = {"input": arg, "error": f"no such file: {arg}"}
                continue
            inputs.append((index, path.resolve().as_uri(), opts.url or path.resolve().as_uri()))

        def scraped(item: Any, response: Response, spider: Any) -> None:
            index = response.meta["harvest_input"]
            results[index] = {"input": args[index], **article_json(item)}

        def dropped(
            item: Any, response: Response | None, exception: BaseException, spider: Any, **kw: Any
        ) -> None:
            index = kw.get("harvest_input", response.meta["harvest_input"] if response is not None else None)
            results[index] = {"input": args[index], "error": str(exception) or type(exception).__name__}

        if inputs:
            assert self.crawler_process is not None
            crawler = self.crawler_process.create_crawler(ExtractSpider)
            crawler.signals.connect(scraped, signal=signals.item_scraped)
            crawler.signals.connect(dropped, signal=signals.item_dropped)
            self.crawler_process.crawl(crawler, inputs=inputs, profile=opts.profile)
            self.crawler_process.start()
        for index, arg in enumerate(args):
            result = results.get(index, {"input": arg, "error": "no result (see the log)"})
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        self.exitcode = 1 if any("error" in r for r in results.values()) or len(results) < len(args) else 0
