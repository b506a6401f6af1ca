"""The junk stage on items as the normalize stage leaves them (a real Crawler for stats)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.test import get_crawler

from crawler.extract.page import extract_page
from crawler.items import Article
from crawler.text.clean import clean_text
from pipelines.junk import JunkPipeline

SEED = Path(__file__).parents[1] / "fixtures" / "seed" / "000_08909e7ef7bbc5dc.txt"
EXPECTED = json.loads(SEED.with_suffix(".expected.json").read_text(encoding="utf-8"))
PROSE = "近年来，锦屏县围绕“党建强、产业兴、群众富”的目标，充分发挥基层党组织引领作用。"
RUN = "同德县| 新竹县| 德兴市| 湖州市| 丰原市| 临城县| 收藏| 墨江|"


@pytest.fixture
def stage():
    crawler = get_crawler(settings_dict={"HARVEST_JUNK_ENABLED": True})
    return JunkPipeline.from_crawler(crawler), crawler.stats


def test_switched_off_is_not_configured():
    with pytest.raises(NotConfigured):
        JunkPipeline.from_crawler(get_crawler(settings_dict={"HARVEST_JUNK_ENABLED": False}))


def test_junk_out_counted_and_flagged(stage):
    pipeline, stats = stage
    item = Article(flags=["body[0]:script:t2s"], body=["1", "微信公众号", PROSE, "", "?", "责编：刘琼", RUN])
    item = pipeline.process_item(item)
    assert item["body"] == [PROSE, "责编：刘琼"]
    assert item["flags"] == [
        "body[0]:script:t2s",
        "junk:counter:1",
        "junk:empty:2",
        "junk:place-run:1",
        "junk:share-widget:1",
    ]
    assert stats.get_value("harvest/junk/empty") == 2
    assert stats.get_value("harvest/junk/place-run") == 1
    assert stats.get_value("harvest/junk/footer") is None


def test_clean_item_passes_untouched(stage):
    pipeline, stats = stage
    item = pipeline.process_item(Article(flags=[], body=[PROSE, "1.6万户贫困群众镶嵌在产业链上。"]))
    assert item["body"] == [PROSE, "1.6万户贫困群众镶嵌在产业链上。"]
    assert item["flags"] == []
    assert not {key for key in stats.get_stats() if key.startswith("harvest/junk/")}


@pytest.mark.parametrize("body", [[RUN, "微信公众号", "?"], [RUN, "责编：刘琼"], []])
def test_nothing_left_is_dropped(stage, body):
    pipeline, _ = stage
    with pytest.raises(DropItem, match="no body after junk removal"):
        pipeline.process_item(Article(flags=[], body=body))


def test_seed_after_normalize_keeps_four_paragraphs_and_the_editor_line(stage):
    pipeline, stats = stage
    lines = extract_page(SEED.read_text(encoding="utf-8")).body
    item = Article(flags=[], body=[clean_text(line, traditional=True).text for line in lines])
    item = pipeline.process_item(item)
    assert item["body"] == [*EXPECTED["body"].split("\n"), "责编:" + EXPECTED["editor"]]
    assert sorted(item["flags"]) == ["junk:counter:1", "junk:place-run:1", "junk:share-widget:4"]
    assert stats.get_value("harvest/junk/share-widget") == 4
