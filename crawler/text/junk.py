"""SEO junk and page chrome in an article body: what mirrors add and what extraction drags in.

Runs on Simplified text (after the normalize chain). Credit lines (来源, 责编 …, as
crawler.text.byline knows them) are left for the metadata stage. Every rule removes whole paragraphs,
except a place-name run glued to the end of a real paragraph, which is cut off it.
``remove_junk`` is idempotent.
"""

from __future__ import annotations

import re
from collections import Counter

from crawler.text.byline import is_credit_line, is_repost_note
from crawler.text.gazetteer import lookup

# A run of place names: separated by pipes, spaces, 、 or commas; a few unknown tokens tolerated.
_RUN_SEPARATORS = re.compile(r"[|｜\s\u3000、,，;；/_]+")
_RUN_MIN_PLACES = 5
_RUN_MIN_SHARE = 0.75  # or at most _RUN_MAX_UNKNOWN tokens that are not places (收藏, 丰原市)
_RUN_MAX_UNKNOWN = 2
_RUN_MAX_TOKEN = 12
_SENTENCE_END = re.compile(r"[。！？!?]")
_PIPE = re.compile(r"[|｜]")
_BEFORE_TAIL_RUN = re.compile(r"[。！？!?”」』）)]")

# 金乡新闻，新鲜有料。……距离金乡县再远也不是问题
_COUNTY_TAIL = re.compile(r"新闻[，,\s]*新鲜有料|距离\S{1,12}?再远也不是问题")
_COUNTY_TAIL_MAX = 300

_WIDGET_WORD = (
    r"(?:微信公众号|官方微信|官方微博|新浪微博|腾讯微博|公众号|微信|微博|QQ空间|QQ好友|朋友圈"
    r"|分享到|分享|收藏|打印本页|打印|关闭窗口|关闭|扫一扫|手机阅读|字号|[【\[][大中小][】\]])"
)
_SHARE_WIDGET = re.compile(
    rf"^(?:[\w\u4e00-\u9fff]{{2,12}}?[网报台])?\s*(?:{_WIDGET_WORD}[\s|｜:：·•、,，/]*)+$"
)
_SITE_NAME = re.compile(r"^[\w\u4e00-\u9fff]{2,12}[网报台]$")

_COUNTER = re.compile(
    r"^(?:\d{1,6}"
    r"|(?:阅读|浏览|点击|点赞|评论|访问)(?:量|数|次数)?\s*[:：]?\s*\d{1,9}(?:次)?"
    r"|\d{1,9}\s*(?:人)?(?:阅读|浏览|点赞|评论))$"
)

_TAG_LINE = re.compile(r"^(?:标签|关键词|关键字|Tags?|TAGS?)\s*[:：]", re.IGNORECASE)
_TAG_LINE_MAX = 100

_BLOCK_HEADERS = {
    "related": re.compile(
        r"^(?:相关阅读|相关新闻|相关文章|相关链接|延伸阅读|推荐阅读|热点推荐|猜你喜欢)\s*[:：]?"
    ),
    "links": re.compile(r"^友情链接\s*[:：]?"),
}
_BLOCK_HEADER_REST_MAX = 80
_LINK_TITLE_MAX = 40

_FOOTER_STRONG = re.compile(
    r"ICP[备证]\s*\d{5,}|公网安备\s*\d{8,}|Copyright\s*(?:©|\(c\))?\s*\d{4}|©\s*\d{4}", re.IGNORECASE
)
_FOOTER_WEAK = re.compile(
    r"版权所有(?![人者权])|未经(?:本\w{1,2})?授权.{0,6}(?:转载|复制)|免责声明[:：]|如有侵权"
)
_FOOTER_MAX = 150
# What platforms and reposts append: 返回搜狐，查看更多; 关注公众号…; 点击右上角分享; 本文经…授权转载.
_PLATFORM_TAIL = re.compile(
    r"返回搜狐[，,\s]*查看更多|点击.{0,6}(?:右上角|下方|上方).{0,8}分享|"
    r"^(?:请|欢迎)?(?:关注|长按|扫码|识别|搜索).{0,20}公众号(?:\W*$|.{0,12}(?:更多|获取|精彩|资讯|第一时间))|"
    r"本文(?:经|由).{0,40}授权(?:转载|发布)|转载请(?:注明|联系)|未经.{0,12}(?:授权|许可|同意).{0,12}"
    r"(?:转载|使用|复制|摘编)|(?:欢迎|敬请)(?:关注|分享|转发)"
)

# At the top: keyword lines (porn/gambling terms joined by _ , /) and ad-slot ids.
_KEYWORD_SEPARATORS = re.compile(r"[_,，/|｜]")
_KEYWORD_MIN_TOKENS = 3
_KEYWORD_MAX_TOKEN = 16
_AD_SLOT = re.compile(r"^(?=[^\s]*[\d_-])[A-Za-z][\w-]{2,40}$", re.ASCII)
_PROSE_MIN = 40

_HAN = re.compile(r"[\u4e00-\u9fff]")

KINDS = (
    "place-run",
    "county-tail",
    "share-widget",
    "counter",
    "keyword-line",
    "ad-slot",
    "tag-line",
    "related",
    "links",
    "footer",
    "platform-tail",
    "empty",
)


def place_run_size(text: str) -> int:
    """How many known place names the text holds if it is a run of them (else 0)."""
    if _SENTENCE_END.search(text):
        return 0
    tokens = [token for token in _RUN_SEPARATORS.split(text) if token]
    if len(tokens) < _RUN_MIN_PLACES:
        return 0
    places = sum(1 for token in tokens if len(token) <= _RUN_MAX_TOKEN and lookup(token))
    unknown = len(tokens) - places
    if places < _RUN_MIN_PLACES or (unknown > _RUN_MAX_UNKNOWN and places < _RUN_MIN_SHARE * len(tokens)):
        return 0
    return places


def is_place_run(text: str) -> bool:
    """True when the whole text is a run of place names (SEO junk)."""
    return place_run_size(text.strip()) > 0


def cut_tail_run(text: str) -> str | None:
    """The text without a pipe-separated place run glued to its end; None when there is none."""
    pipe = _PIPE.search(text)
    if pipe is None:
        return None
    ends = [m.end() for m in _BEFORE_TAIL_RUN.finditer(text, 0, pipe.start())]
    if not ends or not place_run_size(text[ends[-1] :]):
        return None
    return text[: ends[-1]].rstrip()


def paragraph_kind(text: str) -> str | None:
    """The junk kind of one paragraph judged on its own (None: not junk by itself)."""
    text = text.strip()
    if not any(char.isalnum() for char in text):
        return "empty"
    if _COUNTER.match(text):
        return "counter"
    if _SHARE_WIDGET.match(text):
        return "share-widget"
    if len(text) <= _FOOTER_MAX and (
        _FOOTER_STRONG.search(text) or (_FOOTER_WEAK.search(text) and not _SENTENCE_END.search(text[:-1]))
    ):
        return "footer"
    if len(text) <= _FOOTER_MAX and _PLATFORM_TAIL.search(text) and not is_repost_note(text):
        return "platform-tail"  # a repost note carries credits: the metadata stage reads it
    if len(text) <= _TAG_LINE_MAX and _TAG_LINE.match(text):
        return "tag-line"
    if len(text) <= _COUNTY_TAIL_MAX and _COUNTY_TAIL.search(text):
        return "county-tail"
    if is_place_run(text):
        return "place-run"
    for kind, header in _BLOCK_HEADERS.items():
        if (match := header.match(text)) and _is_short_list(text[match.end() :], _BLOCK_HEADER_REST_MAX):
            return kind
    return None


def is_keyword_line(text: str) -> bool:
    """True for a line of short terms joined by _ , / or | (the spam keyword lines at the top)."""
    if _SENTENCE_END.search(text):
        return False
    tokens = [token.strip() for token in _KEYWORD_SEPARATORS.split(text)]
    tokens = [token for token in tokens if token]
    return len(tokens) >= _KEYWORD_MIN_TOKENS and all(len(token) <= _KEYWORD_MAX_TOKEN for token in tokens)


def _is_short_list(text: str, limit: int) -> bool:
    return len(text.strip()) <= limit and not _SENTENCE_END.search(text)


def _is_prose(text: str) -> bool:
    return bool(_HAN.search(text)) and (bool(_SENTENCE_END.search(text)) or len(text) >= _PROSE_MIN)


def classify(paragraphs: list[str]) -> list[str | None]:
    """The junk kind of each paragraph in its context (None: keep it)."""
    texts = [paragraph.strip() for paragraph in paragraphs]
    kinds = [paragraph_kind(text) for text in texts]
    # A 相关阅读 / 友情链接 header takes the short link titles under it along.
    for index, kind in enumerate(list(kinds)):
        if kind not in _BLOCK_HEADERS:
            continue
        for follower in range(index + 1, len(texts)):
            if kinds[follower] is not None and kinds[follower] not in _BLOCK_HEADERS:
                continue
            text = texts[follower]
            if kinds[follower] in _BLOCK_HEADERS or is_credit_line(text):
                break
            if not _is_short_list(text, _LINK_TITLE_MAX):
                break
            kinds[follower] = kind
    # Above the first real paragraph: keyword lines and ad-slot ids.
    first_prose = next(
        (i for i, text in enumerate(texts) if kinds[i] is None and _is_prose(text)), len(texts)
    )
    for index in range(first_prose):
        if kinds[index] is None:
            if _AD_SLOT.match(texts[index]):
                kinds[index] = "ad-slot"
            elif is_keyword_line(texts[index]):
                kinds[index] = "keyword-line"
    # A lone site name (乡村干部报网) belongs to the share widget that follows it.
    next_kind: str | None = None
    for index in range(len(texts) - 1, -1, -1):
        if kinds[index] is None and next_kind == "share-widget" and _SITE_NAME.match(texts[index]):
            kinds[index] = "share-widget"
        if kinds[index] in (None, "share-widget"):
            next_kind = kinds[index]
    return kinds


def remove_junk(paragraphs: list[str]) -> tuple[list[str], Counter[str]]:
    """Drop junk paragraphs (and place runs glued to paragraph ends); count removals by kind."""
    removed: Counter[str] = Counter()
    kept: list[str] = []
    for paragraph, kind in zip(paragraphs, classify(paragraphs), strict=True):
        if kind is not None:
            removed[kind] += 1
            continue
        if (cut := cut_tail_run(paragraph)) is not None:
            removed["place-run"] += 1
            paragraph = cut
        kept.append(paragraph)
    return kept, removed
