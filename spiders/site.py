"""Any news site without a profile: `scrapy crawl site -a start=URL[,URL…]`.

The spider walks the start URLs' hosts: it reads `robots.txt` Sitemap lines and `/sitemap.xml`
(index or urlset), RSS/Atom feeds (linked from pages, or given as start URLs), and the HTML
pages themselves, following list pagination. What is an article is decided by URL shape
(`ARTICLE_URLS`: TRS, dated paths, DedeCMS, Founder, `content_N`, `article_show.aspx?id=N` …)
and, for a page of another shape, by the extractor's own verdict (crawler.extract): only a page
it reads as an article with a dated byline is handed on, and never one at a channel address
(`/xwzx/`, `index_2.html`) or a forum's (`/bbs/`, `thread-N`). A page that links many articles (a
list) is never handed on, whatever its address. Search pages and
non-HTML files are not followed; error pages are never handed on. Articles go through the same
item chain and storage as every spider; stored ones are not fetched again (incremental).

Arguments: `start` (comma-separated), `depth` (link hops from a start page, pagination not
counted; default HARVEST_SITE_DEPTH), `max_pages` (pages walked a run, articles aside;
HARVEST_SITE_MAX_PAGES),
`allow` / `deny` (regular expressions on the URL), `since` (YYYY-MM-DD: links dated earlier
and sitemap entries modified earlier are skipped), `probe` (0: no robots.txt/sitemap.xml
probing; the `sitemap` and `feed` kinds of the registry use it).

`Discovery` is the link logic alone; `xcgb_news` uses it when its selectors find nothing.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from lxml import etree
from parsel import Selector
from scrapy.http import Response, TextResponse
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawler.extract import NotAnArticle, extract_page
from crawler.harvest.health import PROBE_ANSWERED
from crawler.text.dates import parse_date
from crawler.urls import canonical_url, host_of
from spiders.base import HarvestSpider

# URL shapes of article pages (field notes, section 2), matched against path + query.
ARTICLE_URLS = re.compile(
    r"""(
        /t(19|20)\d{6}_\d+\.s?html?$                        # TRS: /202101/t20210104_123.html
      | /(19|20)\d{2}-?\d{2}[-/]?\d{2}/[\w-]*\d+\.s?html?$  # /yw/2021-01-04/12.html, /a/x/20210104/12.html
      | /content_\d+(_\d+)?\.s?html?$                       # Founder and many CMSs: content_4411.htm
      | /art_\d+_\d+\.html$                                 # Hanweb: /art/2021/1/4/art_12_345.html
      | /info/\d+/\d+\.s?html?$                             # VSB (博达): /info/1045/12345.htm
      | /n\d/(19|20)\d{2}/\d{4}/c\d+-\d+\.html$             # people.com.cn: /n2/2021/0104/c123-456.html
      | /(article|news|detail|show|view|content)s?/\d{4,}\.s?html?$       # /news/12345.html
      | /(article|news|art|content|detail|show|view)[_-]?(show|detail|view|info)?  # article_show.aspx?id=N
        \.(aspx?|php|jsp|html?)\?(\w+=\w*&)*(id|aid|articleid|newsid|contentid|itemid)=\d+
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Not followed at all: search and login pages, feeds of comments, printer versions.
SKIP_URLS = re.compile(
    r"(search|query|sousuo|login|logout|register|print|comment|javascript:|mailto:|\?.*\b(q|keyword|kw|wd)=)",
    re.IGNORECASE,
)
# Pages that are never articles, whatever the extractor reads in them: channel and index pages
# (a directory address), forum and Q&A threads. Walked for links, never handed on.
NOT_ARTICLE_URLS = re.compile(
    r"(/$|/(index|default|list)[\w-]*\.\w+$|/(bbs|forum|forums|thread|topic|topics|question|questions|ask|"
    r"zhidao|tieba|club)/|thread-\d+|viewthread|showtopic)",
    re.IGNORECASE,
)
# Not pages: files a news harvester has no use for.
FILE_EXTENSIONS = re.compile(
    r"\.(jpe?g|png|gif|bmp|webp|svg|ico|pdf|docx?|xlsx?|pptx?|wps|zip|rar|7z|gz|mp[34]|avi|flv|wmv|mov|"
    r"swf|exe|apk|css|js|json|txt)$",
    re.IGNORECASE,
)
# List pagination: link texts and URL shapes.
NEXT_TEXTS = frozenset({"下一页", "下页", "后页", "下一頁", "next", "next page", ">", "›", "»", ">>"})
PAGINATION_URLS = re.compile(
    r"(/index_\d+\.s?html?$|/list[_-]\d+(_\d+)?\.s?html?$|[?&](page|pageno|pagenum|p|pn|curpage)=\d+|/page/\d+/?$|"
    r"_\d{1,3}\.s?html?$)",
    re.IGNORECASE,
)
FEED_LINKS = "//item/link/text() | //entry/link[not(@rel) or @rel='alternate']/@href"  # RSS, Atom
LIST_LINKS = 5  # a page offering this many article links, mostly link text, is a list
LINK_TEXT_SHARE = 0.5
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml")


def is_article_url(url: str) -> bool:
    """Whether a URL has the shape of an article page."""
    parts = urlsplit(url)
    return bool(ARTICLE_URLS.search(parts.path + (f"?{parts.query}" if parts.query else "")))


def is_xml(response: Response) -> bool:
    """A sitemap or a feed (by Content-Type, or by how the body starts)."""
    content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
    if "xml" in content_type and "html" not in content_type:
        return True
    head = response.body[:512].lstrip().lower()
    if head.startswith((b"<rss", b"<urlset", b"<sitemapindex", b"<feed")):
        return True
    return head.startswith(b"<?xml") and b"<html" not in head


class Discovery:
    """The generic link logic: which links of a page are articles, list pages or further pages."""

    crawler: Any
    logger: Any
    follow_article: Any  # spiders.base.HarvestSpider's
    walk_of: Any  # spiders.base.HarvestSpider's
    hosts: set[str]
    allow: re.Pattern[str] | None = None
    deny: re.Pattern[str] | None = None
    max_depth = 3
    max_pages = 0  # 0: no cap
    pages_requested = 0

    def article_kwargs(self, depth: int) -> dict[str, Any]:
        """Callback arguments of an article request found at `depth` (the site spider walks on)."""
        return {}

    def in_scope(self, url: str) -> bool:
        """On a harvested host, an HTML page, not a search page, allowed and not denied."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or host_of(url) not in self.hosts:
            return False
        if FILE_EXTENSIONS.search(parts.path) or SKIP_URLS.search(url):
            return False
        if self.deny is not None and self.deny.search(url):
            return False
        return self.allow is None or bool(self.allow.search(url))

    def budget_left(self) -> bool:
        if self.max_pages and self.pages_requested >= self.max_pages:
            self.crawler.stats.inc_value("harvest/site/max_pages_reached")
            return False
        self.pages_requested += 1
        return True

    def discover(self, response: Response, depth: int, page_callback: Any) -> Iterator[Any]:
        """Requests for the links of an HTML page: articles, next list pages, deeper pages, feeds."""
        if not isinstance(response, TextResponse):
            return
        walk = self.walk_of(response)
        seen: set[str] = set()
        for link in response.css("a[href]"):
            url = response.urljoin(link.attrib["href"].strip())
            key = canonical_url(url) if url.startswith("http") else url
            if key in seen or not self.in_scope(url):
                continue
            seen.add(key)
            text = " ".join(link.css("::text").getall()).strip().lower()
            if is_article_url(url):
                self.crawler.stats.inc_value("harvest/site/article_links")
                yield self.follow_article(response, url, **self.article_kwargs(depth + 1))
            elif (text in NEXT_TEXTS or PAGINATION_URLS.search(url)) and self.budget_left():
                yield response.follow(
                    url, callback=page_callback, cb_kwargs={"depth": depth},
                    meta={"harvest_list": True, "harvest_walk": walk, "harvest_step": True},
                )  # fmt: skip
            elif depth < self.max_depth and self.budget_left():
                yield response.follow(url, callback=page_callback, cb_kwargs={"depth": depth + 1},
                                      meta={"harvest_list": True})  # fmt: skip
        for feed in response.css("link[rel=alternate][href]"):
            if feed.attrib.get("type", "").lower() in FEED_TYPES:
                url = response.urljoin(feed.attrib["href"])
                if host_of(url) in self.hosts and self.budget_left():
                    yield response.follow(url, callback=self.parse_xml, meta={"harvest_list": True})

    def probe_answered(self, response: Response) -> bool:
        """Whether to read a response; a probe's answer is counted apart (not the source's health)."""
        if response.meta.get("harvest_probe") and response.status < 400:
            self.crawler.stats.inc_value(PROBE_ANSWERED)
        return response.status == 200

    def parse_xml(self, response: Response) -> Iterator[Any]:
        """A sitemap (index or urlset) or an RSS/Atom feed: its article links, its child sitemaps."""
        if not self.probe_answered(response):
            return
        since = getattr(self, "since", None)
        try:
            sitemap = Sitemap(response.body)
        except (ValueError, StopIteration, etree.XMLSyntaxError):  # empty or not XML at all
            return
        if sitemap.type in ("sitemapindex", "urlset"):
            self.crawler.stats.inc_value(f"harvest/site/{sitemap.type}")
            for entry in sitemap:
                url = entry.get("loc", "")
                modified = _day(entry.get("lastmod"))
                if not url or (since and modified and modified < since):
                    continue
                if sitemap.type == "sitemapindex":
                    if host_of(url) in self.hosts:
                        yield scrapy.Request(url, callback=self.parse_xml, meta={"harvest_list": True})
                elif self.in_scope(url):
                    yield self.follow_article(response, url, **self.article_kwargs(self.max_depth))
            return
        text = (
            response.text if isinstance(response, TextResponse) else response.body.decode("utf-8", "replace")
        )
        selector = Selector(text=text, type="xml")
        selector.remove_namespaces()
        links = selector.xpath(FEED_LINKS).getall()
        if links:
            self.crawler.stats.inc_value("harvest/site/feeds")
        for url in links:
            url = response.urljoin(url.strip())
            if self.in_scope(url):
                yield self.follow_article(response, url, **self.article_kwargs(self.max_depth))

    def is_list_page(self, response: TextResponse) -> bool:
        """A list: LIST_LINKS or more article links, and link text is most of the page's text.

        (An article page may link as many related articles; its own prose outweighs them.)
        """
        hrefs = response.css("a::attr(href)").getall()
        shaped = {canonical_url(response.urljoin(h)) for h in hrefs if is_article_url(response.urljoin(h))}
        if len(shaped) < LIST_LINKS:
            return False
        linked = sum(len(t.strip()) for t in response.css("body a ::text").getall())
        total = sum(
            len(t.strip())
            for t in response.xpath("//body//text()[not(ancestor::script or ancestor::style)]").getall()
        )
        return linked >= LINK_TEXT_SHARE * total


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip()[:10]).date()
    except ValueError:
        return None


class SiteSpider(Discovery, HarvestSpider):
    name = "site"
    profile = None

    def __init__(
        self,
        *args: Any,
        start: str | None = None,
        depth: str | None = None,
        max_pages: str | None = None,
        allow: str | None = None,
        deny: str | None = None,
        since: str | None = None,
        probe: str = "1",
        **kwargs: Any,
    ) -> None:
        self.start_pages = [
            u.strip() for u in (start or kwargs.pop("base_url", "") or "").split(",") if u.strip()
        ]
        if not self.start_pages:
            raise ValueError("site: give -a start=URL (comma-separated for several)")
        for url in self.start_pages:
            if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
                raise ValueError(f"site: start: not an http(s) URL: {url!r}")
        roots = sorted({f"{urlsplit(u).scheme}://{urlsplit(u).netloc}/" for u in self.start_pages})
        super().__init__(*args, base_url=",".join(roots), **kwargs)
        extra = getattr(self, "allowed_domains", None) or []  # a registry entry's `hosts`
        self.hosts = {host_of(u) for u in self.start_pages} | {h.lower() for h in extra}
        self.depth_given = depth
        self.max_pages_given = max_pages
        self.allow = _regex("allow", allow)
        self.deny = _regex("deny", deny)
        self.since = date.fromisoformat(since) if since else None
        self.probe = probe not in ("0", "no", "false")

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SiteSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.max_depth = int(spider.depth_given or settings.getint("HARVEST_SITE_DEPTH", 3))
        spider.max_pages = int(spider.max_pages_given or settings.getint("HARVEST_SITE_MAX_PAGES", 2000))
        return spider

    def arguments(self) -> dict[str, str]:
        arguments = {"start": ",".join(self.start_pages), "depth": str(self.max_depth)}
        if self.since:
            arguments["since"] = self.since.isoformat()
        for name, pattern in (("allow", self.allow), ("deny", self.deny)):
            if pattern is not None:
                arguments[name] = pattern.pattern
        return arguments

    async def start(self) -> AsyncIterator[Any]:
        probes = {"handle_httpstatus_all": True, "harvest_probe": True}
        for url in self.start_pages:
            root = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}/"
            if self.probe:
                yield scrapy.Request(root + "robots.txt", callback=self.parse_robots, meta=probes)
                yield scrapy.Request(root + "sitemap.xml", callback=self.parse_xml, meta=probes)
            yield scrapy.Request(url, callback=self.parse_start, meta={"harvest_list": True})

    def parse_robots(self, response: Response) -> Iterator[Any]:
        if not self.probe_answered(response):
            return
        for url in sitemap_urls_from_robots(response.body):
            if host_of(url) in self.hosts:
                yield scrapy.Request(url, callback=self.parse_xml, meta={"harvest_list": True})

    def parse_start(self, response: Response) -> Iterator[Any]:
        """A start URL: a feed or sitemap given directly, or a page to walk."""
        if is_xml(response):
            yield from self.parse_xml(response)
        else:
            yield from self.parse_page(response, depth=0)

    def parse_page(self, response: Response, depth: int) -> Iterator[Any]:
        """A page of another shape: walked for links; handed on only if it reads as an article."""
        if (
            response.status != 200
            or not isinstance(response, TextResponse)
            or self.too_big_to_parse(response)
        ):
            return
        if is_xml(response):
            yield from self.parse_xml(response)
            return
        self.crawler.stats.inc_value("harvest/site/pages")
        if (
            depth > 0
            and not NOT_ARTICLE_URLS.search(urlsplit(response.url).path)
            and not self.is_list_page(response)
            and self.reads_as_article(response)
        ):
            self.crawler.stats.inc_value("harvest/site/articles_by_verdict")
            yield self.article_item(response)
        yield from self.discover(response, depth, self.parse_page)

    def reads_as_article(self, response: TextResponse) -> bool:
        """A page of no article shape: the extractor reads an article in it, with a date line.

        (Without a URL that says "article", a dated byline is what tells a story from an about
        page or a column's intro, which the extractor may well read as one short article.)
        """
        try:
            fields = extract_page(response.text)
        except NotAnArticle:
            return False
        return any(parse_date(line) for line in fields.meta_lines)

    def parse_article(self, response: Response, depth: int = 0, **fields: Any) -> Iterator[Any]:
        """An article-shaped page: handed on (the extract stage refuses what is not an article)."""
        if response.status != 200 or not isinstance(response, TextResponse) or is_xml(response):
            return
        if self.too_big_to_parse(response):
            yield self.article_item(response, **fields)  # refused, and counted, by the extract stage
            return
        if self.is_list_page(response):
            self.crawler.stats.inc_value("harvest/site/list_at_article_url")
        else:
            yield self.article_item(response, **fields)
        if depth < self.max_depth:
            yield from self.discover(response, depth, self.parse_page)

    def recheck_request(self, url: str, published_at: datetime | None, edition: str | None) -> scrapy.Request:
        request = super().recheck_request(url, published_at, edition)
        request.cb_kwargs["depth"] = self.max_depth
        return request

    def article_kwargs(self, depth: int) -> dict[str, Any]:
        return {"depth": depth}


def _regex(name: str, pattern: str | None) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error as error:
        raise ValueError(f"site: {name}: bad regular expression {pattern!r}: {error}") from None
