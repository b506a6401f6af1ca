"""Generic extraction of unknown layouts: headline, meta lines, body, editor; non-articles say why."""

from __future__ import annotations

from datetime import datetime

import pytest

from crawler.extract import NotAnArticle
from crawler.extract.generic import extract_generic
from crawler.text.byline import parse_byline
from crawler.text.dates import CHINA, parse_date
from tests.conftest import FIXTURES

PAGES = FIXTURES / "pages" / "generic"


def extract(name: str):
    return extract_generic((PAGES / f"{name}.html").read_text("utf-8"))


def test_trs_county_page_keeps_meta_editor_and_chrome_apart():
    fields = extract("trs_county")
    assert fields.profile == "generic"
    assert fields.title == "青山镇召开秋季防火工作部署会"
    assert fields.meta_lines == ["日期：2024-10-08 10:21 来源：青山镇人民政府 作者：林晓"]
    assert fields.editor_lines == ["责任编辑：王丽 陈刚"]
    assert fields.body == [
        "10月8日上午，青山镇召开秋季森林防火工作部署会，镇班子成员、各村党支部书记参加会议。",
        "会议通报了今年以来全镇森林防火工作情况，分析了当前面临的形势，要求各村把防火责任落实到山头地块。",
        "会议强调，要加强野外用火管理，严防死守，确保不发生森林火灾。",
    ]
    byline = parse_byline("  ".join(fields.meta_lines))
    assert (byline.source, byline.author) == ("青山镇人民政府", "林晓")
    assert parse_date(fields.meta_lines[0]) == datetime(2024, 10, 8, 10, 21, tzinfo=CHINA)


def test_bracketed_meta_line_and_br_separated_body():
    fields = extract("bracket_meta")
    assert fields.title == "柳溪村完成高标准农田建设"
    assert fields.meta_lines == ["[ 作者：周明 文章来源：石桥镇农业服务中心 点击数： 更新时间：2023-11-02 ]"]
    assert fields.body == [
        "今年以来，柳溪村以高标准农田建设为抓手，完成土地平整八百余亩，新修机耕路三公里。",
        "项目建成后，全村粮食亩产预计提高一成以上，群众种粮积极性明显增强。",
        "下一步，村里将做好后期管护，让农田长期发挥效益。",
    ]
    assert fields.editor_lines == []
    byline = parse_byline(fields.meta_lines[0])
    assert (byline.author, byline.source) == ("周明", "石桥镇农业服务中心")
    assert parse_date(fields.meta_lines[0]) == datetime(2023, 11, 2, tzinfo=CHINA)


def test_pipe_meta_many_paragraphs_without_captions_related_links_comments_or_footer():
    fields = extract("pipe_meta")
    assert fields.title == "河湾县：小小合作社带富一方村民"
    assert fields.meta_lines == ["2024年01月15日09:30 | 来源：河湾县融媒体中心"]
    assert parse_date(fields.meta_lines[0]) == datetime(2024, 1, 15, 9, 30, tzinfo=CHINA)
    assert parse_byline(fields.meta_lines[0]).source == "河湾县融媒体中心"
    assert fields.editor_lines == ["编辑：孙悦"]
    assert len(fields.body) == 6
    assert fields.body[0].startswith("走进河湾县东沟村")
    assert fields.body[-1] == "县农业农村局相关负责人介绍，全县已培育各类农民合作社四百余家。"
    text = "\n".join(fields.body)
    for chrome in ("社员在大棚里采摘黄瓜", "合作社的分拣车间", "相关阅读", "河湾县召开乡村振兴推进会",
                   "网友评论", "为合作社点赞", "版权所有", "河湾新闻网"):  # fmt: skip
        assert chrome not in text


def test_short_article_is_still_found():
    fields = extract("short")
    assert fields.title == "南岭村启用新便民服务站"
    assert fields.meta_lines == ["发布时间：2024-05-20 信息来源：南岭镇党政办"]
    assert fields.body == [
        "5月20日，南岭村新便民服务站正式启用，村民在家门口即可办理社保、医保等十余项业务。"
    ]
    assert parse_byline(fields.meta_lines[0]).source == "南岭镇党政办"


@pytest.mark.parametrize(("name", "reason"), [("list", "no article text"), ("not_found", "error page")])
def test_non_articles_say_why(name, reason):
    with pytest.raises(NotAnArticle, match=reason):
        extract(name)


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<html><head><title>视频：秋收</title></head>"
        "<body><video src='/v.mp4'></video><p>秋收。</p></body></html>",
    ],
)
def test_empty_and_video_pages_are_not_articles(html):
    with pytest.raises(NotAnArticle):
        extract_generic(html)


def test_title_drops_the_site_suffix_when_no_heading_matches():
    html = (
        "<html><head><title>东沟村修通致富路_河湾县人民政府</title></head><body>"
        "<div class='t'>东沟村修通致富路</div><div class='c'><p>东沟村新修水泥路五公里，"
        "村民出行和农产品外运更加方便，沿线三个组的群众都受益。</p></div></body></html>"
    )
    fields = extract_generic(html)
    assert (fields.title, fields.body) == (
        "东沟村修通致富路",
        ["东沟村新修水泥路五公里，村民出行和农产品外运更加方便，沿线三个组的群众都受益。"],
    )
