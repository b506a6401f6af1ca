"""Generic article extraction for unknown layouts: headline, meta lines, densest text block, editor.

The body is found the way GNE and Readability do it, on lxml: the page is cut into lines at
block boundaries and ``<br>``; every line that reads like prose (long enough, punctuated,
few links) scores for the elements that hold it (its block, the block's parent in full, the
grandparent in half); scores are scaled down by the candidate's link density and by
class/id names that mean chrome. The best candidate's lines, minus captions, links, chrome,
meta and editor lines, are the paragraphs. Meta lines (date, 来源, 作者) are looked for
between the headline and the body, then just after the body, then in ``<meta>`` tags.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from lxml import etree, html

from crawler.extract.fields import Extracted, NotAnArticle
from crawler.extract.limits import MAX_DEPTH, check_markup
from crawler.text.byline import DATE_LABELS, is_credit_line, is_lone_name, label_pattern, parse_byline

# Subtrees that never hold article text.
_DROP_TAGS = (
    "script", "style", "noscript", "iframe", "template", "svg", "canvas", "select", "textarea",
    "button", "input", "nav", "footer", "object", "embed",
)  # fmt: skip
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th",
        "table", "section", "article", "header", "dd", "dt", "dl", "figure", "figcaption",
        "blockquote", "pre", "center", "address", "main", "hr",
    }
)  # fmt: skip
_PARAGRAPH_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dd", "dt", "blockquote", "pre", "figcaption", "center"}
)
_HEADING_TAGS = ("h1", "h2", "h3")
# class/id words: what an article container is called, and what chrome is called.
_GOOD_NAME = re.compile(
    r"article|content|detail|main|post|text|body|entry|story|news|zw|zhengwen|con_|TRS_Editor|"
    r"Custom_UnionStyle",
    re.IGNORECASE,
)
_BAD_NAME = re.compile(
    r"comment|footer|foot|nav|menu|sidebar|side|related|relate|recommend|hot|rank|share|"
    r"breadcrumb|crumb|copy|banner|advert|\bad\b|ad[-_]|links?\b|friend|toolbar|login|"
    r"tags?\b|keyword|pager|pagination|header|topbar|gotop|qrcode|weixin|reply|feedback",
    re.IGNORECASE,
)
_CAPTION_NAME = re.compile(r"caption|img[-_]?desc|pic[-_]?(?:txt|text|desc|info)|photo[-_]?(?:txt|desc)|"
                           r"descr|explain|pictext|tupian|imgtxt|image[-_]?(?:text|info)",
                           re.IGNORECASE)  # fmt: skip

_WS = re.compile(r"[\s\ufeff\u200b]+")
_CHROME_TAGS = frozenset(("aside", "header", "form"))
_PUNCT = re.compile(r"[，。；！？、：,;!?]")
_SENTENCE_END = re.compile(r"[。！？!?…”」』）)\].]$")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_TITLE_SPLIT = re.compile(r"\s*(?:[_|｜–—]|\s-\s|-{2,}|\s·\s|\s@\s|\s::\s?|-(?=[^-]{2,12}$))\s*")

_DATE = re.compile(
    r"(?:19|20)\d{2}\s*[-年/.－／．]\s*\d{1,2}\s*[-月/.－／．]\s*\d{1,2}"
    r"|(?:19|20)\d{2}\s*\n?\s*\d{2}/\d{2}"  # 2019 09/07 (a date split over two spans)
    r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},?"
    r"(?:\s+(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?)?\s+(?:19|20)\d{2}"
)
_META_WORDS = ("作者", *DATE_LABELS, "发布者", "点击数", "浏览量", "浏览次数", "阅读量")
_META_LABEL = re.compile(rf"(?:{label_pattern(_META_WORDS, ('source',))})\s*[：:]")
_DATED_TIME = re.compile(
    r"(?:19|20)\d{2}\s*[-年/.－／．]\s*\d{1,2}\s*[-月/.－／．]\s*\d{1,2}\s*日?\s*\d{1,2}[:：]\d{2}"
)
_BOILERPLATE = re.compile(
    r"版权所有|Copyright|ICP备|公网安备|举报电话|郑重声明|免责声明|All Rights Reserved", re.IGNORECASE
)
_CAPTION_WORDS = re.compile(r"摄|图片|图为|截图|供图|资料图|图源|图片来源|视频截图|^图[：:\s]")
_DISCLAIMER = re.compile(r"^[\[【(（]?\s*(?:免责声明|版权声明|声明)\s*[：:]")
_DATE_LABEL = re.compile(rf"(?:{label_pattern(DATE_LABELS)})\s*[：:]?\s*(?:19|20)\d\d")
_LABEL_ONLY = re.compile(  # a label whose value is on the next line
    rf"^[\[【(（]?\s*(?:{label_pattern(('作者', '发布时间', '发布日期'), ('source', 'editor'))})\s*[：:]$"
)
_CHROME = re.compile(
    r"字号|打印本页|关闭窗口|【打印】|【关闭】|\[打印\]|\[关闭\]|分享到|分享至|扫一扫|扫描二维码|二维码|"
    r"上一篇|下一篇|返回顶部|我要纠错|【纠错】|推荐阅读|相关阅读|相关新闻|相关推荐|相关文章|"
    r"延伸阅读|责任编辑：$|点击数|浏览次数|阅读数|我要反馈|举报|收藏本文|查看评论|发表评论|"
    r"用微信扫|关注我们|版权所有|ICP备|公网安备|免责声明|^原标题[：:]"
)
# A sign-up line: never a headline (kept out of _CHROME: prose says 扫码 too, 村民扫码登记)
_SIGN_UP = re.compile(r"^扫码|扫码关注|关注公众号|下载客户端|下载APP", re.IGNORECASE)
_NOT_FOUND = re.compile(
    r"404|页面不存在|页面找不到|找不到(?:该|您要的|你要的)?页面|页面已删除|文章不存在|信息不存在|"
    r"已被删除|not\s+found|无法找到",
    re.IGNORECASE,
)
_META_DATE_NAMES = (
    "article:published_time", "og:release_date", "og:time", "og:time ", "publishdate", "pubdate",
    "publish_time", "publishtime", "firstpublishedtime", "apub:time", "weibo: article:create_at",
    "citation_publication_date", "citation_online_date", "citation_date", "dc.date", "dc.date.issued",
    "dcterms.issued", "dcterms.date", "parsely-pub-date", "sailthru.date",
)  # fmt: skip


HEADED_PROSE = 40  # characters of prose under a sure headline that make a short article, dated links after
SHORT_BODY = 150  # characters: a body this short is a list page's teaser when no headline heads it
LIST_HEADLINE_LINKS = 10  # links whose text reads like a headline, on a list page
HEADLINE_REACH = 12  # lines between an article's headline and its first paragraph, at most
_CLAIM_REACH = 40  # the same, when the line is the page's own title (og:title, <title>) exactly
FEED_ITEMS = 4  # alike classed blocks that make a feed
RUNNER_UP_SHARE = 0.3  # of the best score: a block that still counts when the best is a list item
BYLINE_REACH = 3  # body paragraphs before the prose where a writer's name alone may stand
ITEM_REACH = 7  # levels above the densest block where a list item (one of 4+ alike) is looked for
DATED_ITEMS = 5  # dated lines in the densest block that make it a list (and a third of its lines)
_HEADLINE_LINK = re.compile(r"[\u4e00-\u9fff]")
_WEEKDAY = r"(?:(?:星期|礼拜|周)[一二三四五六日天]\s*)?"  # 2024年3月1日 星期五
_LONE_DATE = re.compile(
    r"^[\[【(（]?\s*(?:(?:19|20)\d{2}\s*[-年/.－／．]\s*)?\d{1,2}\s*[-月/.－／．]\s*\d{1,2}\s*日?\s*"
    rf"{_WEEKDAY}(?:\d{{1,2}}[:：]\d{{2}}(?:[:：]\d{{2}})?)?\s*{_WEEKDAY}[\]】)）]?$|^\d{{1,2}}[:：]\d{{2}}(?:[:：]\d{{2}})?$"
)
# Forums and Q&A pages: the software that made them, and the words of a thread.
_FORUM_SOFTWARE = re.compile(
    r"discuz|phpwind|flarum|discourse|vbulletin|xenforo|nodebb|phpbb|mybb|dvbbs|bbsxp", re.IGNORECASE
)
_QA_WORDS = re.compile(
    r"\d+\s*个回答|^(?:最佳答案|提问者采纳|采纳率|写回答|邀请回答|追问|满意答案|更多回答|其他回答|网友回答|我来回答)|"
    r"该回答|这个回答|获取采纳|[被已]采纳|^(?:提问者|回答者)\s*[：:]|(?:回答|提问)于\s*(?:19|20)\d\d|的回答\s*[：:]?$"
)
# a post's number: #2, 2楼, 第2楼 (alone, or in the post's tail line: `来自手机 2楼 2020-08-01 回复`)
_POST_NUMBER = re.compile(r"(?:^|\s)(?:#\d{1,4}|第?\d{1,4}\s*楼)(?:\s|$)|^(?:沙发|板凳|地板)$")
_POSTED_FROM = re.compile(
    r"^来自\S{0,12}(?:客户端|手机版?)(?:\s|$)|^来自(?:Android|iPhone|iPad)", re.IGNORECASE
)
_POST_AUTHOR = re.compile(r"^(?:作者|发帖人|发表人|楼主)\s*[：:]")  # one per post, at its head
_THREAD_WORDS = re.compile(
    r"楼主|只看该作者|共收到\s*\d+\s*条回复|^(?:快速回复|发表回复|回复本帖|我要回帖|回复楼主|电梯直达|跳转到指定楼层)$"
)
# the page's own address (canonical, og:url) is a thread's: Discuz, phpwind, tieba, Q&A sites
_THREAD_ADDRESS = re.compile(
    r"thread-\d+-\d+|viewthread\.php|read\.php\?tid=|showtopic|forum\.php\?mod=viewthread|tieba\.baidu\.com/p/|"
    r"/questions?/\d+|zhidao\.baidu\.com|/t/\d+|/bbs/|\bbbs\.",
    re.IGNORECASE,
)
# A post's header: who and when, cut by | · (`张三 | 2024-01-06`, `李四 · 3天前`), one per post
_POST_HEADER = re.compile(
    r"^[^|｜·]{1,24}[|｜·].{0,30}(?:(?:19|20)\d\d\s*[-/.年－／．]\s*\d{1,2}|\d+\s*(?:秒|分钟|小时|天|周|个月|年)\s*前|[昨前]天)"
)
_POST_HEADERS = 3  # alike post headers that make a thread
_POSTED_AT = re.compile(  # one per post
    r"发表于|回复于|(?:发表|发帖|回帖|回复)时间\s*[：:]|posted\s+(?:on|at)\b", re.IGNORECASE
)
_QUESTION_NAME = re.compile(r"question|wenti|(?<![a-z])ask(?![a-z])", re.IGNORECASE)
_POST_ACTIONS = re.compile(  # a post's buttons: `回复`, `2 回复`, `引用 回复 举报`
    r"^(?:(?:\d+\s*)?(?:回复|举报|引用|点赞|赞同)(?:\s*\d+)?[\s|｜·]*){1,4}$"
    r"|^\d+\s*(?:点赞|赞)\s*[·|]\s*\d+\s*(?:评论|回复)$"
)
_FORUM_LINE_MAX = 24  # the thread's furniture is short lines


@dataclass
class _Line:
    """One rendered line: its text, how much of it is link text, and where it sits."""

    text: str
    link_chars: int
    owner: etree._Element  # nearest block element
    index: int = 0
    caption: bool = False
    has_img: bool = False


@dataclass
class _Walk:
    lines: list[_Line] = field(default_factory=list)
    text_len: dict[etree._Element, int] = field(default_factory=dict)
    link_len: dict[etree._Element, int] = field(default_factory=dict)


def extract_generic(page: str, *, max_depth: int = MAX_DEPTH, forums: bool = False) -> Extracted:
    """Title, meta lines, body paragraphs and editor lines of an unknown layout; NotAnArticle if none.

    The line walk recurses once per level of the tree: a page nested deeper than `max_depth`
    (lxml keeps 256 levels at most) is refused rather than walked. A forum thread or Q&A page
    is refused (kind "forum") unless `forums` is true.
    """
    check_markup(page, 0, max_depth)
    root = _parse(page)
    walk = _walk(root)
    lines = walk.lines
    if not forums and (signs := _forum_signs(root, lines)):
        raise NotAnArticle(f"forum thread ({', '.join(signs)})", "forum")
    title, sure = _title(root, lines)
    if _NOT_FOUND.search(title) and _prose_chars(lines) < 400:
        raise NotAnArticle(f"error page ({title})")
    container = _best_container(lines, walk, _find_title_line(lines, title) if sure else None)
    if container is None and _headline_links(root) >= LIST_HEADLINE_LINKS:
        raise NotAnArticle("list page (no prose, only links)", "list")
    if container is None:
        raise NotAnArticle("no article text (no prose block)")
    chosen = _container_lines(lines, container)
    if not chosen:
        raise NotAnArticle("no article text")
    start, end = chosen[0].index, chosen[-1].index
    if not sure:
        title = (
            _claimed_over(root, lines, start)
            or _heading_over(lines, start, named=not any(title in line.text for line in lines if title))
            or _title_before(lines, start)
            or _headline_near(lines, start)
            or title
        )
    body, editor_lines, meta = _split_body(chosen, title)
    body_chars = sum(len(p) for p in body)
    if body_chars < 20:
        raise NotAnArticle("no article text")
    title_at = _find_title_line(lines, strip_site_name(title, root, lines), start)
    headed = title_at is not None and 0 < start - title_at <= HEADLINE_REACH and sure
    in_links = walk.link_len.get(container, 0) / max(walk.text_len.get(container, 1), 1)
    if (in_links > 0.5 and not headed) or (_looks_like_list(container) and body_chars < 600):
        raise NotAnArticle("list page (the densest block is links)", "list")
    if _repeated(container) and not (headed and body_chars >= SHORT_BODY):
        raise NotAnArticle("list page (the densest block is one of many alike)", "list")
    if _dated_items(chosen, headed or (sure and title_at == start)):  # the headline over or opening it
        raise NotAnArticle("list page (the densest block is a list of dated items)", "list")
    if body_chars < SHORT_BODY and not headed and _headline_links(root) >= LIST_HEADLINE_LINKS:
        raise NotAnArticle("list page (a little text among many headline links, no headline over it)", "list")
    if _is_video_only(container, body_chars):
        raise NotAnArticle("video page")
    title = strip_site_name(title, root, lines)
    meta += _byline_under_headline(chosen[:BYLINE_REACH], body)
    if not any(_DATE.search(line) for line in meta):
        meta = [*_meta_lines(lines, title_at, start, end), *meta]
    else:
        meta += [line for line in _meta_lines(lines, title_at, start, end, header=False) if line not in meta]
    if not any(_DATE.search(line) for line in meta) and (when := _meta_tag_date(root)):
        meta = [*meta, when]
    if not editor_lines:
        editor_lines = _editor_after(lines, end)
    writer = _meta_tag_author(root)  # often the editor: then no writer
    if writer and writer not in "".join(editor_lines) and not any(parse_byline(x).author for x in meta):
        meta = [*meta, f"by {writer}"]  # a guess: a credit in the text or a dateline comes first
    return Extracted(title=title, body=body, meta_lines=meta, editor_lines=editor_lines, profile="generic")


# --- parsing ------------------------------------------------------------------------------


def _parse(page: str) -> etree._Element:
    """The lxml tree of the page without scripts, styles, comments and navigation chrome."""
    page = _XML_DECL.sub("", page, count=1)
    if not page.strip():
        raise NotAnArticle("empty page")
    try:
        root = html.document_fromstring(page)
    except etree.ParserError as error:  # markup with no document in it ("<html", "<!-- x")
        raise NotAnArticle(f"empty page ({error})") from None
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, *_DROP_TAGS, with_tail=False)
    return root


def _clean(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _strings(node: etree._Element, path: str) -> list[str]:
    """What an XPath of text nodes or attribute values selects, as strings."""
    found = node.xpath(path)
    return [str(value) for value in found] if isinstance(found, list) else []


def _text_content(node: etree._Element) -> str:
    """The text of an element and all its descendants (every node here comes from lxml.html)."""
    assert isinstance(node, html.HtmlElement)
    return str(node.text_content())


def _title(root: etree._Element, lines: list[_Line]) -> tuple[str, bool]:
    """The headline and whether it is sure: the heading, og:title or line that best matches <title>."""
    page_title = _clean(" ".join(_strings(root, "//title//text()")))
    og = _clean(" ".join(_strings(root, "//meta[@property='og:title']/@content")))
    candidates = []
    for tag in _HEADING_TAGS:
        for node in root.iter(tag):
            text = _clean(_text_content(node))
            if 4 <= len(text) <= 120:
                candidates.append(text)
    if og:
        candidates.append(og)
    candidates += [line.text for line in lines if 6 <= len(line.text) <= 120 and not line.link_chars]
    parts = [p for p in _TITLE_SPLIT.split(page_title) if p]
    site = _site_part(parts, root, candidates)
    head = (max(parts[:2], key=len) if len(parts[0]) < 6 else parts[0]) if parts else ""
    if site == 0 and len(parts) > 1:
        head = parts[-1] if len(parts) == 2 else max(parts[1:], key=len)
    if page_title:
        best, best_overlap, best_rank = "", 0, (False, 0)
        # a linked line (a headline that links to its own page) counts only when the headline part
        # of <title> holds it whole: a link matching another part is a channel or the site
        linked = [line.text for line in lines if 6 <= len(line.text) <= 120 and line.link_chars]
        for candidate in [*candidates, *linked]:
            overlap = _common_prefix_or_substring(candidate, page_title)
            # a candidate <title> holds whole (not its site part) beats a longer partial match
            whole = overlap == len(candidate) >= 6 and not (site is not None and candidate in parts[site])
            if candidate in linked and candidate not in candidates and not (whole and candidate in head):
                continue
            if (whole, overlap) > best_rank:
                best, best_overlap, best_rank = candidate, overlap, (whole, overlap)
        if best and best_overlap >= min(6, len(best)) and best_overlap >= 0.5 * len(best):
            in_site_name = site is not None and best in parts[site]
            return best, best_overlap >= 0.6 * len(head) and not in_site_name
    return head or og or (candidates[0] if candidates else ""), False


def _site_part(parts: list[str], root: etree._Element, candidates: list[str]) -> int | None:
    """Which end of a <title> cut at - _ | —— is the site's name: the last part (the usual
    order), or the first (`网易娱乐 - 标题`) when it alone reads like a site name (og:site_name,
    网/频道/博客…), or when no visible line is a whole part of <title> but the last one holds."""
    if len(parts) < 2:
        return None
    names = [_clean(v) for v in _strings(root, _SITE_NAME_XPATH) if _clean(v)]

    def named(part: str) -> bool:
        return len(part) <= _SITE_PART_MAX and (
            any(name in part or part in name for name in names)
            or bool(_SITE_WORDS.search(part) or _ORGANISATION_END.search(part))
        )

    if named(parts[0]) and not named(parts[-1]):
        return 0
    if not named(parts[-1]):
        whole = {c for c in candidates if len(c) >= 6 and any(c in part for part in parts)}
        if any(c in parts[-1] for c in whole) and not any(c in part for c in whole for part in parts[:-1]):
            return 0  # only the last part stands on the page as a line of its own: it is the headline
    return len(parts) - 1


_SITE_WORDS = re.compile(
    r"网$|网站|频道|首页|主页|新闻|[报台]$|\.com|\.cn|\.net|博客|blog|论坛|社区|在线|门户|官网|官方|客户端|"
    r"中心$|资讯|手机|APP|::",
    re.IGNORECASE,
)
_SITE_PART_MAX = 24
_ORGANISATION_END = re.compile(r"(?:政府|委员会|人民法院|人民检察院|大学|学院|研究院|研究所|协会|学会)$")
_TRAILING_SEPARATORS = re.compile(r"[\s:：|｜_\-–—]+$")
_SITE_NAME_XPATH = "//meta[@property='og:site_name' or @name='application-name']/@content"
_UI = "(?:播报文章|语音播报|听新闻|朗读全文)"
_UI_WORDS = re.compile(rf"^{_UI}\s*|(?<=\S{{6}}){_UI}.*$")


def strip_site_name(title: str, root: etree._Element, lines: Sequence[_Line] = ()) -> str:
    """The headline without the site's name or channel around it: a part after (or before) a
    separator - _ | —— goes when it is og:site_name, reads like a site or channel name, or the
    rest stands alone as a heading on the page. UI words (播报文章) go too."""
    title = _TRAILING_SEPARATORS.sub("", _UI_WORDS.sub("", title).strip())
    names = [_clean(v) for v in _strings(root, _SITE_NAME_XPATH)]
    for name in names:  # the site's own name after a separator: it and all after it go
        at = title.find(name, 4) if len(name) >= 2 else -1
        cuts = [m for m in _TITLE_SPLIT.finditer(title, 0, at + 1) if m.end() == at] if at > 0 else []
        if cuts:
            title = title[: cuts[0].start()].strip()
    headings = {_clean(_text_content(node)) for tag in _HEADING_TAGS for node in root.iter(tag)}
    headings |= {line.text for line in lines if not line.link_chars and len(line.text) <= 120}

    def site_like(part: str, rest: str) -> bool:
        part = part.strip(" :：")
        if not part or len(part) > _SITE_PART_MAX or len(rest) < 4:
            return False
        named = any(name and (name in part or part in name) for name in names)
        return named or bool(_SITE_WORDS.search(part)) or rest.strip() in headings

    while (cuts := list(_TITLE_SPLIT.finditer(title))) and site_like(
        title[cuts[-1].end() :], title[: cuts[-1].start()]
    ):
        title = title[: cuts[-1].start()].strip()
    cut = _TITLE_SPLIT.search(title)
    if cut and len(title[cut.end() :]) >= 6 and site_like(title[: cut.start()], title[cut.end() :]):
        title = title[cut.end() :].strip()
    return title


def _claimed_over(root: etree._Element, lines: list[_Line], start: int) -> str:
    """The page's own title (og:title, else <title>) without the site's name, when it stands over
    the body as a line of its own: then that line is the headline, whatever the lines between
    say (an author card, a time, a logo)."""
    claims = (_strings(root, "//meta[@property='og:title']/@content"), _strings(root, "//title//text()"))
    for parts in claims:
        claim = strip_site_name(_clean(" ".join(parts)), root, lines)
        if len(claim) < 4:
            continue
        at = _find_title_line(lines, claim, start)
        if at is None or at >= start or start - at > _CLAIM_REACH:
            continue
        if lines[at].text.translate(_FOLD) == claim.translate(_FOLD):
            return lines[at].text
    return ""


def _heading_over(lines: list[_Line], start: int, *, named: bool) -> str:
    """The <h1> nearest above the body (within _CLAIM_REACH lines), else (with `named`: when the
    <title> is shown nowhere on the page) the nearest line whose element is named a title
    (div.title), when it is no link (a logo) and reads like a headline: the page's headline
    where <title> names only the site."""
    above = lines[max(0, start - _CLAIM_REACH) : start + 1][::-1]
    passes: list[Callable[[_Line], bool]] = [lambda x: x.owner.tag == "h1"]
    if named:
        passes.append(lambda x: bool(_TITLE_NAME.search(_names(x.owner))))
    for wanted in passes:
        line = next((x for x in above if x.text and wanted(x)), None)
        if line is None:
            continue
        text = line.text
        if 8 <= len(text) <= 120 and line.link_chars < 0.5 * len(text) and not _CLAUSE_END.search(text):
            return text if not (_CHROME.search(text) or _SIGN_UP.search(text) or _is_meta(text)) else ""
        return ""
    return ""


def _title_before(lines: list[_Line], start: int) -> str:
    """The line above the date/来源 line that sits above the body (layouts whose title is a plain div)."""
    position = start - 1
    while position >= 0 and start - position <= 8:
        if _is_meta(lines[position].text):
            for above in range(position - 1, max(position - 4, -1), -1):
                text = lines[above].text
                if 6 <= len(text) <= 80 and not lines[above].link_chars and not _is_meta(text):
                    return text
            return ""
        position -= 1
    return ""


_CLOCK = re.compile(r"^(?:[昨前今]天|刚刚)?\s*\d{1,2}[:：]\d{2}$|^[\d\s:：/.-]+$")  # a time, no headline
_BREADCRUMB = re.compile(r"位置|>|＞|→|»|首页|主页")
_CLAUSE_END = re.compile(r"[。，；;,…：:]$")  # a clause, or a label waiting for its value
_HAS_LETTERS = re.compile(r"[A-Za-z\u4e00-\u9fff]")
_TITLE_NAME = re.compile(r"title|headline|biaoti|bt_", re.IGNORECASE)


def _headline_near(lines: list[_Line], start: int) -> str:
    """A headline-like line just above the body, or opening it: short, not a link (unless its
    element is named a title), a meta line, a credit or a breadcrumb, and not ending like a
    clause (the title of a plain layout)."""
    opening = lines[start] if start < len(lines) else None
    if (
        opening
        and 4 <= len(opening.text) <= 60
        and (
            opening.owner.tag in _HEADING_TAGS
            or (_TITLE_NAME.search(_names(opening.owner)) and not _CLAUSE_END.search(opening.text))
        )
    ):
        return opening.text  # the text block opens with its heading (a linked post title too)
    skipped_start = False
    positions: list[int] = [*range(start - 1, max(start - 6, -1), -1), start, start + 1]
    for position in positions:
        if position < 0 or position >= len(lines) or (position > start and not skipped_start):
            continue
        line = lines[position]
        text = line.text
        linked = line.link_chars >= 0.3 * len(text) and not _title_named(line)
        chrome = _BREADCRUMB.search(text) or _CHROME.search(text) or _SIGN_UP.search(text)
        if not text or linked or _is_meta(text) or is_credit_line(text) or chrome or _CLOCK.match(text):
            skipped_start = position == start
            continue
        if position >= start and not any(_is_prose(after) for after in lines[position + 1 : position + 5]):
            continue
        between = lines[position + 1 : start]
        if position < start and sum(1 for x in between if x.link_chars >= 0.5 * len(x.text) > 0) >= 2:
            continue  # a sidebar's heading over its links, not the headline over the text
        if 4 <= len(text) <= 60 and not _CLAUSE_END.search(text) and len(_PUNCT.findall(text)) <= 2:
            return text
        if position < start and len(text) > 60:
            return ""  # prose above the body: no headline there
    return ""


def _title_named(line: _Line) -> bool:
    """The line's element, or the link that is the whole line, is named a title (postTitle,
    viewpost_TitleUrl): a linked headline (a blog post's permalink), not a link in a list."""
    if _TITLE_NAME.search(_names(line.owner)):
        return True
    return any(
        _TITLE_NAME.search(_names(link)) and _clean(_text_content(link)) == line.text
        for link in line.owner.iter("a")
    )


# Quotes and full-width forms compared as one: <title> often writes "…" where the headline has “…”.
_FULL_WIDTH = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
_FOLD = str.maketrans({**_FULL_WIDTH, "“": '"', "”": '"', "‘": "'", "’": "'", "\u3000": " "})


def _common_prefix_or_substring(candidate: str, page_title: str) -> int:
    """How much of the candidate <title> repeats: the whole of it, or its longest prefix."""
    candidate, page_title = candidate.translate(_FOLD), page_title.translate(_FOLD)
    if candidate in page_title:
        return len(candidate)
    low, high = 0, len(candidate)
    while low < high:  # the longest prefix of candidate that occurs in the page title
        middle = (low + high + 1) // 2
        if candidate[:middle] in page_title:
            low = middle
        else:
            high = middle - 1
    return low


# --- lines ---------------------------------------------------------------------------------


def _walk(top: etree._Element) -> _Walk:
    """Cut the tree into lines at block boundaries; count text and link text per element."""
    walk = _Walk()
    pieces: list[str] = []
    state = {"link": 0, "caption": False, "img": False}
    owner_stack: list[etree._Element] = [top]
    ancestors: list[etree._Element] = []

    def flush() -> None:
        text = _clean("".join(pieces))
        if text or state["img"]:
            walk.lines.append(
                _Line(text, min(state["link"], len(text)), owner_stack[-1], len(walk.lines),
                      bool(state["caption"]), bool(state["img"]))
            )  # fmt: skip
        pieces.clear()
        state["link"], state["caption"], state["img"] = 0, False, False

    def add(text: str | None, in_link: bool, in_caption: bool) -> None:
        if not text:
            return
        pieces.append(text)
        size = len(text.strip())
        if not size:
            return
        if in_link:
            state["link"] += size
        if in_caption:
            state["caption"] = True
        for node in ancestors:
            walk.text_len[node] = walk.text_len.get(node, 0) + size
            if in_link:
                walk.link_len[node] = walk.link_len.get(node, 0) + size

    def visit(node: etree._Element, in_link: bool, in_caption: bool) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("head", "title"):  # a <title> lxml moved into the body is not a line
            return
        block = tag in _BLOCK_TAGS
        if block:
            flush()
            owner_stack.append(node)
        ancestors.append(node)
        in_link = in_link or tag == "a"
        names = f"{node.get('class', '')} {node.get('id', '')}"
        in_caption = in_caption or tag == "figcaption" or bool(names.strip() and _CAPTION_NAME.search(names))
        if tag == "img":
            state["img"] = True
        add(node.text, in_link, in_caption)
        for child in node:
            visit(child, in_link, in_caption)
        ancestors.pop()
        if block:
            flush()
            owner_stack.pop()
        add(node.tail, in_link and tag != "a", in_caption and tag != "figcaption")

    visit(top, False, False)
    flush()
    return walk


def _prose_chars(lines: list[_Line]) -> int:
    return sum(len(line.text) for line in lines if _is_prose(line))


def _is_prose(line: _Line) -> bool:
    """A line that reads like article text: long enough, punctuated, few links."""
    size = len(line.text)
    return (
        size >= 10
        and line.link_chars < 0.5 * size
        and bool(_PUNCT.search(line.text))
        and not line.caption
        and not _BOILERPLATE.search(line.text)
    )


def _find_title_line(lines: list[_Line], title: str, before: int | None = None) -> int | None:
    """The line holding the headline: the last one above `before` (the body), else the first."""
    if not title:
        return None
    found = [
        line.index
        for line in lines
        if line.text == title or (len(line.text) < 2 * len(title) + 10 and title in line.text)
    ]
    above = [index for index in found if before is not None and index < before]
    return above[-1] if above else (found[0] if found else None)


# --- body ----------------------------------------------------------------------------------


def _names(node: etree._Element) -> str:
    return f"{node.get('class', '')} {node.get('id', '')}".strip()


def _best_container(lines: list[_Line], walk: _Walk, headline_at: int | None = None) -> etree._Element | None:
    """The element holding the most prose, discounted for links and chrome-like names. When that
    is a feed (an item of a list, or a block of alike items: teasers beside a short article),
    the best block that is not one and sits right under the headline (line `headline_at`), if it
    scores at least RUNNER_UP_SHARE of the feed."""
    ranked = _ranked_containers(lines, walk)
    if not ranked:
        return None
    best, best_score = ranked[0]
    if headline_at is None or not (_repeated(best) or _alike_items(best)):
        return best
    first_line: dict[etree._Element, int] = {}
    for line in lines:
        for node in (line.owner, *line.owner.iterancestors()):
            first_line.setdefault(node, line.index)
    for node, score in ranked[1:]:
        if score < RUNNER_UP_SHARE * best_score:
            break
        under = 0 < first_line.get(node, -1) - headline_at <= HEADLINE_REACH
        if under and not _repeated(node) and not _alike_items(node) and best not in node.iterancestors():
            return node
    return best


def _alike_items(node: etree._Element) -> bool:
    """The element holds FEED_ITEMS or more alike classed blocks (a feed's cards), not paragraphs."""
    kinds: dict[tuple[str, str], int] = {}
    for child in node:
        if isinstance(child.tag, str) and child.tag not in _PARAGRAPH_TAGS and child.get("class"):
            key = (child.tag, child.get("class", ""))
            kinds[key] = kinds.get(key, 0) + 1
    return any(count >= FEED_ITEMS for count in kinds.values())


def _ranked_containers(lines: list[_Line], walk: _Walk) -> list[tuple[etree._Element, float]]:
    """Elements by prose score, best first (scores discounted for links and chrome names)."""
    scores: dict[etree._Element, float] = {}
    for line in lines:
        if not _is_prose(line):
            continue
        weight = 1.0 + len(_PUNCT.findall(line.text)) + min(len(line.text) / 40, 5.0)
        owner = line.owner
        node = owner if owner.tag not in _PARAGRAPH_TAGS else owner.getparent()
        for share in (1.0, 0.5, 0.25):
            if node is None:
                break
            scores[node] = scores.get(node, 0.0) + weight * share
            node = node.getparent()
    ranked = []
    for node, score in scores.items():
        if node.tag in ("html", "body"):
            score *= 0.5
        text = walk.text_len.get(node, 0)
        links = walk.link_len.get(node, 0)
        score *= 1.0 - min(links / text, 1.0) if text else 0.0
        names = _names(node)
        if node.tag in _CHROME_TAGS:
            score *= 0.3
        elif names:
            if _BAD_NAME.search(names) and not _GOOD_NAME.search(names):
                score *= 0.3
            elif _GOOD_NAME.search(names):
                score *= 1.25
        if score > 0:
            ranked.append((node, score))
    return sorted(ranked, key=lambda pair: pair[1], reverse=True)


def _container_lines(lines: list[_Line], container: etree._Element) -> list[_Line]:
    """The lines inside the container, outer chrome (link lists, bad-name subtrees) left out."""
    inside = set(container.iter())
    chosen = []
    bad_cache: dict[etree._Element, bool] = {}
    for line in lines:
        if line.owner not in inside:
            continue
        if _in_bad_subtree(line.owner, container, bad_cache):
            continue
        chosen.append(line)
    return chosen


def _in_bad_subtree(
    node: etree._Element, container: etree._Element, cache: dict[etree._Element, bool]
) -> bool:
    path = []
    found = False
    current: etree._Element | None = node
    while current is not None and current is not container:
        if current in cache:
            found = cache[current]
            break
        path.append(current)
        names = _names(current)
        if current.tag in _CHROME_TAGS or (
            names and _BAD_NAME.search(names) and not _GOOD_NAME.search(names)
        ):
            found = True
            break
        current = current.getparent()
    for element in path:
        cache[element] = found
    return found


def _split_body(chosen: list[_Line], title: str) -> tuple[list[str], list[str], list[str]]:
    """Body paragraphs, editor lines and meta lines (header or credit lines inside the container)."""
    body: list[_Line] = []
    editors: list[str] = []
    meta: list[str] = []
    after_image: etree._Element | None = None  # owner of the image line just seen
    for position, line in enumerate(chosen):
        text, size = line.text, len(line.text)
        if line.has_img and not text:
            after_image = line.owner
            continue
        follows_image, after_image = after_image, None
        if line.caption or (line.has_img and size < 80 and not _is_prose(line)):
            continue
        if follows_image is not None and size < 60 and _looks_like_caption(line, follows_image):
            continue
        if line.owner.tag == "center" and size < 40 and not _SENTENCE_END.search(text):
            continue  # a caption left in a <center> whose image is gone
        if is_credit_line(text):
            (editors if parse_byline(text).editor else meta).append(text)
            continue
        if _LABEL_ONLY.match(text) and position + 1 < len(chosen):
            continue
        if title and (text == title or (title in text and size < len(title) + 6)):
            continue
        if size < 80 and not body and (_META_LABEL.search(text) or _DATED_TIME.search(text)):
            meta.append(text)
            continue
        if _LONE_DATE.match(text) and len(body) < BYLINE_REACH and all(len(x.text) < 40 for x in body):
            meta.append(text)  # a date alone among the header's short lines (作者, 译) over the text
            continue
        if line.link_chars > 0.5 * size:
            continue
        if size < 60 and _CHROME.search(text):
            continue
        body.append(line)
    _trim_tail(body, meta)
    while len(body) > 1 and _edge_chrome(body[0].text) and _is_prose(body[1]):
        body.pop(0)
    return [line.text for line in body], editors, meta


def _looks_like_caption(line: _Line, image_owner: etree._Element) -> bool:
    """Short text right after an image: in the image's block, centred, or worded like a caption."""
    return line.owner is image_owner or _centered(line.owner) or bool(_CAPTION_WORDS.search(line.text))


def _trim_tail(body: list[_Line], meta: list[str]) -> None:
    """Drop what trails the article: counters, tag runs, disclaimers, a heading over what followed;
    credit lines go to meta."""
    while body:
        text = body[-1].text
        if is_credit_line(text) or (len(text) < 80 and _DATE_LABEL.search(text)):
            meta.append(text)
        elif not (_edge_chrome(text) or _DISCLAIMER.match(text) or _tag_run(body) or _tail_heading(body[-1])):
            return
        body.pop()


def _tail_heading(line: _Line) -> bool:
    """A short heading ending the text: the head of what followed it (热点新闻 over related links)."""
    return line.owner.tag in _SECTION_HEADINGS and len(line.text) <= 20 and not _PUNCT.search(line.text)


_SECTION_HEADINGS = frozenset(("h2", "h3", "h4", "h5", "h6"))


def _tag_run(body: list[_Line]) -> bool:
    """The last three lines are short unpunctuated words (a tag or keyword list)."""
    tail = body[-3:]
    return len(tail) == 3 and all(len(x.text) <= 8 and not _PUNCT.search(x.text) for x in tail)


def _edge_chrome(text: str) -> bool:
    return len(text) < 12 and not _PUNCT.search(text) and not re.search(r"[\u4e00-\u9fff]{4}", text)


def _centered(node: etree._Element) -> bool:
    style = (node.get("style") or "").replace(" ", "").lower()
    return "text-align:center" in style or node.get("align") == "center" or "center" in node.get("class", "")


def _is_meta(text: str) -> bool:
    return bool(
        _META_LABEL.search(text)
        or (_DATE.search(text) and len(text) < 40)
        or (_DATED_TIME.search(text) and len(text) < 80)
    )


def _looks_like_list(container: etree._Element) -> bool:
    items = sum(1 for _ in container.iter("li"))
    paragraphs = sum(1 for _ in container.iter("p"))
    return items >= 10 and items > 2 * paragraphs


def _repeated(container: etree._Element) -> bool:
    """The container (or a near ancestor) is one of several alike siblings: an item of a list."""
    node: etree._Element | None = container
    for _ in range(ITEM_REACH):
        if node is None or node.tag in ("body", "html"):
            return False
        parent = node.getparent()
        if parent is None:
            return False
        if node.tag == "li" or node.get("class"):
            alike = sum(1 for sib in parent if sib.tag == node.tag and sib.get("class") == node.get("class"))
            if alike >= 4:
                return True
        node = parent
    return False


def _is_video_only(container: etree._Element, body_chars: int) -> bool:
    return body_chars < 120 and next(container.iter("video"), None) is not None


# --- what the page is ----------------------------------------------------------------------


def _thread_signs(root: etree._Element, lines: list[_Line]) -> list[str]:
    """Every sign that a page is a forum thread or a Q&A page, one entry each time it is seen."""
    signs = []
    generator = " ".join(_strings(root, "//meta[@name='generator']/@content"))
    powered = " ".join(line.text for line in lines if "powered" in line.text.lower() and len(line.text) < 80)
    if _FORUM_SOFTWARE.search(generator) or _FORUM_SOFTWARE.search(powered):
        signs.append("forum software")  # portals run on forum software too: one sign of two
    short = [line.text for line in lines if len(line.text) <= _FORUM_LINE_MAX]
    qa = sum(1 for text in short if _QA_WORDS.search(text))
    if qa:
        signs += ["answers"] * min(qa, 2)
    numbered = [line.text for line in lines if len(line.text) <= 2 * _FORUM_LINE_MAX]
    if sum(1 for text in numbered if _POST_NUMBER.search(text)) >= 3:
        signs.append("numbered posts")
    headers: dict[str, int] = {}
    texts = [line for line in lines if line.text]
    for line, after in pairwise(texts):  # a post's text follows its header, not a link (a teaser's)
        if after.link_chars >= 0.8 * len(after.text) or _POST_HEADER.search(after.text):
            continue
        if len(line.text) <= 2 * _FORUM_LINE_MAX and not line.link_chars and _POST_HEADER.search(line.text):
            key = f"{line.owner.tag} {_names(line.owner)}"
            headers[key] = headers.get(key, 0) + 1
    if any(count >= _POST_HEADERS for count in headers.values()):
        signs.append("post headers")
    if sum(1 for text in numbered if _POSTED_AT.search(text)) >= _POST_HEADERS:
        signs.append("posted at, per post")
    if sum(1 for text in numbered if _POSTED_FROM.search(text)) >= _POST_HEADERS:
        signs.append("posted from a client, per post")
    if sum(1 for text in numbered if _POST_AUTHOR.search(text)) >= _POST_HEADERS:
        signs.append("author, per post")
    if any(_QUESTION_NAME.search(_names(node)) for tag in ("h1", "h2") for node in root.iter(tag)):
        signs.append("question heading")
    if any(_THREAD_WORDS.search(text) for text in short):
        signs.append("楼主")
    found = root.xpath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content")
    address = " ".join(str(value) for value in found) if isinstance(found, list) else ""
    if _THREAD_ADDRESS.search(address):
        signs.append("a thread's address")
    actions: dict[str, int] = {}
    for text in short:
        if match := _POST_ACTIONS.match(text):
            word = re.sub(r"[\d\s]", "", match.group(0))[:2]
            actions[word] = actions.get(word, 0) + 1
    if any(count >= 5 for count in actions.values()):
        signs.append("per-post actions")
    return signs


def _forum_signs(root: etree._Element, lines: list[_Line]) -> list[str]:
    """The signs that a page is a forum thread or a Q&A page; two are needed (else none)."""
    signs = _thread_signs(root, lines)
    return sorted(set(signs)) if len(signs) >= 2 else []


def _headline_links(root: etree._Element) -> int:
    """Links whose text reads like a headline (8 to 40 characters, Chinese)."""
    count = 0
    for link in root.iter("a"):
        text = _clean(_text_content(link))
        if 8 <= len(text) <= 40 and _HEADLINE_LINK.search(text):
            count += 1
    return count


def _dated_items(chosen: list[_Line], headed: bool = False) -> bool:
    """The block is a list of dated items: many lines that are a date or a time alone, or a
    linked title with its date; not when prose comes first and outweighs them (related news
    after a text), nor when a little prose comes first under the page's headline (a flash)."""
    dated = []
    for position, line in enumerate(chosen):
        text = line.text
        if _LONE_DATE.match(text) or (line.link_chars >= 6 and len(text) < 80 and _DATE.search(text)):
            dated.append(position)
    if len(dated) < DATED_ITEMS or len(dated) * 3 < len(chosen):
        return False
    # dated links after the text (related news in the article's block) do not make it a list:
    # the prose before them must outweigh them
    prose = sum(len(line.text) for line in chosen[: dated[0]] if _is_prose(line))
    listed = sum(len(line.text) for line in chosen[dated[0] :])
    return prose < (HEADED_PROSE if headed else max(SHORT_BODY, listed))


# --- meta and editor -----------------------------------------------------------------------


def _meta_lines(
    lines: list[_Line], title_at: int | None, start: int, end: int, *, header: bool = True
) -> list[str]:
    """Lines holding a date, 来源 or 作者: between headline and body, else just after the body;
    and the credit lines just after the body (with `header` false: those alone)."""
    after = _collect_meta(lines[end + 1 : end + 12])
    credits = [line for line in after if is_credit_line(line) and not parse_byline(line).editor]
    if not header:
        return credits
    if title_at is not None and title_at < start:
        window = lines[title_at + 1 : start]
        window = window if len(window) <= 20 else [*window[:10], *window[-10:]]
    else:
        window = lines[max(0, start - 8) : start]
    found = _collect_meta(window)
    if not any(_DATE.search(line) for line in found):
        found += [line for line in after if _DATE_LABEL.search(line)] or _posted(lines[end + 1 : end + 4])
    return found + [line for line in credits if line not in found]


def _posted(window: list[_Line]) -> list[str]:
    """A blog's `posted` line just under the post: a short, dated line that is not a link."""
    for line in window:
        if len(line.text) < 80 and line.link_chars < 0.5 * len(line.text) and _DATED_TIME.search(line.text):
            return [line.text]
    return []


def _collect_meta(window: list[_Line]) -> list[str]:
    found: list[str] = []
    pending = ""
    for line in window:
        text = line.text
        if pending:
            found.append(f"{pending}{text}")
            pending = ""
            continue
        if _LABEL_ONLY.match(text):
            pending = text
            continue
        own = len(text) - line.link_chars  # a date line may carry the site's link
        dated = 10 <= own <= 60 and _DATE.search(text)
        credited = _is_meta(text) or is_credit_line(text)
        if len(text) <= 120 and ((credited and own >= 0.5 * len(text)) or dated):
            found.append(text)
    return found


def _byline_under_headline(window: list[_Line], body: list[str]) -> list[str]:
    """A writer's name alone on a line under the headline, before the first paragraph of prose,
    as a `作者：` meta line (`胡平` under `路是人走出来的`); taken out of the body if it is there."""
    for line in window:
        if is_lone_name(line.text) and not line.link_chars:
            if line.text in body[:BYLINE_REACH]:
                body.remove(line.text)
            return [f"作者：{line.text}"]
        if _is_prose(line) and not _is_meta(line.text):
            return []  # prose has begun
    return []


def _meta_tag_author(root: etree._Element) -> str | None:
    """The `<meta name="author">` of the page when it names a person-like writer (no spaces)."""
    for content in _strings(root, "//meta[@name='author']/@content"):
        name = _clean(content)
        if 2 <= len(name) <= 24 and " " not in name and "http" not in name and _HAS_LETTERS.search(name):
            return name
    return None


def _meta_tag_date(root: etree._Element) -> str | None:
    """A date from <meta> tags, written as a meta line ("2019-09-07 13:43:45"), when lines had none."""
    for node in root.iter("meta"):
        name = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower()
        if name in _META_DATE_NAMES or name == "datepublished":
            content = (node.get("content") or "").strip()
            if _DATE.search(content):
                return content.replace("T", " ")[:19]
    return None


def _editor_after(lines: list[_Line], end: int) -> list[str]:
    """A 责任编辑 line just after the body (joined with its value when split over two lines)."""
    tail = lines[end + 1 : end + 6]
    for position, line in enumerate(tail):
        if is_credit_line(line.text) and parse_byline(line.text).editor:
            return [line.text]
        if _LABEL_ONLY.match(line.text) and "编" in line.text and position + 1 < len(tail):
            return [line.text + tail[position + 1].text]
    return []
