"""Generic extraction of unknown layouts: headline, meta lines, body, editor; non-articles say why."""

from __future__ import annotations

from datetime import datetime

import pytest

from crawler.extract import NotAnArticle
from crawler.extract.generic import extract_generic
from crawler.text.byline import parse_byline
from crawler.text.dates import CHINA, parse_date, parse_published
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


# --- issue 13: pages nobody here wrote ---------------------------------------------------------

_NAV = "".join(f'<li><a href="/n/{i}.html">县里召开第{i}次乡村振兴工作推进会议</a></li>' for i in range(30))
_PROSE = "近日，青山镇组织党员干部深入田间地头，帮助群众抢收抢种，确保颗粒归仓。"


def page(body: str, title: str = "青山镇党员干部帮助群众抢收抢种_青山新闻网", head: str = "") -> str:
    nav = f"<ul class='nav'>{_NAV}</ul>"
    return f"<html><head><title>{title}</title>{head}</head><body>{nav}{body}</body></html>"


HEADER = "2024-03-01 10:00 来源：青山新闻网"


def article_body(paragraphs: int, *, after: str = "", header: str = HEADER) -> str:
    text = "".join(f"<p>{_PROSE}第{i}段。</p>" for i in range(paragraphs))
    return f"<div class='article'><h1>青山镇党员干部帮助群众抢收抢种</h1><div class='info'>{header}</div>" \
           f"<div class='content'>{text}</div>{after}</div>"  # fmt: skip


@pytest.mark.parametrize(
    ("title", "head", "expected"),
    [
        ("青山镇党员干部帮助群众抢收抢种_青山新闻网", "", "青山镇党员干部帮助群众抢收抢种"),
        ("青山镇党员干部帮助群众抢收抢种 - 青山频道 - 某某网", "", "青山镇党员干部帮助群众抢收抢种"),
        ("青山镇党员干部帮助群众抢收抢种|青山在线", "", "青山镇党员干部帮助群众抢收抢种"),
        ("播报文章 青山镇党员干部帮助群众抢收抢种", "", "青山镇党员干部帮助群众抢收抢种"),
        (
            "青山镇党员干部帮助群众抢收抢种_青山号",
            '<meta property="og:site_name" content="青山号">',
            "青山镇党员干部帮助群众抢收抢种",
        ),
    ],
)
def test_title_is_the_headline_without_the_site_name(title, head, expected):
    assert extract_generic(page(article_body(4), title, head)).title == expected


def test_a_hyphen_inside_the_headline_stays():
    html = page(article_body(4).replace("帮助群众抢收抢种", "帮助群众抢收抢种-夏粮"), "x")
    assert extract_generic(html).title == "青山镇党员干部帮助群众抢收抢种-夏粮"


def test_short_article_under_many_headline_links_is_kept():
    fields = extract_generic(page(article_body(2)))  # about 80 characters of text, 30 headline links
    assert len(fields.body) == 2
    assert fields.meta_lines == ["2024-03-01 10:00 来源：青山新闻网"]


def test_channel_page_with_a_teaser_is_a_list():
    teaser = f"<div class='focus'><h3><a href='/n/1.html'>头条新闻</a></h3><p>{_PROSE}</p></div>"
    with pytest.raises(NotAnArticle, match="list page") as refused:
        extract_generic(page(teaser, "青山新闻网-首页"))
    assert refused.value.kind == "list"


def test_dated_link_list_is_a_list():
    items = "".join(
        f"<li><a href='/n/{i}.html'>青山镇召开第{i}次党员大会</a><span>2024-03-{i + 1:02d}</span></li>"
        for i in range(12)
    )
    with pytest.raises(NotAnArticle, match="list page") as refused:
        extract_generic(page(f"<h2>通知公告</h2><ul class='list'>{items}</ul>", "通知公告_青山新闻网"))
    assert refused.value.kind == "list"


_THREAD = """<html><head><title>村里的路什么时候修？_青山论坛</title>
<meta name="generator" content="Discuz! X3.4"></head><body>
<div class="post"><div>楼主</div><p>村里的路坑坑洼洼，请问什么时候能修好？</p><div>回复</div></div>
<div class="post"><div>2楼</div><p>我也想知道，听说今年有修路的计划，希望早点开工。</p><div>回复</div></div>
<div class="post"><div>3楼</div><p>镇里已经立项了，预计下个月开工，到时候会有公告的。</p><div>回复</div></div>
</body></html>"""


def test_forum_thread_is_refused_unless_forums_are_wanted():
    with pytest.raises(NotAnArticle, match="forum") as refused:
        extract_generic(_THREAD)
    assert refused.value.kind == "forum"
    assert extract_generic(_THREAD, forums=True).body  # let through: the posts are read as text


def test_comments_under_an_article_do_not_make_it_a_forum():
    comments = "<div class='comment'><div>网友评论</div><div>回复</div><div>举报</div></div>"
    assert extract_generic(page(article_body(4, after=comments))).body


def test_credit_lines_in_the_body_go_to_meta_and_editor():
    after = "<p>（记者 张三 通讯员 李四）</p><p>编辑 王一｜排版 李二｜审核 赵三</p>"
    fields = extract_generic(page(article_body(4, after=f"<div class='content'>{after}</div>")))
    assert all("记者" not in line and "审核" not in line for line in fields.body)
    assert "编辑 王一｜排版 李二｜审核 赵三" in fields.editor_lines
    assert any("记者 张三" in line for line in fields.meta_lines)


def test_damaged_editor_line_after_the_body_is_kept_for_repair():
    fields = extract_generic(page(article_body(4, after="<div class='editor'>責(zé)編:劉瓊</div>")))
    assert fields.editor_lines == ["責(zé)編:劉瓊"]


def test_date_line_carrying_the_site_link_is_the_header():
    header = "<a href='http://www.example.cn/'>http://www.example.cn/</a> 2005-07-18 13:03:17"
    fields = extract_generic(page(article_body(4, header=header)))
    assert any("2005-07-18 13:03:17" in line for line in fields.meta_lines)


def test_ui_words_after_the_headline_go():
    html = page(article_body(4).replace("抢收抢种</h1>", "抢收抢种播报文章语音播报文章，释放双眼</h1>"), "x")
    assert extract_generic(html).title == "青山镇党员干部帮助群众抢收抢种"


def test_forum_software_alone_does_not_make_an_article_a_thread():
    head = '<meta name="generator" content="Discuz! X3.4">'
    assert extract_generic(page(article_body(4), head=head)).body


_PLAIN = "".join(f"<p>{_PROSE}第{i}段，村民们说今年的收成比去年好。</p>" for i in range(5))


@pytest.mark.parametrize(
    ("above", "expected"),
    [
        ("<div>当前位置：首页->乡村振兴</div><div>青山镇抢收抢种见闻</div>", "青山镇抢收抢种见闻"),
        ("<div class='postTitle'><a href='/p/1.html'>青山镇抢收抢种见闻</a></div>", "青山镇抢收抢种见闻"),
        ("<p>青山镇抢收抢种见闻</p><p>林一</p>", "青山镇抢收抢种见闻"),  # the headline opens the text block
    ],
)
def test_headline_of_a_plain_layout_whose_title_is_the_site_name(above, expected):
    body = f"<ul>{_NAV}</ul><div>{above}{_PLAIN}</div>"
    html = f"<html><head><title>青山论坛</title></head><body>{body}</body></html>"
    assert extract_generic(html).title == expected


def test_a_short_article_beside_a_feed_of_teasers_is_the_article():
    teaser = "<div class='stream-item'><div class='card'><h4><a href='/n/{0}.html'>第{0}条推荐新闻</a></h4>" \
             "<p>这是一条推荐新闻的摘要，写了很多话，读者可以点进去看。</p></div></div>"  # fmt: skip
    feed = "<div class='stream'>" + "".join(teaser.format(i) for i in range(6)) + "</div>"
    article = "<div class='article'><h1>青山镇党员干部帮助群众抢收抢种</h1><div>2024-03-01 10:00</div>" \
              + "".join(f"<p>{_PROSE}</p>" for _ in range(2)) + "</div>"  # fmt: skip
    title = "<title>青山镇党员干部帮助群众抢收抢种</title>"
    fields = extract_generic(f"<html><head>{title}</head><body>{article}{feed}</body></html>")
    assert fields.body == [_PROSE] * 2


def test_a_name_alone_under_the_headline_is_the_writer():
    body = f"<div><h1>青山镇抢收抢种见闻</h1><p>林一</p>{_PLAIN}</div>"
    title = "<title>青山镇抢收抢种见闻</title>"
    fields = extract_generic(f"<html><head>{title}</head><body>{body}</body></html>")
    assert "作者：林一" in fields.meta_lines
    assert "林一" not in fields.body


def test_the_meta_author_tag_is_a_guess_at_the_writer():
    head = '<meta name="author" content="北一">'
    assert "by 北一" in extract_generic(page(article_body(4), head=head)).meta_lines


def test_the_meta_author_tag_naming_the_editor_is_no_writer():
    head = '<meta name="author" content="郭一">'
    fields = extract_generic(page(article_body(4, after="<div>【责任编辑：郭一】</div>"), head=head))
    assert not any(line.startswith("by ") for line in fields.meta_lines)


def test_the_site_name_and_all_after_it_leave_the_title():
    head = '<meta property="og:site_name" content="某某的家_蓝天">'
    html = page(article_body(4).replace("帮助群众抢收抢种</h1>", "_抢收抢种 (2)</h1>"),
                "青山镇党员干部_抢收抢种 (2) @ 某某的家_蓝天 :: 某平台 PIXNET ::", head)  # fmt: skip
    assert extract_generic(html).title == "青山镇党员干部_抢收抢种 (2)"


@pytest.mark.parametrize("text", ["展开", "手机版", "日本語"])
def test_page_buttons_are_no_writer(text):
    body = f"<div><h1>青山镇抢收抢种见闻</h1><p>{text}</p>{_PLAIN}</div>"
    title = "<title>青山镇抢收抢种见闻</title>"
    assert not extract_generic(f"<html><head>{title}</head><body>{body}</body></html>").meta_lines


_QA = """<html><head><title>村里的路什么时候修？ - 某某问答</title></head><body>
<h1>村里的路什么时候修？</h1><div>查看全部 12 个回答</div>
<div class="answer"><div>1 人赞同了该回答</div><p>镇里已经立项了，预计下个月开工，到时候有公告。</p></div>
<div class="answer"><div>3 人赞同了该回答</div><p>听说今年有修路的计划，可以去问问村委会。</p></div>
</body></html>"""

_NUMBERED = """<html><head><title>脚本语言怎么选</title></head><body><h1>脚本语言怎么选</h1>
<div class="reply"><div>甲乙 #1 1 月前</div><p>我觉得各有各的好处，要看你用来做什么事情。</p></div>
<div class="reply"><div>丙丁 #2 1 月前</div><p>同意楼上的说法，先想清楚要解决的问题。</p></div>
<div class="reply"><div>戊己 #3 28 天前</div><p>我用了好几年，写小工具很顺手。</p></div>
<div class="reply"><div>2 回复</div><div>1 回复 1</div><div>回复</div><div>回复 1</div><div>回复</div></div>
</body></html>"""


@pytest.mark.parametrize("html", [_QA, _NUMBERED], ids=["answers", "numbered-posts"])
def test_question_and_answer_pages_and_numbered_replies_are_forums(html):
    with pytest.raises(NotAnArticle) as refused:
        extract_generic(html)
    assert refused.value.kind == "forum"


def test_a_linked_heading_opening_the_text_block_is_the_headline_not_a_sidebar_heading():
    links = "".join(f"<li><a href='/c/{i}'>分类{i} (rss)</a></li>" for i in range(3))
    sidebar = f"<h3>随笔分类</h3><ul>{links}</ul>"
    post = f"<div class='post'><h2><a href='/p/1.html'>青山镇抢收抢种见闻</a></h2>{_PLAIN}</div>"
    html = f"<html><head><title>某某的博客</title></head><body>{sidebar}{post}</body></html>"
    assert extract_generic(html).title.endswith("青山镇抢收抢种见闻")  # not the pop-up's title


def test_a_title_part_a_line_holds_whole_beats_a_longer_partial_match():
    header = "<p>某某网站 某某趣谈软件</p>"
    body = f"<div>{header}<p class='slug'>给计算机系学生的建议</p>{_PLAIN}</div>"
    html = page(body, "给计算机系学生的建议 - 某某网站")
    assert extract_generic(html).title == "给计算机系学生的建议"


@pytest.mark.parametrize(
    ("title", "head"),
    [
        ("某某网站 - 给计算机系学生的建议", ""),  # only the last part stands on the page whole
        ("某某新闻网 - 给计算机系学生的建议", ""),  # the first part reads like a site name
        ("某某 | 给计算机系学生的建议", '<meta property="og:site_name" content="某某">'),
    ],
)
def test_the_site_name_standing_first_in_the_title_is_not_the_headline(title, head):
    header = "<p>某某网站 某某趣谈软件</p>"
    body = f"<div>{header}<p class='slug'><b>给计算机系学生的建议</b></p>{_PLAIN}</div>"
    assert extract_generic(page(body, title, head)).title == "给计算机系学生的建议"


def test_a_site_name_shown_whole_at_the_end_of_the_title_stays_the_site_name():
    header = "<p>青山镇人民政府</p>"  # the masthead; the headline line differs from <title> (图)
    body = f"<div>{header}<p>青山镇抢收抢种见闻（图）</p><div>2024-03-01</div>{_PLAIN}</div>"
    html = page(body, "青山镇抢收抢种见闻 - 青山镇人民政府")
    assert extract_generic(html).title == "青山镇抢收抢种见闻（图）"


def test_a_permalink_named_a_title_over_the_text_is_the_headline():
    calendar = "<table><tr><td>2006年12月</td></tr></table>"
    post = "<div><a id='post_TitleUrl' href='/p/1.html'>青山镇抢收抢种见闻(附图)</a></div>"
    html = f"<html><body><ul>{_NAV}</ul>{calendar}{post}<div class='box'>{_PLAIN}</div></body></html>"
    assert extract_generic(html).title == "青山镇抢收抢种见闻(附图)"


def test_a_link_over_the_text_that_is_not_named_a_title_is_no_headline():
    post = "<div><a id='more' href='/p/1.html'>青山镇抢收抢种见闻(附图)</a></div>"
    html = f"<html><body><ul>{_NAV}</ul>{post}<div class='box'>{_PLAIN}</div></body></html>"
    assert extract_generic(html).title != "青山镇抢收抢种见闻(附图)"


def _reply(name: str, when: str, text: str) -> str:
    header = f"<div class='avatar'></div><div class='base-info'>{name} | {when}</div>"
    return f"<div class='reply'>{header}<p>{text}</p></div>"


_ASKED = "<html><head><title>村里的路什么时候修</title></head><body>" \
         "<h1 class='question-title'>村里的路什么时候修</h1><div>林一 | 2024-01-03</div>" \
         "<p>我们村的路坑坑洼洼，下雨天车都开不进来，请问什么时候能修？</p>" \
         + _reply("王二", "2024-01-06 被采纳", "镇里已经立项了，预计下个月开工。") \
         + _reply("林一", "2024-01-06", "谢谢，等着好消息。") \
         + _reply("赵三", "3天前", "我们村去年也修了，挺快的。") + "</body></html>"  # fmt: skip


def test_a_question_with_replies_under_who_and_when_headers_is_a_forum():
    with pytest.raises(NotAnArticle) as refused:
        extract_generic(_ASKED)
    assert refused.value.kind == "forum"


def test_teasers_under_source_and_time_lines_are_no_thread():
    teaser = "<div class='card'><div class='src'>某某日报·2 天前</div>" \
             "<h3><a href='/n/{0}'>第{0}条推荐新闻标题</a></h3></div>"  # fmt: skip
    cards = "".join(teaser.format(i) for i in range(5))
    html = page(article_body(4, after=cards)).replace("<h1>", "<h1 class='question-title'>")
    # one sign (the heading's name) is not two
    assert extract_generic(html).title == "青山镇党员干部帮助群众抢收抢种"


def test_a_bracketed_author_credit_is_no_thread_sign():
    credit = "<div>【作者】林一 | 2024-03-01</div>"
    html = page(article_body(4, header=credit + HEADER)).replace("<h1>", "<h1 class='question-title'>")
    assert extract_generic(html).body


def test_a_plain_link_that_is_the_title_s_headline_part_is_the_headline():
    side = "<div><a href='/'>某某的博客首页</a></div><div>某某的博客</div>"
    post = "<div><a href='/p/1.html'>青山镇抢收抢种见闻</a></div>"
    html = f"<html><head><title>青山镇抢收抢种见闻 - 某某的博客</title></head><body>{side}{post}" \
           f"<div class='box'>{_PLAIN}</div></body></html>"  # fmt: skip
    assert extract_generic(html).title.endswith("青山镇抢收抢种见闻")  # not the pop-up's title


def test_a_link_naming_a_channel_in_the_title_is_no_headline():
    channel = "<div><a href='/c/'>乡村振兴频道</a></div>"
    body = f"{channel}<div><p class='t'>青山镇抢收抢种见闻（图）</p>{_PLAIN}</div>"
    html = page(body, "青山镇抢收抢种见闻_乡村振兴频道_某某网")
    assert extract_generic(html).title == "青山镇抢收抢种见闻（图）"


_CARD = "<div class='card'><div class='nick'><a href='/u/1'>林一</a></div>" \
        "<div>某某作者</div><div>小红书：林一一</div></div>"  # fmt: skip


def test_the_og_title_shown_over_the_body_beats_the_lines_between():
    head = '<meta property="og:title" content="青山镇抢收抢种见闻 - 某某派">'
    body = f"<h1>青山镇抢收抢种见闻</h1>{_CARD * 4}<div class='timer'>15:02</div><div>{_PLAIN}</div>"
    html = f"<html><head>{head}</head><body><ul>{_NAV}</ul>{body}</body></html>"
    assert extract_generic(html).title.endswith("青山镇抢收抢种见闻")  # not the pop-up's title


def test_a_time_alone_over_the_body_is_no_headline():
    body = f"<div class='title'>青山镇抢收抢种见闻</div><div>昨天 06:54</div><div>{_PLAIN}</div>"
    html = f"<html><body><ul>{_NAV}</ul>{body}</body></html>"
    assert extract_generic(html).title.endswith("青山镇抢收抢种见闻")  # not the pop-up's title


def test_a_long_dated_header_line_is_no_headline():
    header = "<div>http://house.example.com.cn 2005年03月31日03:18 某某娱乐信报</div>"
    headline = "<tr><th>拿出十万元投资房产 小两口尝试以钱生钱(图)</th></tr>"
    body = f"<table>{headline}<tr><td>{header}</td></tr></table>"
    html = f"<html><body><ul>{_NAV}</ul>{body}<div>{_PLAIN}</div></body></html>"
    assert extract_generic(html).title == "拿出十万元投资房产 小两口尝试以钱生钱(图)"


def test_a_breadcrumb_holding_the_title_s_channel_is_no_headline():
    body = "<h3>首页 - 新闻动态</h3><h5>青山镇召开抢收抢种现场会</h5>" \
           "<div>发布时间：2019-05-18 来源：某某学会</div>"  # fmt: skip
    html = page(f"<div>{body}<div class='text'>{_PLAIN}</div></div>", "新闻动态--某某学会官网")
    assert extract_generic(html).title == "青山镇召开抢收抢种现场会"


def test_a_date_alone_among_the_header_lines_over_the_text_is_meta():
    header = "<p>作者： 林一</p><p>译： Lin Er</p><p>2005年1月2日</p>"
    html = page(f"<div><h1>青山镇抢收抢种见闻</h1><div>{header}{_PLAIN}</div></div>", "青山镇抢收抢种见闻")
    fields = extract_generic(html)
    assert "2005年1月2日" in fields.meta_lines
    assert "2005年1月2日" not in fields.body


def test_a_date_alone_after_the_prose_has_begun_stays_in_the_body():
    diary = f"{_PLAIN}<p>2005年1月2日</p>{_PLAIN}"  # a diary's entries
    html = page(f"<div><h1>青山镇抢收抢种见闻</h1><div>{diary}</div></div>", "青山镇抢收抢种见闻")
    fields = extract_generic(html)
    assert "2005年1月2日" in fields.body
    assert "2005年1月2日" not in fields.meta_lines


def test_a_citation_date_tag_dates_a_page_whose_lines_have_none():
    head = '<meta name="citation_date" content="2018-08-23">'
    html = page(f"<div><h1>青山镇抢收抢种见闻</h1><div>{_PLAIN}</div></div>", "青山镇抢收抢种见闻", head)
    assert "2018-08-23" in extract_generic(html).meta_lines


def test_a_sign_up_line_over_the_headline_is_no_headline():
    header = "<div>林一 2025-04-21 00:41:40 来源：某某号</div>"
    body = f"<p>扫码关注某某号</p><div></div><div>青山镇抢收抢种见闻</div>{header}"
    html = f"<html><body><ul>{_NAV}</ul><div>{body}{_PLAIN}</div></body></html>"
    assert extract_generic(html).title.endswith("青山镇抢收抢种见闻")  # not the pop-up's title


def test_a_block_opening_with_a_line_named_title_is_headed_by_it_not_by_a_label_above():
    above = "<table><tr><td>全省行情：</td><td><a href='/q'>代码查询</a></td></tr></table>"
    block = "<div><div class='title'>青山镇抢收抢种见闻</div>" + _PLAIN + "</div>"
    html = f"<html><body><ul>{_NAV}</ul>{above}{block}</body></html>"
    assert extract_generic(html).title.endswith("青山镇抢收抢种见闻")  # not the pop-up's title


def test_a_label_waiting_for_its_value_is_no_headline():
    body = f"<div><p>本期导读：</p><div>{_PLAIN}</div></div>"
    html = f"<html><body><ul>{_NAV}</ul>{body}</body></html>"
    assert extract_generic(html).title != "本期导读："


def _post(name: str, day: int, text: str) -> str:
    header = f"<div>{name} 发表于 2024-01-0{day} 10:00</div>"
    return f"<div class='post'>{header}<p>{text}</p><div>只看该作者</div></div>"


def test_posts_each_with_their_posted_at_line_make_a_thread():
    posts = _post("林一", 1, _PROSE) + _post("王二", 2, "同意，路确实该修了。") + _post("赵三", 3, "顶一下。")
    head = "<head><title>村里的路什么时候修</title></head>"
    html = f"<html>{head}<body><h1>村里的路什么时候修</h1>{posts}</body></html>"
    with pytest.raises(NotAnArticle) as refused:
        extract_generic(html)
    assert refused.value.kind == "forum"


def test_one_posted_at_line_over_a_blog_post_is_no_thread():
    html = page(f"<div><h1>青山镇抢收抢种见闻</h1><div>林一 发表于 2024-01-01 10:00</div>{_PLAIN}</div>")
    assert extract_generic(html).body


def test_a_short_paragraph_saying_scan_the_code_stays_in_the_body():
    html = page(article_body(3).replace("第1段。</p>", "第1段。</p><p>村民扫码即可查询补贴发放情况。</p>"))
    assert "村民扫码即可查询补贴发放情况。" in extract_generic(html).body


# --- issue 13 follow-up: forms the perturbation bench (bench/perturb.py) found ------------------


@pytest.mark.parametrize("when", ["2024年3月1日 星期五", "2024年3月1日 周五 10:00", "（2024-03-01 星期五）"])
def test_a_date_with_its_weekday_alone_over_the_text_is_meta(when):
    html = page(
        f"<div><h1>青山镇抢收抢种见闻</h1><div><p>{when}</p>{_PLAIN}</div></div>", "青山镇抢收抢种见闻"
    )
    fields = extract_generic(html)
    assert when in fields.meta_lines
    assert when not in fields.body


def test_a_weekday_after_the_prose_has_begun_stays_in_the_body():
    diary = f"{_PLAIN}<p>2005年1月2日 星期日</p>{_PLAIN}"
    html = page(f"<div><h1>青山镇抢收抢种见闻</h1><div>{diary}</div></div>", "青山镇抢收抢种见闻")
    assert "2005年1月2日 星期日" in extract_generic(html).body


def test_a_full_width_dated_header_line_is_meta():
    header = "发布时间：2024－03－01　来源：青山镇农业农村局"
    fields = extract_generic(page(article_body(4, header=header)))
    assert parse_published("  ".join(fields.meta_lines)) == datetime(2024, 3, 1, tzinfo=CHINA)
    assert parse_byline("  ".join(fields.meta_lines)).source == "青山镇农业农村局"


_RELATED = "".join(
    f"<li><a href='/n/{i}.html'>青山镇召开第{i}次党员大会部署春耕</a><span>2025-06-1{i}</span></li>"
    for i in range(6)
)


def test_dated_related_links_after_the_text_do_not_make_an_article_a_list():
    text = "".join(f"<p>{_PROSE}第{i}段。</p>" for i in range(4))
    html = page(
        f"<div><h1>青山镇党员干部帮助群众抢收抢种</h1><div>{HEADER}</div><div>{text}<ul>{_RELATED}</ul></div></div>"
    )
    fields = extract_generic(html)
    assert len(fields.body) == 4
    assert not any("党员大会" in line for line in fields.body)


def test_dated_links_after_a_short_intro_are_still_a_list():
    intro = f"<p>本栏目发布青山镇的通知公告，欢迎查阅。</p><p>{_PROSE}</p><p>{_PROSE}</p>"
    with pytest.raises(NotAnArticle, match="list page"):
        extract_generic(
            page(f"<div><h2>通知公告</h2>{intro}<ul>{_RELATED * 2}</ul></div>", "通知公告_青山新闻网")
        )


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("<h1>青山镇党员干部帮助群众抢收抢种</h1>", "青山镇党员干部帮助群众抢收抢种"),
        ("<div class='title'>青山镇党员干部帮助群众抢收抢种</div>", "青山镇党员干部帮助群众抢收抢种"),
    ],
)
def test_the_heading_over_the_text_is_the_headline_when_title_names_only_the_site(heading, expected):
    card = "<div>林一</div><div>青山号作者</div><div>关注</div>"  # lines between headline and text
    html = page(f"<div>{heading}{card}<div class='text'>{_PLAIN}</div></div>", "青山新闻网")
    assert extract_generic(html).title == expected


def test_a_logo_h1_is_no_headline():
    logo = "<h1><a href='/'>青山新闻网首页欢迎您</a></h1>"
    html = page(f"<div>{logo}<div class='t'>青山镇抢收抢种见闻</div><div class='text'>{_PLAIN}</div></div>",
                "青山镇抢收抢种见闻_青山新闻网")  # fmt: skip
    assert extract_generic(html).title.endswith("青山镇抢收抢种见闻")  # not the pop-up's title


def _thread_item(i: int) -> str:
    teaser = f"<div class='abs'>{_PROSE * 5}第{i}帖，大家怎么看？</div>"  # a long teaser
    deep = f"<div class='e'>{teaser}</div>"
    for name in "dcba":
        deep = f"<div class='{name}'>{deep}</div>"
    return f"<li class='item'><div class='t'><a href='/p/{i}'>第{i}个帖子的标题在这里</a></div>{deep}</li>"


def test_a_teaser_deep_inside_one_of_many_alike_items_is_a_list():
    items = "".join(_thread_item(i) for i in range(8))
    with pytest.raises(NotAnArticle, match="list page") as refused:
        extract_generic(page(f"<ul class='threads'>{items}</ul>", "青山吧_百度贴吧"))
    assert refused.value.kind == "list"


def test_a_line_named_title_far_above_is_no_headline_when_the_title_is_shown():
    popup = "<div class='popover__title'>无需申请，自由写作平台</div>"
    html = page(
        f"<div>{popup}<div>专栏 | 青山镇抢收抢种见闻</div><div class='text'>{_PLAIN}</div></div>",
        "青山镇抢收抢种见闻_青山新闻网",
    )
    assert extract_generic(html).title.endswith("青山镇抢收抢种见闻")  # not the pop-up's title


# Forum and Q&A threads by their general shapes (no site's markup): two signs make a thread.
_ASK = "我们村的路坑坑洼洼，下雨天车都开不进来，请问什么时候能修？大家有没有消息。"


def _titled(title: str, body: str) -> str:
    return f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"


_TAIL = "<span>来自Android客户端</span> <span>{floor}楼</span> <span>2020-08-0{floor} 15:52</span> " \
        "<span>回复</span>"  # fmt: skip
_THREADS = {
    "floor and client tail lines": _titled(
        "村里的路什么时候修_青山吧",
        "".join(
            f"<div class='post'><div class='who'><a>用户{i}号</a></div><div class='text'>{_ASK}{i}</div>"
            f"<div class='tail'>{_TAIL.format(floor=i + 1)}</div></div>"
            for i in range(4)
        ),
    ),
    "labelled author and posting time per post": _titled(
        "村里的路什么时候修",
        "".join(
            f"<div class='post'><div class='info'>作者：用户{i}　发表时间：2024-01-0{i + 1} 10:20</div>"
            f"<div class='text'>{_ASK}{i}</div></div>"
            for i in range(4)
        ),
    ),
    "asker and best answer": _titled(
        "村里的路什么时候修_某某知道",
        f"<div>提问者：某某</div><p>{_ASK}</p><div>最佳答案</div><p>{_ASK}答</p><div>其他回答</div><p>{_ASK}答2</p>",
    ),
    "answered at, per answer": _titled(
        "村里的路什么时候修",
        f"<p>{_ASK}</p>"
        + "".join(f"<div>热心网友 回答于 2024-01-0{i + 1}</div><p>{_ASK}{i}</p>" for i in range(3)),
    ),
    "numbered floors with their buttons": _titled(
        "村里的路什么时候修",
        "".join(
            f"<div class='post'><div>第{i + 1}楼</div><p>{_ASK}{i}</p><div>引用 回复</div></div>"
            for i in range(5)
        ),
    ),
}


@pytest.mark.parametrize("html", list(_THREADS.values()), ids=list(_THREADS))
def test_threads_of_any_software_are_forums(html):
    with pytest.raises(NotAnArticle) as refused:
        extract_generic(html)
    assert refused.value.kind == "forum"


def test_comments_with_names_times_and_buttons_under_an_article_stay_an_article():
    comment = "<div class='cmt'><div class='who'>网友{0} 2024-01-0{1} 10:20</div>" \
              "<p>说得好，支持村里修路。</p><div>回复 举报</div></div>"  # fmt: skip
    comments = "<div>网友评论</div>" + "".join(comment.format(i, i + 1) for i in range(6))
    assert len(extract_generic(page(article_body(4, after=comments))).body) >= 4


@pytest.mark.parametrize(
    "line", ["图片由热心网友提供", "作者：林一", "发表时间：2024-03-01 10:00", "记者的回答很清楚，村民点赞。"]
)
def test_one_thread_like_line_in_an_article_is_no_thread(line):
    html = page(article_body(4, header=f"{line} {HEADER}"))
    assert extract_generic(html).body


def test_a_short_flash_under_its_headline_with_dated_related_links_is_an_article():
    flash = f"<p>{_PROSE}</p><p>同时，镇里将对抢收进度进行督导，确保按时完成。</p>"
    html = page(
        f"<div><h1>青山镇党员干部帮助群众抢收抢种</h1><div>{flash}<h3>热点新闻</h3><ul>{_RELATED}</ul></div></div>"
    )
    assert len(extract_generic(html).body) == 2


def test_a_headed_list_of_dated_links_with_no_prose_is_a_list():
    html = page(f"<div><h1>通知公告</h1><div><ul>{_RELATED * 2}</ul></div></div>", "通知公告_青山新闻网")
    with pytest.raises(NotAnArticle, match="list page"):
        extract_generic(html)


def test_a_heading_ending_the_text_goes_and_one_inside_it_stays():
    text = f"<p>{_PROSE}</p><h3>抢收进度</h3><p>{_PROSE}再一段。</p><h3>相关专题</h3>"
    html = page(
        f"<div><h1>青山镇党员干部帮助群众抢收抢种</h1><div>{HEADER}</div><div class='text'>{text}</div></div>"
    )
    body = extract_generic(html).body
    assert "抢收进度" in body
    assert "相关专题" not in body


def test_a_thread_s_address_and_its_reply_box_make_a_thread():
    head = '<link rel="canonical" href="https://bbs.example.cn/thread-123-1-1.html">'
    body = f"<h1>村里的路什么时候修</h1><p>{_ASK}</p><div>快速回复</div>"
    html = f"<html><head><title>村里的路什么时候修</title>{head}</head><body>{body}</body></html>"
    with pytest.raises(NotAnArticle) as refused:
        extract_generic(html)
    assert refused.value.kind == "forum"


def test_a_news_site_s_address_alone_is_no_thread():
    head = '<link rel="canonical" href="https://news.example.cn/2024/0301/c123.html">'
    html = page(article_body(4), head=head).replace("</body>", "<div>发表评论</div></body>")
    assert extract_generic(html).body
