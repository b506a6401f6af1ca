"""HTML of the replica's pages, in the layouts the field notes describe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from html import escape

from replica.model import Story

FOOTER = (
    '<div class="footer"><p>乡村干部报社 版权所有 未经授权禁止转载</p>'
    "<p>苏ICP备12000000号-1 苏公网安备 32010202000000号</p></div>"
)


def _doc(title: str, body: str, charset: str = "utf-8") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return (
        f"<!DOCTYPE html>\n<html><head>{meta}<title>{escape(title)}</title></head>\n"
        f"<body>\n{body}\n{FOOTER}\n</body></html>\n"
    )


def _paragraphs(paragraphs: list[str]) -> str:
    return "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)


# --- e-paper (Founder layout) ---------------------------------------------------------------


def epaper_layout(day: date, page: int, labels: list[str], links: list[tuple[str, str]]) -> str:
    """One page (版) of an issue: the page list, the article list and the page's image map."""
    chunks = "\n".join(
        f'<p><a href="node_{n}.html" id="pageLink">{escape(label)}</a></p>'
        for n, label in enumerate(labels, start=1)
    )
    items = "\n".join(f'<li><h3><a href="{href}">{escape(title)}</a></h3></li>' for href, title in links)
    areas = "\n".join(
        f'<area shape="rect" coords="0,{i * 90},600,{i * 90 + 80}" href="{href}">'
        for i, (href, _) in enumerate(links)
    )
    body = (
        f'<div class="date">{day.year}年{day.month:02d}月{day.day:02d}日</div>\n'
        f'<div class="Chunkiconlist">\n{chunks}\n</div>\n'
        f'<div class="paper"><img src="page_{page}.jpg" usemap="#PagePicMap">'
        f'<map name="PagePicMap">\n{areas}\n</map></div>\n'
        f'<div class="newslist"><ul>\n{items}\n</ul></div>'
    )
    return _doc(f"乡村干部报 {labels[page - 1]}", body)


def epaper_article(story: Story, day: date, label: str, paywalled: bool) -> str:
    """An article page: kicker and headline, the 来源/date meta line, the body in founder-content."""
    kicker = f"<h4>{escape(story.kicker)}</h4>" if story.kicker else ""
    if paywalled:
        text = f"<p>{PAYWALL}</p>"
    else:
        text = f"<founder-content>\n{_paragraphs(story.paragraphs)}\n</founder-content>"
    byline = f"作者：{escape(story.author)}" if story.author else ""
    body = (
        f'<div class="newsdetatit">{kicker}<h3>{escape(story.title)}</h3>\n'
        f'<p class="newsdetatime">来源：{escape(story.source)}　{byline}　'
        f"{day.year}年{day.month:02d}月{day.day:02d}日　{escape(label)}</p></div>\n"
        f'<div class="newsdetatext">\n{text}\n</div>'
    )
    return _doc(story.title, body)


PAYWALL = "请购买该报纸后再访问"


# --- news site (CMS) ------------------------------------------------------------------------


def news_home(nav: list[tuple[str, str]], text: Callable[[str], str]) -> str:
    return _doc(text("乡村干部报网"), _nav(nav))


def _nav(nav: list[tuple[str, str]]) -> str:
    links = "".join(f'<a href="/news/{href}">{escape(name)}</a>' for href, name in nav)
    return f'<div class="nav">{links}</div>'


def news_list(
    channel: str,
    links: list[tuple[str, str, datetime]],
    next_page: str | None,
    nav: list[tuple[str, str]],
) -> str:
    """A channel's list page: 20 links, newest first, and a 下一页 link while there are more."""
    items = "\n".join(
        f'<li><a href="./{href}">{escape(title)}</a><span>{published:%Y-%m-%d}</span></li>'
        for href, title, published in links
    )
    pager = f'<div class="page"><a class="next" href="{next_page}">下一页</a></div>' if next_page else ""
    return _doc(
        channel, f'{_nav(nav)}\n<h2>{escape(channel)}</h2>\n<ul class="list">\n{items}\n</ul>\n{pager}'
    )


def news_article(story: Story, published: datetime, charset: str) -> str:
    """The CMS article page: header line, share widget, body, 责编 line."""
    return _cms_article(
        title=story.title,
        info=f"{published:%Y-%m-%d %H:%M:%S}  来源：{story.source}  作者：{story.author}",
        share=["1", "乡村干部报网", "微信公众号", "乡村干部报网", "官方微博"],
        paragraphs=story.paragraphs,
        editor=f"责编：{story.editor}",
        charset=charset,
    )


def mirror_article(
    *, title: str, info: str, share: list[str], paragraphs: list[str], editor: str, junk: str
) -> str:
    """A mirror's copy: the same CMS template, damaged text, a county-name run in the body."""
    return _cms_article(
        title=title, info=info, share=share, paragraphs=[*paragraphs, junk], editor=editor, charset="utf-8"
    )


def _cms_article(
    *, title: str, info: str, share: list[str], paragraphs: list[str], editor: str, charset: str
) -> str:
    widget = "".join(f"<span>{escape(s)}</span>" for s in share)
    body = (
        f'<div class="article">\n<h1 class="title">{escape(title)}</h1>\n'
        f'<div class="info">{escape(info)}</div>\n'
        f'<div class="share">{widget}</div>\n'
        f'<div class="content">\n{_paragraphs(paragraphs)}\n</div>\n'
        f'<div class="editor">{escape(editor)}</div>\n</div>'
    )
    return _doc(title, body, charset)


def not_found() -> str:
    return _doc("404", '<div class="error">您访问的页面不存在</div>')


# --- a county portal (a second CMS layout, TRS style) ----------------------------------------

PORTAL_FOOTER = (
    '<div class="foot">主办：某某县人民政府办公室 承办：县融媒体中心 '
    '<a href="/portal/about.html">关于我们</a></div>'
)


def _portal_doc(title: str, body: str) -> str:
    nav = (
        '<div class="topnav"><a href="/portal/index.html">首页</a>'
        '<a href="/portal/xwzx/index.html">新闻中心</a>'
        '<a href="/portal/xczx/index.html">乡村振兴</a><a href="/portal/search.html?q=乡村">搜索</a></div>'
    )
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{escape(title)}</title></head>\n'
        f"<body>\n{nav}\n{body}\n{PORTAL_FOOTER}\n</body></html>\n"
    )


def portal_home(blocks: list[tuple[str, list[tuple[str, str]]]]) -> str:
    """The portal's home: a few links per channel."""
    parts = []
    for name, links in blocks:
        items = "".join(f'<li><a href="{href}">{escape(title)}</a></li>' for href, title in links)
        parts.append(f'<div class="block"><h3>{escape(name)}</h3><ul>{items}</ul></div>')
    return _portal_doc("某某县人民政府", "\n".join(parts))


def portal_list(channel: str, links: list[tuple[str, str, datetime]], next_page: str | None) -> str:
    """A TRS channel list: 10 links, dates in a span, 下一页 to index_N.html."""
    items = "\n".join(
        f'<li><span class="date">{published:%Y-%m-%d}</span>'
        f'<a href="{href}" target="_blank">{escape(title)}</a></li>'
        for href, title, published in links
    )
    pager = f'<div class="pages"><a href="{next_page}">下一页</a></div>' if next_page else ""
    return _portal_doc(
        channel, f'<div class="list-box">\n<h2>{escape(channel)}</h2>\n<ul>\n{items}\n</ul>\n{pager}\n</div>'
    )


def portal_article(story: Story, published: datetime) -> str:
    """A TRS article page: h2 title, 发布时间/来源 line with 字号 widget, TRS_Editor body, 责任编辑."""
    meta = (
        f"发布时间：{published:%Y-%m-%d %H:%M}　来源：{escape(story.source)}　作者：{escape(story.author)}"
        "　字号：[大] [中] [小]　打印本页　关闭窗口"
    )
    body = (
        f'<div class="detail">\n<h2 class="detail-title">{escape(story.title)}</h2>\n'
        f'<div class="detail-meta">{meta}</div>\n'
        f'<div class="TRS_Editor">\n{_paragraphs(story.paragraphs)}\n</div>\n'
        f'<div class="detail-editor">[责任编辑：{escape(story.editor)}]</div>\n</div>'
    )
    return _portal_doc(story.title, body)


def portal_about() -> str:
    return _portal_doc("关于我们", '<div class="about"><h2>关于我们</h2><p>联系电话：0000-1234567</p></div>')


def portal_search(links: list[tuple[str, str]]) -> str:
    items = "".join(f'<li><a href="{href}">{escape(title)}</a></li>' for href, title in links)
    return _portal_doc("搜索结果", f'<div class="search"><h2>搜索结果</h2><ul>{items}</ul></div>')


# --- the news site after a template change (drift) -------------------------------------------


def drifted_news_list(
    channel: str, links: list[tuple[str, str, datetime]], next_page: str | None, nav: list[tuple[str, str]]
) -> str:
    """The same list after a redesign: no ul.list, no a.next; a dl of dd links, 下一页 as a button."""
    items = "\n".join(
        f'<dd><a href="./{href}" title="{escape(title)}">{escape(title)}</a>'
        f"<em>{published:%Y-%m-%d}</em></dd>"
        for href, title, published in links
    )
    pager = f'<div class="pagination"><a class="btn" href="{next_page}">下一页</a></div>' if next_page else ""
    return _doc(
        channel,
        f'{_nav(nav)}\n<div class="newslist"><dl>\n<dt>{escape(channel)}</dt>\n{items}\n</dl></div>\n{pager}',
    )


def drifted_news_article(story: Story, published: datetime) -> str:
    """The same article after a redesign: new classes everywhere, the 来源 line reworded."""
    body = (
        f'<div class="main-detail">\n<h1 class="headline">{escape(story.title)}</h1>\n'
        f'<p class="source-line">{published:%Y-%m-%d %H:%M:%S}  来源：{escape(story.source)}  '
        f"作者：{escape(story.author)}</p>\n"
        f'<div class="article-text">\n{_paragraphs(story.paragraphs)}\n</div>\n'
        f'<p class="editor-line">责编：{escape(story.editor)}</p>\n</div>'
    )
    return _doc(story.title, body)
