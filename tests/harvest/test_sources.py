"""The registry of sources: what a valid entry becomes, and every malformed entry refused by name."""

from __future__ import annotations

import tomllib

import pytest
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.project import get_project_settings

from crawler.harvest.schedule import Planned, due, source_plan
from crawler.sources import DEFAULT_FILE, SourceError, choose, load_sources, parse_sources

START = 'start = ["http://a.example/"]'


def parse(text: str):
    return parse_sources(tomllib.loads(text), "test.toml")


def test_the_minimal_entry_of_the_issue_is_a_discover_source():
    sources = parse('[sources.some_county]\nkind = "discover"\nstart = ["http://www.example.gov.cn/xwzx/"]\n')
    source = sources["some_county"]
    assert (source.kind, source.spider, source.start) == (
        "discover",
        "site",
        ("http://www.example.gov.cn/xwzx/",),
    )
    assert source.spider_arguments() == {"start": "http://www.example.gov.cn/xwzx/"}


def test_the_shipped_registry_holds_the_two_spiders_as_entries():
    sources = load_sources(DEFAULT_FILE)
    assert {name: s.spider for name, s in sources.items()} == {
        "xcgb_epaper": "xcgb_epaper",
        "xcgb_news": "xcgb_news",
    }


def test_an_entry_becomes_a_spider_named_after_it_with_its_selectors_and_politeness():
    sources = parse(
        '[sources.county_paper]\nkind = "cms_list"\nstart = ["http://news.example.cn/"]\n'
        'hosts = ["img.example.cn"]\ndelay = 2\nconcurrency = 1\nschedule = "1d"\nchannels = "yw"\n'
        '[sources.county_paper.selectors]\narticles = "div.newslist li a"\nnext = "a.nextpage"\n'
    )
    loader = get_spider_loader(get_project_settings())
    [planned] = source_plan(list(sources.values()), loader)
    spider = planned.spidercls
    assert spider.name == "county_paper" and issubclass(spider, loader.load("xcgb_news"))
    assert (spider.article_links, spider.next_page) == ("div.newslist li a", "a.nextpage")
    assert spider.channel_links == loader.load("xcgb_news").channel_links  # not overridden
    assert spider.custom_settings == {"DOWNLOAD_DELAY": 2.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
    assert spider.allowed_domains == ["img.example.cn"]
    assert planned.arguments == {"base_url": "http://news.example.cn/", "channels": "yw"}
    assert planned.every == 86400


def test_sitemap_and_feed_sources_read_only_what_they_list():
    sources = parse('[sources.s]\nkind = "sitemap"\nstart = "http://a.example/sm.xml"\nsince = 2026-01-01')
    assert sources["s"].spider_arguments() == {
        "start": "http://a.example/sm.xml", "probe": "0", "depth": "0", "since": "2026-01-01"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('kind = "discover"', "[sources.bad] start: missing"),
        ('kind = "rss"\nstart = ["http://a.example/"]', "[sources.bad] kind: unknown kind 'rss'"),
        ('start = ["http://a.example/"]', "[sources.bad] kind: missing"),
        ('kind = "discover"\nstart = ["ftp://a.example/"]', "[sources.bad] start: not an http(s) URL"),
        (f'kind = "discover"\n{START}\ndeny = "(("', "[sources.bad] deny: bad regular expression"),
        (f'kind = "discover"\n{START}\nallow = ["ok", "[x"]', "[sources.bad] allow: bad regular"),
        (f'kind = "discover"\n{START}\ndelay = "fast"', "[sources.bad] delay: must be a number"),
        (f'kind = "discover"\n{START}\nschedule = "often"', "[sources.bad] schedule: not an interval"),
        (f'kind = "discover"\n{START}\nchannels = "x"', "[sources.bad] channels: not a field"),
        (f'kind = "discover"\n{START}\nsince = "last week"', "[sources.bad] since: not a day"),
        (f'kind = "discover"\n{START}\ndepth = "deep"', "[sources.bad] depth: must be a whole number"),
        (f'kind = "cms_list"\n{START}\nselectors = {{next = "a["}}', "[sources.bad] selectors.next"),
        (f'kind = "cms_list"\n{START}\nselectors = {{list = "a"}}', "selectors.list: unknown"),
    ],
)  # fmt: skip
def test_a_malformed_entry_is_refused_naming_the_entry_and_the_field(entry, message):
    with pytest.raises(SourceError) as refused:
        parse(f"[sources.bad]\n{entry}\n")
    assert message in str(refused.value) and str(refused.value).startswith("test.toml: ")


def test_a_registry_that_is_not_toml_or_not_there_is_refused(tmp_path):
    (tmp_path / "broken.toml").write_text("[sources.x\nkind=", encoding="utf-8")
    with pytest.raises(SourceError, match="not valid TOML"):
        load_sources(tmp_path / "broken.toml")
    with pytest.raises(SourceError, match="cannot read the registry"):
        load_sources(tmp_path / "missing.toml")
    with pytest.raises(SourceError, match=r"no \[sources.NAME\] entries"):
        parse("")


def test_choosing_sources_by_name():
    sources = parse('[sources.a]\nkind = "feed"\nstart = "http://a.example/rss.xml"\n'
                    '[sources.b]\nkind = "discover"\nstart = "http://b.example/"\n')  # fmt: skip
    assert [s.name for s in choose(sources, [])] == ["a", "b"]
    assert [s.name for s in choose(sources, ["b"])] == ["b"]
    with pytest.raises(SourceError, match="no source named 'c' \\(known: a, b\\)"):
        choose(sources, ["c"])


def test_a_source_with_a_schedule_is_due_once_it_elapsed():
    hourly, always = Planned("h", object, {}, every=3600), Planned("a", object, {})
    assert due(hourly, {}, 100.0) and due(always, {"a": 99.0}, 100.0)
    assert not due(hourly, {"h": 0.0}, 3599.0) and due(hourly, {"h": 0.0}, 3600.0)
