"""The normalize stage on whole items: one script decision per page, spaces after pinyin."""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.utils.test import get_crawler

from crawler.items import Article
from pipelines.metadata import fill_metadata
from pipelines.normalize import NormalizePipeline, normalize_article


def item(**fields) -> ItemAdapter:
    return ItemAdapter(Article(url="http://127.0.0.2/news/1.html", flags=[], **fields))


def test_a_real_space_after_a_toneless_annotation_survives_into_the_author():
    article = item(
        title="鄉(xiang)村幹部",
        meta_lines=["2026-11-01 08:00:00  來(lai)源:鄉村幹部報  作者:胡曉東(dong)  陸(lu) 敏"],
        body=["近年來(lai)，錦屏縣圍繞目標。"],
    )
    normalize_article(article)
    assert article["meta_lines"] == ["2026-11-01 08:00:00  来源:乡村干部报  作者:胡晓东 陆敏"]
    fill_metadata(article)
    assert (article["source"], article["author"]) == ("乡村干部报", "胡晓东 陆敏")


def test_runs_of_spaces_fold_in_title_and_body_but_not_in_meta_lines():
    meta = ["来源：县融媒体中心   作者：王五"]
    article = item(title="县里  的新闻", meta_lines=list(meta), body=["第一段   正文"])
    normalize_article(article)
    assert (article["title"], article["body"]) == ("县里 的新闻", ["第一段 正文"])
    assert article["meta_lines"] == meta


def test_a_simplified_page_comes_out_unchanged():
    body = ["以基地(合作社)为载体，着力提升党支部战斗堡垒作用。", "数据包络分析(DEA)显示效率提升。"]
    article = item(title="贵州锦屏：“党建链”串联“产业链”", meta_lines=["来源：乡村干部报网"], body=list(body))
    assert normalize_article(article) == []
    assert (article["title"], article["body"]) == ("贵州锦屏：“党建链”串联“产业链”", body)


def test_mojibake_spans_are_counted_found_repaired_and_left_by_reason():
    crawler = get_crawler(settings_dict={"HARVEST_NORMALIZE_ENABLED": True})
    pipeline = NormalizePipeline.from_crawler(crawler)
    body = ["近年來(lai)，錦屏?h圍繞產業?l展。", "請多多指教??!"]
    result = pipeline.process_item(Article(url="http://127.0.0.2/news/1.html", flags=[], body=body))
    assert result["body"] == ["近年来，锦屏县围绕产业发展。", "请多多指教??!"]
    assert [f for f in result["flags"] if "mojibake" in f] == [
        "body[0]:mojibake-repaired:11",
        "body[0]:mojibake-repaired:17",
        "body[1]:mojibake-unrepaired:5:ascii-lost",
    ]
    stats = crawler.stats.get_stats()
    assert stats["harvest/mojibake/found"] == 3
    assert stats["harvest/mojibake/repaired"] == 2
    assert stats["harvest/mojibake/left/ascii-lost"] == 1
    assert "harvest/mojibake/left/unsure" not in stats


def test_a_clean_page_counts_no_mojibake():
    crawler = get_crawler(settings_dict={"HARVEST_NORMALIZE_ENABLED": True})
    pipeline = NormalizePipeline.from_crawler(crawler)
    pipeline.process_item(Article(url="http://127.0.0.1/news/1.html", flags=[], body=["你好?我们不知道。"]))
    assert not any(key.startswith("harvest/mojibake/") for key in crawler.stats.get_stats())
