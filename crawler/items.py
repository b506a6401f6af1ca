"""The Article item: what a spider hands on and what the chain (crawler.article) fills in.

Feeds (`scrapy crawl SPIDER -o articles.jsonl`) hold every field but `raw_body`, `facts` and
`recheck`: the raw page is bytes, which JSON cannot hold, and it is kept (compressed) in the
archive; the facts are there as their stored form, `flags`. FEED_FIELDS is what
crawler/settings.py gives FEED_EXPORT_FIELDS.
"""

import scrapy


class Article(scrapy.Item):
    """One article page. Spiders set the provenance and raw page; the chain fills the rest."""

    # Provenance (set by the spider, or by `scrapy extract` for a saved page)
    url = scrapy.Field()  # the address fetched
    canonical_url = scrapy.Field()  # the key: crawler.urls.canonical_url(url)
    site = scrapy.Field()  # host name of the url
    spider = scrapy.Field()  # spider name, or "extract"
    profile = scrapy.Field()  # layout profile name (crawler.extract.profiles), None = detect
    recheck = scrapy.Field()  # a stored article fetched again (request meta harvest_recheck)
    fetched_at = scrapy.Field()  # aware datetime (UTC)
    edition = scrapy.Field()  # e-paper page (版), e.g. "第01版：要闻"
    issue_date = scrapy.Field()  # e-paper issue day (date)

    # The raw page, kept so any article can be re-cleaned later
    raw_body = scrapy.Field()  # bytes as received
    raw_headers = scrapy.Field()  # dict[str, str] of response headers
    status = scrapy.Field()  # HTTP status
    raw_page_id = scrapy.Field()  # set by storage once the raw page is written

    # Decoding and extraction
    encoding = scrapy.Field()  # codec the page was decoded with
    meta_lines = scrapy.Field()  # header lines around the title: date, 来源, 作者 …
    editor_lines = scrapy.Field()  # 责编 lines found apart from the body

    # The article
    title = scrapy.Field()
    subtitle = scrapy.Field()  # kicker / sub-headline
    published_at = scrapy.Field()  # aware datetime, China time (+08:00); None if not found
    source = scrapy.Field()  # 来源
    author = scrapy.Field()  # 作者
    editor = scrapy.Field()  # 责编
    body = scrapy.Field()  # list[str] of paragraphs
    regions = scrapy.Field()  # list[dict]: the divisions the article is about (code, name, level)
    facts = scrapy.Field()  # list[crawler.facts.Fact]: what decoding and cleaning did
    flags = scrapy.Field()  # list[str]: the facts' stored form (crawler.facts.flags_of)


# Every field a feed exports (FEED_EXPORT_FIELDS): all but the raw bytes and the typed facts
FEED_FIELDS = [name for name in Article.fields if name not in ("raw_body", "facts", "recheck")]
