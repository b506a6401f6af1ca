"""Raw fields by profile, generic fallback and plain-text capture; non-articles say why."""

from __future__ import annotations

import pytest

from crawler.extract import NotAnArticle, extract_page
from crawler.extract.page import looks_like_html
from replica.model import MAIN
from tests.conftest import FIXTURES


def test_epaper_profile_is_detected(site):
    entry = next(e for e in site.articles("epaper") if e.subtitle)
    fields = extract_page(site.pages[(MAIN, entry.path)].body.decode("utf-8"))
    assert fields.profile == "founder_epaper"
    assert (fields.title, fields.subtitle, fields.body) == (entry.title, entry.subtitle, entry.body)
    assert len(fields.meta_lines) == 1 and entry.source in fields.meta_lines[0]


def test_news_profile_keeps_meta_and_editor_apart_from_body(site):
    entry = next(e for e in site.articles("news") if e.charset.startswith("gbk labelled gb2312"))
    fields = extract_page(site.pages[(MAIN, entry.path)].body.decode("gb18030"), "news_cms")
    assert fields.body == entry.body
    assert fields.editor_lines == [f"责编：{entry.editor}"]
    assert fields.meta_lines[0].startswith(entry.published_at[:10])


def test_paywall_is_not_an_article(site):
    [entry] = [e for e in site.manifest if e.paywalled]
    with pytest.raises(NotAnArticle, match="paywall"):
        extract_page(site.pages[(MAIN, entry.path)].body.decode("utf-8"))


def test_list_page_is_not_an_article(site):
    with pytest.raises(NotAnArticle):
        extract_page(site.pages[(MAIN, "/news/xczx/index.html")].body.decode("utf-8"), "news_cms")


def test_unknown_layout_goes_to_the_generic_extractor():
    first = "县里组织党员干部深入田间地头，帮助群众抢收抢种，确保颗粒归仓。"
    second = "据统计，全县共投入农机具三千余台，完成小麦收割面积二十万亩。"
    html = f"<html><body><h1>县里的新闻</h1><div><p>{first}</p><p> </p><p>{second}</p></div></body></html>"
    fields = extract_page(html)
    assert (fields.profile, fields.title, fields.body) == ("generic", "县里的新闻", [first, second])


def test_text_capture_is_split_into_title_meta_and_body():
    text = (FIXTURES / "seed" / "000_08909e7ef7bbc5dc.txt").read_text("utf-8")
    fields = extract_page(text)
    assert fields.profile == "text"
    assert fields.title.startswith("貴州錦屏")
    assert fields.meta_lines == [text.splitlines()[1].strip()]
    assert fields.body[0] == "1" and fields.body[-1].startswith("同德县|")


@pytest.mark.parametrize(("text", "html"), [("<!DOCTYPE html><html>", True), ("<p>段落</p>", True),
                                           ("标题\n2021-01-04 来源：X\n正文 a<b", False)])  # fmt: skip
def test_html_or_text(text, html):
    assert looks_like_html(text) is html


def test_profile_text_keeps_runs_of_spaces_and_turns_line_breaks_into_spaces():
    html = (
        '<div class="article"><h1 class="title">標題</h1>'
        '<div class="info">來源:鄉村幹部報  作者:胡曉東(dong)  陸(lu) 敏</div>'
        '<div class="content"><p>第一行\n第二行</p></div></div>'
    )
    fields = extract_page(html, "news_cms")
    assert fields.meta_lines == ["來源:鄉村幹部報  作者:胡曉東(dong)  陸(lu) 敏"]
    assert fields.body == ["第一行 第二行"]
