"""The normalize stage on whole items: one script decision per page, spaces after pinyin."""

from __future__ import annotations

from itemadapter import ItemAdapter

from crawler.items import Article
from pipelines.metadata import fill_metadata
from pipelines.normalize import normalize_article


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
