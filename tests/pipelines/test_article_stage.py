"""The chain's glue stage: items in, cleaned items or drops out, the facts counted as stats."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.harvest.faults import FaultyPage
from crawler.items import FEED_FIELDS, Article
from pipelines.article import ArticlePipeline
from tests.article_pages import UNDATED_URL, URL, cms_html

RUN = "同德县| 新竹县| 德兴市| 湖州市| 丰原市| 临城县| 收藏| 墨江|"


ON = {"HARVEST_NORMALIZE_ENABLED": True, "HARVEST_JUNK_ENABLED": True, "HARVEST_METADATA_ENABLED": True}


def stage(**settings):
    crawler = get_crawler(settings_dict={**ON, **settings})
    return ArticlePipeline.from_crawler(crawler), crawler.stats


def item(html: str, url: str = URL, **fields) -> Article:
    headers = {"Content-Type": "text/html; charset=utf-8"}
    return Article(url=url, raw_body=html.encode("utf-8"), raw_headers=headers, flags=[], **fields)


def harvest_stats(stats) -> dict:
    return {k: v for k, v in stats.get_stats().items() if k.startswith("harvest/")}


def test_an_article_fills_the_item_and_counts_what_was_done():
    pipeline, stats = stage()
    page = cms_html(
        "鄉(xiang)村幹部",
        ["近年來(lai)，錦屏?h圍繞產業?l展。", "請多多指教??!", "微信公众号"],
        ["来源：县融媒体中心"],
        ["责任编辑：王一"],
    )
    done = pipeline.process_item(item(page, profile="news_cms"))
    assert (done["title"], done["body"], done["source"], done["editor"], done["profile"]) == (
        "乡村干部", ["近年来，锦屏县围绕产业发展。", "请多多指教??!"], "县融媒体中心", "王一", "news_cms",
    )  # fmt: skip
    assert done["flags"][-2:] == ["junk:share-widget:1", "date-from-url"]
    assert len(done["facts"]) == len(done["flags"])
    assert harvest_stats(stats) == {
        "harvest/profile/hit": 1,
        "harvest/extract/encoding/utf-8": 1,
        "harvest/normalize/pinyin-removed": 2,
        "harvest/normalize/script": 3,
        "harvest/normalize/mojibake-repaired": 2,
        "harvest/normalize/mojibake-unrepaired": 1,
        "harvest/mojibake/found": 3,
        "harvest/mojibake/repaired": 2,
        "harvest/mojibake/left/ascii-lost": 1,
        "harvest/junk/share-widget": 1,
        "harvest/metadata/date-from-url": 1,
        "harvest/metadata/source_found": 1,
        "harvest/metadata/editor_found": 1,
    }
    assert "facts" not in FEED_FIELDS and "flags" in FEED_FIELDS  # feeds carry the stored form


def test_a_clean_page_counts_no_cleaning():
    pipeline, stats = stage()
    pipeline.process_item(item(cms_html("标题", ["你好?我们不知道。"], ["2021-01-04 来源：乡村干部报"])))
    assert not [k for k in harvest_stats(stats) if k.split("/")[1] in ("normalize", "mojibake", "junk")]
    assert "harvest/metadata/date-missing" not in harvest_stats(stats)


def test_refusals_are_dropped_with_todays_reasons_and_counted():
    pipeline, stats = stage(HARVEST_EXTRACT_MAX_BYTES=2000)
    with pytest.raises(FaultyPage, match="too large") as refused:
        pipeline.process_item(item(cms_html("标题", ["字" * 1000])))
    assert refused.value.kind == "too_large"
    paywalled = (
        '<div class="newsdetatit"><h3>标题</h3></div>'
        + '<div class="newsdetatext"><p>请购买该报纸后再访问</p></div>'
    )
    with pytest.raises(DropItem, match=r"^not an article: paywall$"):
        pipeline.process_item(item(f"<html><body>{paywalled}</body></html>"))
    with pytest.raises(DropItem, match=r"^no body after junk removal$"):
        pipeline.process_item(item(cms_html("标题", [RUN, "微信公众号"])))
    counted = harvest_stats(stats)
    assert counted["harvest/extract/refused/too_large"] == 1
    assert (counted["harvest/extract/not_article"], counted["harvest/extract/not_article/other"]) == (1, 1)
    assert counted["harvest/junk/place-run"] == 1


def test_a_recheck_whose_layout_changed_is_dropped_quietly_and_counted():
    pipeline, stats = stage()
    with pytest.raises(DropItem, match="layout changed") as kept:
        pipeline.process_item(item(cms_html("标题", ["正文。"]), profile="founder_epaper", recheck=True))
    assert kept.value.log_level == "DEBUG"
    assert (stats.get_value("harvest/profile/miss"), stats.get_value("harvest/profile/recheck_kept")) == (
        1,
        1,
    )
    done = pipeline.process_item(item(cms_html("标题", ["正文。"]), profile="founder_epaper"))
    assert done["profile"] == "news_cms" and stats.get_value("harvest/profile/miss") == 2


def test_the_switches_turn_steps_off():
    pipeline, stats = stage(
        HARVEST_NORMALIZE_ENABLED=False, HARVEST_JUNK_ENABLED=False, HARVEST_METADATA_ENABLED=False
    )
    done = pipeline.process_item(
        item(cms_html("鄉村幹部", ["近年來，錦屏縣圍繞目標。", RUN]), url=UNDATED_URL)
    )
    assert (done["title"], done["body"][-1], done["published_at"]) == ("鄉村幹部", RUN, None)
    assert done["flags"] == ["encoding:utf-8", "encoding-from:http-header"]
    assert not [k for k in harvest_stats(stats) if k.split("/")[1] in ("normalize", "junk", "metadata")]
