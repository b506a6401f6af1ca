"""The generic site spider's decisions on small pages written here (no network, no crawl)."""

from __future__ import annotations

import asyncio

import pytest
import scrapy
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from spiders.site import SiteSpider, is_article_url

SITE = "http://www.county.example/"


def make_spider(**kwargs: str) -> SiteSpider:
    kwargs.setdefault("start", SITE + "xwzx/")
    return SiteSpider.from_crawler(get_crawler(SiteSpider), **kwargs)


def html(url: str, body: str, status: int = 200, title: str = "t") -> HtmlResponse:
    page = f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>{body}</body></html>'
    return HtmlResponse(url=url, body=page.encode("utf-8"), status=status, request=scrapy.Request(url))


def requests_of(output) -> list[tuple[str, str]]:
    """(callback, url) of each request a callback yielded."""
    return [(r.callback.__name__, r.url) for r in output if isinstance(r, scrapy.Request)]


@pytest.mark.parametrize(
    ("url", "article"),
    [
        ("http://a.cn/xwzx/202101/t20210104_123.html", True),  # TRS
        ("http://a.cn/yw/2021-01-04/12.html", True),  # dated path
        ("http://a.cn/a/news/20210104/12.html", True),  # DedeCMS
        ("http://a.cn/pc/con/202101/04/content_4411.html", True),  # Founder
        ("http://a.cn/art/2021/1/4/art_12_345.html", True),  # Hanweb
        ("http://a.cn/info/1045/12345.htm", True),  # VSB
        ("http://a.cn/n2/2021/0104/c123-456.html", True),  # people.com.cn
        ("http://a.cn/news/article_show.aspx?id=88", True),  # ASP.NET
        ("http://a.cn/xwzx/", False),
        ("http://a.cn/xwzx/index_2.html", False),
        ("http://a.cn/xwzx/list_3.html", False),
        ("http://a.cn/about.html", False),
        ("http://a.cn/2021/", False),
    ],
)
def test_article_url_shapes(url, article):
    assert is_article_url(url) is article


def test_start_reads_robots_and_sitemap_then_the_start_page():
    spider = make_spider(start=SITE + "xwzx/index.html,http://other.example/news/")

    async def collect():
        return [(r.url, r.callback.__name__) async for r in spider.start()]

    assert asyncio.run(collect()) == [
        (SITE + "robots.txt", "parse_robots"), (SITE + "sitemap.xml", "parse_xml"),
        (SITE + "xwzx/index.html", "parse_start"),
        ("http://other.example/robots.txt", "parse_robots"),
        ("http://other.example/sitemap.xml", "parse_xml"),
        ("http://other.example/news/", "parse_start"),
    ]  # fmt: skip
    assert spider.hosts == {"www.county.example", "other.example"}


def test_a_list_page_yields_articles_the_next_page_and_deeper_pages_but_no_search_file_or_offsite_link():
    page = html(SITE + "xwzx/index.html", """
        <ul><li><a href="202611/t20261120_1.html">一</a></li>
            <li><a href="202611/t20261119_2.html">二</a></li></ul>
        <a href="index_1.html">下一页</a> <a href="/zwgk/">政务公开</a> <a href="/search.html?q=乡村">搜索</a>
        <a href="/files/notice.pdf">附件</a> <a href="http://elsewhere.example/a/">友情链接</a>
        <a href="javascript:void(0)">打印</a> <a href="202611/t20261120_1.html#top">一（重复）</a>
    """)  # fmt: skip
    out = list(make_spider().parse_page(page, depth=0))
    assert requests_of(out) == [
        ("parse_article", SITE + "xwzx/202611/t20261120_1.html"),
        ("parse_article", SITE + "xwzx/202611/t20261119_2.html"),
        ("parse_page", SITE + "xwzx/index_1.html"),
        ("parse_page", SITE + "zwgk/"),
    ]
    step, deeper = out[2], out[3]
    assert step.meta["harvest_step"] and step.cb_kwargs == {"depth": 0}  # pagination costs no depth
    assert deeper.cb_kwargs == {"depth": 1} and not deeper.meta.get("harvest_step")


def test_depth_allow_and_deny_bound_the_walk():
    page = html(SITE + "xwzx/index.html", '<a href="/zwgk/">政务</a><a href="/xwzx/tp/">图片</a>'
                                          '<a href="/xwzx/202611/t20261120_1.html">一</a>')  # fmt: skip
    assert requests_of(make_spider(depth="1").parse_page(page, depth=1)) == [
        ("parse_article", SITE + "xwzx/202611/t20261120_1.html")
    ]
    assert requests_of(make_spider(allow="/xwzx/", deny="/tp/").parse_page(page, depth=0)) == [
        ("parse_article", SITE + "xwzx/202611/t20261120_1.html")
    ]


def test_an_article_shaped_page_is_handed_on_unless_it_is_a_list_or_an_error():
    spider = make_spider()
    article = html(SITE + "xwzx/202611/t20261120_1.html", "<h1>标题</h1><p>正文。</p>")
    [item] = [o for o in spider.parse_article(article, depth=1) if not isinstance(o, scrapy.Request)]
    assert item["url"] == article.url and item["spider"] == "site" and item["profile"] is None
    links = "".join(f'<a href="/xwzx/202611/t2026111{n}_{n}.html">文{n}</a>' for n in range(6))
    topic = html(SITE + "xwzx/202611/t20261120_9.html", links)
    assert [o for o in spider.parse_article(topic, depth=3) if not isinstance(o, scrapy.Request)] == []
    assert spider.crawler.stats.get_value("harvest/site/list_at_article_url") == 1
    gone = html(SITE + "xwzx/202611/t20261120_2.html", "<h1>404 页面不存在</h1>", status=404)
    assert list(spider.parse_article(gone, depth=1)) == []


def test_a_page_of_no_article_shape_is_handed_on_only_if_the_extractor_reads_an_article():
    spider = make_spider()
    line = "村里的合作社今年种植了五百亩油茶，带动八十多户村民增收致富，日子越过越红火。" * 3
    prose = "".join(f"<p>{line}</p>" for _ in range(4))
    byline = '<div class="info">2026-11-20 10:30 来源：县融媒体中心</div>'
    head, title = "<h1>油茶林里的党员责任田</h1>", "油茶林里的党员责任田_县融媒体中心"
    story = html(SITE + "about/story.html", f"{head}{byline}{prose}", title=title)
    undated = html(SITE + "about/intro.html", f"{head}{prose}", title=title)
    about = html(SITE + "about.html", "<h2>关于我们</h2><p>联系电话：0000-1234567</p>")

    def items(response, depth=1):
        out = spider.parse_page(response, depth=depth)
        return [o["url"] for o in out if not isinstance(o, scrapy.Request)]

    assert items(story) == [story.url]
    assert items(undated) == items(about) == []
    assert items(story, depth=0) == [], "a start page is walked, not stored"


SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>http://www.county.example/sitemap_news.xml</loc></sitemap></sitemapindex>"""
URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>http://www.county.example/xwzx/202611/t20261120_1.html</loc><lastmod>2026-11-20</lastmod></url>
<url><loc>http://www.county.example/xwzx/202401/t20240105_2.html</loc><lastmod>2024-01-05T08:00:00+08:00</lastmod></url>
<url><loc>http://elsewhere.example/a/202611/t20261120_3.html</loc></url>
</urlset>"""
RSS = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>县新闻</title>
<item><title>一</title><link>http://www.county.example/xwzx/202611/t20261120_1.html</link></item>
<item><title>二</title><link>http://www.county.example/yw/2026-11-19/7.html</link></item>
</channel></rss>""".encode()
ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>
<entry><title>a</title><link rel="alternate" href="http://www.county.example/info/1045/12345.htm"/></entry>
</feed>"""


def xml(url: str, body: bytes) -> Response:
    return XmlResponse(url=url, body=body, request=scrapy.Request(url))


def test_sitemaps_index_and_urlset_with_since():
    spider = make_spider(since="2026-01-01")
    assert requests_of(spider.parse_xml(xml(SITE + "sitemap.xml", SITEMAP_INDEX))) == [
        ("parse_xml", SITE + "sitemap_news.xml")
    ]
    assert requests_of(spider.parse_xml(xml(SITE + "sitemap_news.xml", URLSET))) == [
        ("parse_article", SITE + "xwzx/202611/t20261120_1.html")  # older than since, and offsite: skipped
    ]


def test_feeds_rss_and_atom_given_as_start_urls():
    spider = make_spider(start=SITE + "rss.xml", probe="0", depth="0")
    assert requests_of(spider.parse_start(xml(SITE + "rss.xml", RSS))) == [
        ("parse_article", SITE + "xwzx/202611/t20261120_1.html"),
        ("parse_article", SITE + "yw/2026-11-19/7.html"),
    ]  # fmt: skip
    assert requests_of(spider.parse_start(xml(SITE + "atom.xml", ATOM))) == [
        ("parse_article", SITE + "info/1045/12345.htm")
    ]

    async def collect():
        return [r.url async for r in spider.start()]

    assert asyncio.run(collect()) == [SITE + "rss.xml"]  # no probing


def test_robots_sitemap_lines_and_feed_links_of_pages_are_followed():
    spider = make_spider()
    lines = b"User-agent: *\nSitemap: http://www.county.example/sm.xml\nSitemap: http://elsewhere.example/sm.xml\n"
    robots = TextResponse(url=SITE + "robots.txt", body=lines, request=scrapy.Request(SITE + "robots.txt"))
    assert requests_of(spider.parse_robots(robots)) == [("parse_xml", SITE + "sm.xml")]
    page = html(SITE + "xwzx/", '<link rel="alternate" type="application/rss+xml" href="/rss.xml">')
    assert requests_of(spider.parse_page(page, depth=0)) == [("parse_xml", SITE + "rss.xml")]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="give -a start=URL"):
        SiteSpider(start="")
    with pytest.raises(ValueError, match="not an http"):
        SiteSpider(start="www.example.cn")
    with pytest.raises(ValueError, match="deny: bad regular expression"):
        SiteSpider(start=SITE, deny="((")
