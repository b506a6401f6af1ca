"""Meta lines: 来源, 作者 and 责编 split apart (a 来源 is never an author)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_LABELS = {
    "source": ("文章来源", "信息来源", "稿件来源", "来源"),
    "author": ("作者",),
    "editor": ("责任编辑", "责编", "编辑"),
    # Labels whose values we don't keep here, listed so they end the value before them.
    "other": ("发布时间", "发布日期", "更新时间", "点击数", "浏览量", "阅读量", "日期", "字号"),
}
_LABEL = re.compile(
    r"(?P<label>"
    + "|".join(sorted((label for labels in _LABELS.values() for label in labels), key=len, reverse=True))
    + r")\s*[：:]"
)
_KIND = {label: kind for kind, labels in _LABELS.items() for label in labels}
# A value ends at a wide gap, a bar, a bracket, or the date that often follows it.
_VALUE_END = re.compile(r"\s{2,}|\u3000|[|｜\]】\[【]|(?:19|20)\d{2}\s*[-年/.]")
# `本报讯（记者 X 通讯员 Y）…` or `（记者 X）…` opening the body: the reporters' dateline.
_DATELINE = re.compile(
    r"^\s*(?:本报[^（(，,。]{0,8}讯\s*)?[（(]\s*(?P<inner>(?:本报)?(?:特约)?记者[^（()）]{1,40}?)\s*[）)]"
)
_ROLES = re.compile(r"(?:本报)?(?:特约记者|记者|通讯员|实习生|见习记者)")
_NAME_SEPARATORS = re.compile(r"[\s、，,/]+")
_EDITOR_LINE = re.compile(r"^[\[【(（]?\s*(?:责任编辑|责编|编辑)\s*[：:]\s*(?P<name>.+?)\s*[\]】)）]?$")


@dataclass
class Byline:
    source: str | None = None
    author: str | None = None
    editor: str | None = None


def parse_byline(text: str) -> Byline:
    """Source, author and editor from a meta line such as `… 来源：X  作者：Y`."""
    found = Byline()
    matches = list(_LABEL.finditer(text))
    ends = [m.start() for m in matches[1:]] + [len(text)] if matches else []
    for match, end in zip(matches, ends, strict=True):
        value = text[match.end() : end]
        value = _VALUE_END.split(value.strip(), maxsplit=1)[0].strip(" ,，;；")
        kind = _KIND[match.group("label")]
        if value and kind != "other" and getattr(found, kind) is None:
            setattr(found, kind, value)
    return found


def split_editor(paragraphs: list[str], tail: int = 3) -> tuple[list[str], str | None]:
    """Take a 责编/责任编辑/编辑 line out of the last `tail` paragraphs; return (rest, editor)."""
    for index in range(len(paragraphs) - 1, max(len(paragraphs) - tail, 0) - 1, -1):
        if match := _EDITOR_LINE.match(paragraphs[index].strip()):
            return paragraphs[:index] + paragraphs[index + 1 :], match.group("name")
    return paragraphs, None


def author_from_dateline(paragraph: str) -> str | None:
    """The reporters named in a `（记者 X 通讯员 Y）` dateline opening the body, as `X Y`."""
    match = _DATELINE.match(paragraph)
    if not match:
        return None
    names = [name for name in _NAME_SEPARATORS.split(_ROLES.sub(" ", match.group("inner"))) if name]
    return " ".join(names) or None
