"""The metadata stage on items as the earlier stages leave them (a real Crawler for stats)."""

from __future__ import annotations

from datetime import datetime

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.items import Article
from crawler.text.dates import CHINA
from pipelines.metadata import MetadataPipeline


@pytest.fixture
def stage():
    crawler = get_crawler(settings_dict={"HARVEST_METADATA_ENABLED": True})
    return MetadataPipeline.from_crawler(crawler), crawler.stats


def article(**fields) -> Article:
    return Article(url="http://x.gov.cn/xwzx/202101/t20210104_1.html", flags=[], **fields)


def test_meta_line_gives_date_source_author_and_editor_line_leaves_body(stage):
    pipeline, stats = stage
    item = pipeline.process_item(
        article(
            meta_lines=["2021-01-04 14:54:00  来源：乡村干部报网  作者：龙见松"],
            body=["第一段。", "第二段。", "责编：刘琼"],
        )
    )
    assert item["published_at"] == datetime(2021, 1, 4, 14, 54, tzinfo=CHINA)
    assert (item["source"], item["author"], item["editor"]) == ("乡村干部报网", "龙见松", "刘琼")
    assert item["body"] == ["第一段。", "第二段。"]
    assert stats.get_value("harvest/metadata/editor_found") == 1


def test_editor_lines_apart_from_the_body_win(stage):
    pipeline, _ = stage
    item = pipeline.process_item(article(meta_lines=[], editor_lines=["[责任编辑：王一]"], body=["正文。"]))
    assert item["editor"] == "王一"


def test_date_falls_back_to_the_url_and_says_so(stage):
    pipeline, stats = stage
    item = pipeline.process_item(article(meta_lines=["来源：县融媒体中心"], body=["正文。"]))
    assert item["published_at"] == datetime(2021, 1, 4, tzinfo=CHINA)
    assert "date-from-url" in item["flags"]
    assert stats.get_value("harvest/metadata/date-from-url") == 1


def test_missing_date_is_null_and_counted_never_now(stage):
    pipeline, stats = stage
    item = Article(url="http://x.cn/article_show.aspx?id=1", flags=[], meta_lines=[], body=["正文。"])
    item = pipeline.process_item(item)
    assert item["published_at"] is None
    assert "date-missing" in item["flags"]
    assert stats.get_value("harvest/metadata/date-missing") == 1


def test_reporters_dateline_is_the_author_when_the_meta_has_none(stage):
    pipeline, _ = stage
    item = pipeline.process_item(
        article(meta_lines=["2021-01-04 来源：乡村干部报"], body=["（记者 马超 通讯员 柳小军）日前，……"])
    )
    assert (item["source"], item["author"]) == ("乡村干部报", "马超 柳小军")
    assert item["body"] == ["（记者 马超 通讯员 柳小军）日前，……"]  # the dateline stays in the text


def test_source_is_never_taken_as_author(stage):
    pipeline, _ = stage
    item = pipeline.process_item(article(meta_lines=["来源：新华社"], body=["新华社北京电 正文。"]))
    assert (item["source"], item["author"]) == ("新华社", None)


def test_switched_off_stage_is_not_configured():
    with pytest.raises(NotConfigured):
        MetadataPipeline.from_crawler(get_crawler(settings_dict={"HARVEST_METADATA_ENABLED": False}))


def test_regions_come_from_the_title_prefix_and_the_body(stage):
    pipeline, stats = stage
    title, body = "贵州锦屏：林下经济鼓起钱袋子", ["锦屏县敦寨镇的杉木林里，林下种植长势喜人。"]
    item = pipeline.process_item(article(meta_lines=[], title=title, body=body))
    assert [(r["level"], r["name"], r["code"]) for r in item["regions"]] == [
        ("province", "贵州省", "520000"),
        ("prefecture", "黔东南苗族侗族自治州", "522600"),
        ("county", "锦屏县", "522628"),
    ]
    assert stats.get_value("harvest/metadata/regions_found") == 1


def test_no_place_no_regions(stage):
    pipeline, _ = stage
    item = pipeline.process_item(article(meta_lines=[], title="村干部学电商", body=["培训涵盖短视频拍摄。"]))
    assert item["regions"] == []


@pytest.mark.parametrize(
    ("meta_lines", "body", "author"),
    [
        # a dateline over a guess; a label over a guess; the guess when nothing else credits a writer
        (["by 编辑甲"], ["某某社深圳5月12日电（记者戴一、印二）正文开始。", "正文。"], "戴一 印二"),
        (["十三 2025-04-21 00:41"], ["正文。", "本文来自公众号“某某”，作者：彦一，经授权发布。"], "彦一"),
        (["十三 2025-04-21 00:41:40"], ["正文。"], "十三"),
    ],
)
def test_labelled_credits_and_datelines_come_before_guessed_writers(stage, meta_lines, body, author):
    pipeline, _ = stage
    item = pipeline.process_item(article(meta_lines=meta_lines, body=body, editor_lines=[], title="标题"))
    assert item["author"] == author
    assert all("本文来自" not in paragraph for paragraph in item["body"])
