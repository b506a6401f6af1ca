"""Credit lines: 来源, 作者/记者, 责编 and the production staff, defined once and split apart.

The credit labels live here alone; the generic extractor, junk removal and the metadata stage
all read them from this module. A label is recognised as the page wrote it, before any
repair: in Simplified or Traditional script and with the inline pinyin spam mirrors add
(``責(zé)編:劉瓊`` is an editor line), so an extractor can set such a line aside and the metadata
stage reads it after the normalize stage has repaired it.

Roles: ``source`` (a publication or platform, never an author), ``author`` (reporters,
writers, photographers), ``editor`` (责任编辑), ``staff`` (审核, 校对, 排版, 监制 …: credited,
not kept) and ``other`` (labels of the same header line whose value ends the one before:
发布时间, 点击数 …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crawler.text.gazetteer import lookup

LABELS: dict[str, tuple[str, ...]] = {
    "source": (
        "文章来源", "信息来源", "稿件来源", "新闻来源", "内容来源", "本文来源", "来源于", "来源", "稿源",
        "出处", "转载自", "转自",
    ),
    "author": (
        "作者", "撰文", "撰稿", "执笔人", "执笔", "采写", "文字", "本报记者", "特约记者", "见习记者",
        "实习记者", "首席记者", "全媒体记者", "融媒体记者", "记者", "通讯员", "实习生", "摄影", "图文",
        "文", "图", "口述", "整理",
    ),
    "editor": ("责任编辑", "值班编辑", "网络编辑", "本文编辑", "责编", "编辑"),
    "staff": (
        "总监制", "监制", "审核", "审校", "审读", "审签", "终审", "初审", "复审", "二审", "三审", "校对",
        "排版", "美编", "统筹", "策划", "出品人", "出品", "制作", "设计", "视觉", "统稿", "签发", "主编",
        "总编辑", "剪辑", "配音", "翻译", "译者",
    ),
    "other": (
        "发布时间", "发布日期", "发表时间", "发表于", "发布于", "更新时间", "点击数", "点击量", "浏览量",
        "浏览次数", "阅读量", "阅读数", "日期", "时间", "字号", "发布者", "发布人",
    ),
}  # fmt: skip
DATE_LABELS = ("发布时间", "发布日期", "发表时间", "发表于", "发布于", "更新时间", "日期", "时间")
# Labels that are credits only with a colon or slash after them (文/张三, 图：李四), never bare.
_SHORT_LABELS = frozenset({"文", "图", "文字", "整理", "口述", "设计", "视觉", "制作", "出品", "翻译"})
# Labels followed by the name after a plain space as well: 记者 张三, 通讯员 李四.
_SPACE_LABELS = frozenset(
    {"本报记者", "特约记者", "见习记者", "实习记者", "首席记者", "全媒体记者", "融媒体记者", "记者", "通讯员",
     "实习生"}
)  # fmt: skip
_KIND = {label: kind for kind, labels in LABELS.items() for label in labels}

# The Traditional forms of the label characters, and the inline pinyin mirrors put after them.
_TRADITIONAL = dict(
    zip("责编辑记讯员摄来审对监读发时间图实习见报闻视统筹划设签译终复览数阅号击浏稿计处转载语剪",
        "責編輯記訊員攝來審對監讀發時間圖實習見報聞視統籌劃設簽譯終複覽數閱號擊瀏稿計處轉載語剪",
        strict=True)
)  # fmt: skip
_PINYIN_NOTE = r"(?:\([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7}\))?"
_UNDAMAGE = re.compile(r"\([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7}\)")
_SIMPLIFY = str.maketrans({t: s for s, t in _TRADITIONAL.items() if t != s})


def _tolerant(label: str) -> str:
    """A pattern for one label as pages write it: either script, pinyin after any character."""
    parts = []
    for char in label:
        other = _TRADITIONAL.get(char, char)
        parts.append((f"[{char}{other}]" if other != char else re.escape(char)) + _PINYIN_NOTE)
    return "".join(parts)


def label_pattern(labels: tuple[str, ...] | None = None, kinds: tuple[str, ...] = ()) -> str:
    """A regex alternation of labels (given, or all of the given kinds), as pages write them."""
    chosen = list(labels or ()) + [label for kind in kinds for label in LABELS[kind]]
    return "|".join(_tolerant(label) for label in sorted(set(chosen), key=len, reverse=True))


def label_of(written: str) -> str:
    """The Simplified label of a label as written (``責(zé)編`` -> ``责编``)."""
    return _UNDAMAGE.sub("", written).translate(_SIMPLIFY)


_BY_LENGTH = sorted(_KIND, key=len, reverse=True)
_REPORTERS = ("记者", "通讯员", "实习生")  # also after a publication's name: 新华社记者, 中青网记者
# A label and its separator: a colon, slash or bar; a space (not after 文, 图 …); or, after a
# reporter label, the name itself (记者张三). Not inside a word (编辑部, 论文), reporters aside.
_LABEL = re.compile(
    rf"(?:(?<![\u4e00-\u9fff])(?P<label>{'|'.join(_tolerant(label) for label in _BY_LENGTH)})"
    rf"|(?P<reporter>{'|'.join(_tolerant(label) for label in _REPORTERS)})"
    rf"|(?P<glued>{'|'.join(_tolerant(label) for label in _BY_LENGTH if len(label) > 1)})(?=\s*[：:]))"
    r"(?P<sep>\s*[：:／/|｜丨]\s*|[】\]]\s*|\s+|(?=[\u4e00-\u9fff]))"
)  # a label glued to the word before it counts with a colon: 来源：某某网作者：李四
# `张三 摄`, `张三/摄`, `张三摄影`: a photographer's credit, the name first.
_SUFFIX_CREDIT = re.compile(
    r"(?P<names>[\u4e00-\u9fff·]{2,4}(?:[\s、，,]+[\u4e00-\u9fff·]{2,4})*)\s*[/／]?\s*(?:摄影|摄|攝)(?![\u4e00-\u9fff])"
)
# A value ends at a wide gap, a bar, a bracket, a sentence mark, the date that often follows, a
# dateline's 发自/报道/电, a page button (分享, 举报 …) or a staff code (张三_NB2581).
_VALUE_END = re.compile(
    r"\s{2,}|\u3000|[|｜丨\]】\[【）)（(。，,：:；;！!？?]|(?:19|20)\d{2}\s*[-年/.－／．]|\d{1,2}[:：]\d{2}|"
    r"\s(?:分享|举报|打印|收藏|字号|评论|阅读|浏览|关注|选稿|网友)|出自|摘自|选自|_[A-Z]{1,4}\d{2,}"
)
_GAP = re.compile(r"\s")
_NAME_END = re.compile(r"发自|报道|(?<=[\u4e00-\u9fff]{2})电(?=\W|$)")  # 本报记者张三发自北京
_NOT_A_VALUE = re.compile(r"[=\"'<>]")  # markup shown as text: size="20"
# `十三 2025-04-21 00:41 来源：X`, `张三于 2024-05-06 发布`: a writer's name opening a dated header line.
_NAME_BEFORE_DATE = re.compile(
    r"(?:^|\s{2})(?P<name>[A-Za-z\u4e00-\u9fff][\w\u4e00-\u9fff·.-]{1,19}?)\s*(?:于\s*)?(?:19|20)\d{2}\s*[-年/.－／．]"
)
_DATELINE_VERB = re.compile(r"(?:发自|报道|电)\S{0,8}")  # 记者 X 发自北京, 记者 X 冠县报道
_POSTED_BY = re.compile(r"^(?:本贴由|本帖由|本文由|由)")
_DOMAIN = re.compile(r"\.(?:com|cn|net|org)\b|^www\.", re.IGNORECASE)
# `本文来自微信公众号“X”，作者：Y，经授权发布`: a repost note, credits inside, at the body's end.
_REPOST_NOTE = re.compile(r"^[（(【\[]?\s*本文(?:来自|来源于|转载自|转自|经|由|系|为)")
REPOST_NOTE_MAX = 150
# `[ 黄宇 ]` in a header line, or `… by duscha`: an unlabelled writer.
_HEADER_NAME = re.compile(r"[\[【]\s*(?P<name>[\u4e00-\u9fff·]{2,4})\s*[\]】]")
_BY = re.compile(r"(?<!powered )\b(?:posted )?by\s+(?P<name>[\w\u4e00-\u9fff·.-]{2,24})", re.IGNORECASE)
_NAME_SEPARATORS = re.compile(r"[\s、，,/／;；]+")
_CREDIT_WORDS = tuple(label for label in _KIND if len(label) >= 2)  # 主作者, 总编辑: roles, not names
_LONE_NAME = re.compile(r"^[\u4e00-\u9fff]{2,3}$")
_PLACE_ENDS = frozenset("省市县区镇乡村州旗盟")
_HAN_NAME = re.compile(r"^[\u4e00-\u9fff·•]{2,5}$")
_HANDLE = re.compile(r"^[\w\u4e00-\u9fff·•.-]{2,24}$")  # a blogger's or account's name: zboygirl, 眉间尺
# Words that make a credited value an organisation or a platform account: a source, not a person.
_ORGANISATION = re.compile(
    r"报|网|社|台|刊|杂志|新闻|媒体|中心|频道|公众号|微信|微博|客户端|官方|集团|公司|政府|委员会|"
    r"[局厅部署办院所校会]$|研究|大学|编辑部|工作室|发布|在线|日报|晚报|周刊|视点|观察|头条|号$"
)
# `本报讯（记者 X 通讯员 Y）…` or `（记者 X）…` opening the body: the reporters' dateline.
_DATELINE = re.compile(
    r"^\s*(?:[^（(，,。]{0,20}?[讯电]\s*)?[（(]\s*(?P<inner>[^（()）\s，。]{0,6}?记者[^（()）]{1,40}?)\s*[）)]"
)  # 本报讯（记者 X）, 新华社深圳5月12日电（记者X、Y）
# `……逝世。（总台记者 张倩）` closing the body: the same credit at the end.
_CLOSING_CREDIT = re.compile(
    r"[（(]\s*(?P<inner>[^（()）\s，。]{0,6}?(?:记者|通讯员)[^（()）]{1,40}?)\s*[）)]\s*$"
)
# `（姚一 上海报道）` closing the body: the reporters' names and where they reported from.
_CLOSING_REPORT = re.compile(
    r"[（(]\s*(?P<inner>[\u4e00-\u9fff·]{2,4}(?:[\s、][\u4e00-\u9fff·]{2,4}){0,3})\s+"
    r"(?:发自)?[\u4e00-\u9fff]{2,8}?报道\s*[）)]\s*$"
)
# `（袁源）` closing the body: the writer's name alone in brackets (not （完） or （待续）).
_BRACKETED_NAME = re.compile(
    r"^[（(]\s*(?P<names>[\u4e00-\u9fff·]{2,4}(?:[\s、][\u4e00-\u9fff·]{2,4}){0,3})\s*[）)]$"
)
_NOT_NAMES = re.compile(
    r"^(?:全文)?完$|待续|未完|续|图片|资料|原创|转载|记者|编辑|本报|本刊|详见|下转|上接|"
    r"打印|关闭|收藏|分享|评论|纠错|返回|顶部|推荐|字号|复制|链接|举报|登录|注册|首页|更多|详细|全文|原文|"
    r"视频|专题|下载|订阅|投稿|留言|点击|进入|查看|我要|"
    r"附件|摘要|导语|前言|引言|序言|按语|编者|简介|概述|背景|正文|目录|注释|译文|赏析|结语|后记|提示|提醒|"
    r"展开|收起|手机|版$|[语語]$|昨天|今天|前天|刚刚|图集|超大|整合|综合|编译|转载|未知|佚名|匿名|不详"
)  # closing marks, page buttons and section heads, not names
# `本报记者罗科苏盈发自北京`, `新华社记者 张三 报道` opening the body.
_LEAD_CREDIT = re.compile(r"^[^，。（(：:]{0,8}?(?:记者|通讯员)[^，。]{2,30}?(?:发自|报道|电)")
_ROLES = re.compile(r"[^\s（()）、，]{0,6}?(?:特约记者|见习记者|记者|通讯员|实习生)")
_BRACKETS = "[]【】()（）〔〕<>《》「」"
CREDIT_LINE_MAX = 80  # a credit line is short; a longer line is prose that mentions a label
_LEFTOVER = re.compile(r"[\s\W_]+")
_DATE_OR_NUMBER = re.compile(r"[\d年月日时分秒:：\-/.]+")


@dataclass
class Byline:
    source: str | None = None
    author: str | None = None
    editor: str | None = None
    # The author was not credited with a label but guessed from the line's shape ([ 黄宇 ],
    # by X, a name before the date): a labelled credit or a dateline elsewhere comes first.
    guessed: bool = field(default=False, compare=False)


@dataclass
class _Credit:
    kind: str
    label: str
    value: str
    start: int
    end: int


def _credits(text: str) -> list[_Credit]:
    """Every labelled credit in a line, each value cut where the next label or a gap begins."""
    matches = []
    for match in _LABEL.finditer(text):
        label = label_of(match.group("label") or match.group("reporter") or match.group("glued"))
        separator = match.group("sep")
        if not separator.strip() and label in _SHORT_LABELS:
            continue  # 文章, 图片, 整理好: words, not labels
        if not separator and label not in _SPACE_LABELS:
            continue  # 编辑部, 来源于: a label needs a separator unless it names a reporter
        if separator.strip() in ("】", "]") and text[match.start() - 1 : match.start()] not in ("【", "["):
            continue  # 【作者】X: a label in brackets; a bracket closing anything else ends a value
        matches.append((match, label))
    found: list[_Credit] = []
    for position, (match, label) in enumerate(matches):
        limit = matches[position + 1][0].start() if position + 1 < len(matches) else len(text)
        raw = text[match.end() : limit]
        reporter_next = position + 1 < len(matches) and matches[position + 1][0].group("reporter")
        if reporter_next and not _GAP.search(raw):
            # 采写：南都记者 X: 南都 is the reporter's paper, glued to 记者; no value of its own
            found.append(_Credit(_KIND[label], label, "", match.start(), limit))
            continue
        value = _VALUE_END.split(raw.lstrip(" [【(（"), maxsplit=1)[0]
        if _KIND[label] == "author":
            value = _NAME_END.split(value, maxsplit=1)[0]
        end = match.end() + len(raw) - len(raw.lstrip(" [【(（")) + len(value)
        found.append(_Credit(_KIND[label], label, value.strip(" ,，:：、" + _BRACKETS), match.start(), end))
    return found


def _names(value: str, *, loose: bool) -> list[str]:
    """The person names of a credited value; `loose` accepts any short handle (作者：blogger42)."""
    tokens = [token for token in _NAME_SEPARATORS.split(value) if token]
    tokens = [_ROLES.sub("", token) for token in tokens]
    tokens = [token for token in tokens if token]
    if not tokens or len(tokens) > 8:
        return []
    if len(tokens) > 1 and _NAME_END.search(tokens[-1]):
        tokens[-1] = _NAME_END.split(tokens[-1], maxsplit=1)[0]
    if len(tokens) > 1 and all(len(token) == 1 for token in tokens):
        tokens = ["".join(tokens)]  # 赵 培: one name spaced out
    tokens = [token for token in tokens if not _NOT_NAMES.search(token)]
    if loose and len(tokens) == 1 and _HANDLE.match(tokens[0]):
        return tokens
    return [
        token
        for token in tokens
        if (_HAN_NAME.match(token) and not is_place(token)) or (loose and _HANDLE.match(token))
    ]


def is_organisation(value: str) -> bool:
    """True when a credited value names a publication, platform account or body, not a person."""
    return bool(_ORGANISATION.search(value))


def is_place(value: str) -> bool:
    """True when a token names a place (山东冠县, 北京), not a person."""
    return bool(lookup(value)) or (len(value) >= 3 and value[-1] in _PLACE_ENDS)


def parse_byline(text: str) -> Byline:
    """Source, author and editor from a credit or header line (`来源：X  作者：Y`, `记者 张三 李四`)."""
    found = Byline()
    authors: list[str] = []
    for credit in _credits(text):
        value = credit.value
        if not value or _NOT_A_VALUE.search(value):
            continue
        if credit.kind == "source":
            found.source = found.source or value
        elif credit.kind == "editor":
            found.editor = found.editor or value
        elif credit.kind == "author":
            if is_organisation(value):
                found.source = found.source or value
                continue
            loose = credit.label in ("作者", "撰文", "撰稿")
            authors += [name for name in _names(value, loose=loose) if name not in authors]
    if not authors and (suffix := _SUFFIX_CREDIT.search(text)):
        authors = _names(suffix.group("names"), loose=False)
    if not authors and (bracketed := _bracketed_names(text)):
        authors = bracketed
    if not authors:
        authors, account = _unlabelled_names(text)
        found.guessed = bool(authors)
        found.source = found.source or account
    found.author = " ".join(authors) or None
    return found


# A Han name of four characters or more is a person's only with a two-character surname (欧阳…)
# or a dot (transliterated: 约翰·史密斯); else, met without a label, it is an account (机器之心).
_COMPOUND_SURNAME = re.compile(
    r"^(?:欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|令狐|司徒|司空|长孙|宇文|夏侯|轩辕|端木|独孤|"
    r"南宫|西门|呼延|澹台|闻人|申屠|公冶|太史|钟离|濮阳|淳于|单于|赫连|拓跋|万俟|歐陽|司馬|諸葛|東方|"
    r"尉遲|公孫|長孫|軒轅|獨孤|鍾離)"
)


def is_account_name(name: str) -> bool:
    """True for a name given without a label that reads as an account or a brand, not a person:
    Han only, four characters or more, no two-character surname."""
    return (
        len(name) >= 4 and bool(re.fullmatch(r"[\u4e00-\u9fff]+", name)) and not _COMPOUND_SURNAME.match(name)
    )


def _unlabelled_names(text: str) -> tuple[list[str], str | None]:
    """A writer a header names without a label: `2004年7月16日 [ 黄宇 ] 来源：…`, `… by duscha`.
    An account's name before the date (`机器之心·2025年04月22日`) is no writer: it is the source."""
    account = None
    spans = [(credit.start, credit.end) for credit in _credits(text)]
    for match in [*_HEADER_NAME.finditer(text), *_BY.finditer(text), *_NAME_BEFORE_DATE.finditer(text)]:
        name = _POSTED_BY.sub("", match.group("name")).strip("·.-")
        if not name or _DOMAIN.search(name):
            continue
        inside = any(start <= match.start("name") < end for start, end in spans)
        if inside or is_organisation(name) or _NOT_NAMES.search(name) or _KIND.get(label_of(name)):
            continue
        if is_account_name(name) and match.re is _NAME_BEFORE_DATE:
            account = account or name
            continue
        if not lookup(name):  # a place (北京 2024-03-01) is a dateline, not a writer
            return [name], account
    return [], account


def is_lone_name(text: str) -> bool:
    """True for a line that is a person's name alone (2 or 3 characters): a byline under a headline."""
    text = text.strip()
    return (
        bool(_LONE_NAME.match(text))
        and not is_place(text)
        and not is_organisation(text)
        and not _NOT_NAMES.search(text)
        and not any(label in text for label in _CREDIT_WORDS)
    )


def is_repost_note(text: str) -> bool:
    """True for a short `本文来自…，作者：X，经授权发布` note (its credits are read, then it goes)."""
    return len(text) <= REPOST_NOTE_MAX and bool(_REPOST_NOTE.match(text.strip()))


def _bracketed_names(text: str) -> list[str]:
    match = _BRACKETED_NAME.match(text.strip())
    if not match or _NOT_NAMES.search(match.group("names")):
        return []
    return _names(match.group("names"), loose=False)


def is_credit_line(text: str) -> bool:
    """True when a short line is made of credits only (来源：X 责任编辑：Y, 编辑 X｜审核 Z, 张三 摄)."""
    text = text.strip()
    if not text or len(text) > CREDIT_LINE_MAX:
        return False
    if _bracketed_names(text):
        return True
    credits = _credits(text)
    if not any(credit.value and credit.kind != "other" for credit in credits):
        credits = []
    if credits and credits[0].kind == "author" and is_organisation(text[: credits[0].start]):
        text = " " * credits[0].start + text[credits[0].start :]  # 新京报记者 X: the paper's reporter
    rest = text
    for credit in reversed(credits):
        rest = rest[: credit.start] + " " + rest[credit.end :]
    if not any(credit.kind != "other" for credit in credits):
        suffix = _SUFFIX_CREDIT.search(rest)
        if not suffix:
            return False
        rest = rest[: suffix.start()] + rest[suffix.end() :]
    rest = _DATELINE_VERB.sub("", rest)
    return len(_LEFTOVER.sub("", _DATE_OR_NUMBER.sub("", rest))) <= 1


def split_credits(paragraphs: list[str], head: int = 2, tail: int = 6) -> tuple[list[str], list[str]]:
    """Take credit lines out of the first `head` and last `tail` paragraphs; return (rest, credits)."""
    credits: list[str] = []
    keep = [True] * len(paragraphs)
    for index in range(min(head, len(paragraphs))):
        if is_credit_line(paragraphs[index]) and index + 1 < len(paragraphs):
            keep[index] = False
    for index in range(len(paragraphs) - 1, max(len(paragraphs) - tail, 0) - 1, -1):
        line = paragraphs[index]
        if keep[index] and (is_credit_line(line) or is_repost_note(line)) and index > 0:
            keep[index] = False
    credits = [p for p, kept in zip(paragraphs, keep, strict=True) if not kept]
    return [p for p, kept in zip(paragraphs, keep, strict=True) if kept], credits


def split_editor(paragraphs: list[str], tail: int = 3) -> tuple[list[str], str | None]:
    """Take an editor line (责编/责任编辑/编辑) out of the last `tail` paragraphs; return (rest, editor)."""
    for index in range(len(paragraphs) - 1, max(len(paragraphs) - tail, 0) - 1, -1):
        line = paragraphs[index].strip()
        if is_credit_line(line) and (editor := parse_byline(line).editor):
            return paragraphs[:index] + paragraphs[index + 1 :], editor
    return paragraphs, None


def author_from_dateline(paragraph: str, *, closing: bool = False) -> str | None:
    """The reporters named in a `（记者 X 通讯员 Y）` dateline opening the body (or, `closing`,
    ending its last paragraph), as `X Y`."""
    match = (_CLOSING_CREDIT.search if closing else _DATELINE.match)(paragraph)
    if not match and closing and (report := _CLOSING_REPORT.search(paragraph)):
        names = [name for name in _NAME_SEPARATORS.split(report.group("inner")) if name]
        names = [n for n in names if not (_NOT_NAMES.search(n) or is_organisation(n) or is_place(n))]
        return " ".join(names) or None
    if not match and not closing and (lead := _LEAD_CREDIT.match(paragraph)):
        return parse_byline(lead.group(0)).author
    if not match:
        return None
    names = [name for name in _NAME_SEPARATORS.split(_ROLES.sub(" ", match.group("inner"))) if name]
    names = [name for name in names if not _NOT_NAMES.search(name)]  # 记者陈智 整合: 整合 is no name
    return " ".join(names) or None
