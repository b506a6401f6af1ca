"""Publication dates: every form the field notes list, as aware datetimes in China time."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")

_DATE_TIME = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-年/.－／．]\s*(?P<m>\d{1,2})\s*[-月/.－／．]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
)
# Words just before a date that make it not the publication time: a copyright year, the time a
# page was crawled or printed, another article's date; an update (taken only when the page gives
# no other date); and words that make it the publication time.
_NOT_PUBLISHED = re.compile(
    r"(?:访问|抓取|打印|截止|截至|©|copyright|版权|推荐|相关|热门|上一篇|下一篇)[^\d]{0,8}$", re.IGNORECASE
)
_UPDATED = re.compile(r"(?:更新|修改|修订|最后编辑|编辑于|updated?|modified)[^\d]{0,8}$", re.IGNORECASE)
_PUBLISHED = re.compile(
    r"(?:发布|发表|刊发|刊登|出版|首发|日期|时间|posted|published)[^\d]{0,8}$", re.IGNORECASE
)
_LOOK_BEHIND = 14
_LOOK_AHEAD = 4  # 已于 2024-05-07 修改 / 于 2024-05-06 发布: the verb after the date
_AFTER_UPDATED = re.compile(r"^\s*(?:修改|更新|编辑|修订)")
_AFTER_NOT_PUBLISHED = re.compile(r"^\s*(?:截止|止)")
_AFTER_PUBLISHED = re.compile(r"^\s*(?:发布|发表|刊发|首发)")
_AFTER_VERBS = (_AFTER_UPDATED, _AFTER_NOT_PUBLISHED, _AFTER_PUBLISHED)
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_MONTH = "|".join(_MONTH_NAMES)
_WEEKDAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?"
# Apr 22, 2025 / 22 April 2025 / Dec 28 Sat 2013 00:28 (a blog's date spans, the weekday between)
_ENGLISH_DATE = re.compile(
    rf"\b(?:(?P<mon>{_MONTH})[a-z]*\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?"
    rf"|(?P<d2>\d{{1,2}})\s+(?P<mon2>{_MONTH})[a-z]*\.?,?)(?:\s+{_WEEKDAY})?\s+(?P<y>(?:19|20)\d{{2}})\b"
    r"(?:,?\s+(?:at\s+)?(?P<H>\d{1,2}):(?P<M>\d{2})\s*(?P<p>[ap]\.?m\b\.?)?)?",
    re.IGNORECASE,
)
# 二〇二四年三月一日: the year digit by digit, month and day in counting numerals.
_CHINESE_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0, "O": 0}
_CHINESE_DATE = re.compile(
    r"(?P<y>[〇零○Ｏ一二三四五六七八九]{4})\s*年\s*(?P<m>[一二三四五六七八九十]{1,3})\s*月"
    r"\s*(?P<d>[一二三四五六七八九十]{1,3})\s*日"
)
_MONTH_FIRST = re.compile(
    r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>(?:19|20)\d{2})"
    r"(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<p>[AaPp][Mm])?)?"
)
_URL_DATES = (
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>\d{2})/(?P<d>\d{2})/"),  # Founder /pc/con/202101/04/
    re.compile(r"/t(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})_"),  # TRS /202101/t20210104_1.html
    re.compile(r"/(?P<y>(?:19|20)\d{2})-(?P<m>\d{2})[-/](?P<d>\d{2})/"),  # /2021-01/04/, /2021-01-04/
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})/"),  # DedeCMS /a/news/20210104/
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>\d{2})(?P<d>\d{2})/"),  # /2021/0104/
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>\d{2})/(?P<d>\d{2})/"),  # /2021/01/04/
    re.compile(r"[/_-](?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})[_-]?\d*\.s?html?$"),  # /20210104123.html
)


def _build(match: re.Match[str]) -> datetime | None:
    parts = match.groupdict()
    try:
        return datetime(
            int(parts["y"]),
            int(parts["m"]),
            int(parts["d"]),
            int(parts.get("H") or 0),
            int(parts.get("M") or 0),
            int(parts.get("S") or 0),
            tzinfo=CHINA,
        )
    except ValueError:  # 2021-02-30 and the like: not a date
        return None


def parse_date(text: str) -> datetime | None:
    """The first valid date (with time if given) in text, in China time; None if there is none."""
    for match in _DATE_TIME.finditer(text):
        if found := _build(match):
            return found
    return None


def _counting(text: str) -> int:
    """十二 -> 12, 三十一 -> 31, 五 -> 5."""
    if "十" not in text:
        return _CHINESE_DIGITS[text]
    tens, _, ones = text.partition("十")
    return (_CHINESE_DIGITS[tens] if tens else 1) * 10 + (_CHINESE_DIGITS[ones] if ones else 0)


def _chinese_date(match: re.Match[str]) -> datetime | None:
    try:
        year = int("".join(str(_CHINESE_DIGITS[c]) for c in match.group("y")))
        return datetime(year, _counting(match.group("m")), _counting(match.group("d")), tzinfo=CHINA)
    except (KeyError, ValueError):
        return None


def _month_first(match: re.Match[str]) -> datetime | None:
    """7/5/2005 9:23:57 PM: month first (the en-US default of the ASP.NET sites that write it),
    day first when the first number cannot be a month."""
    first, second = int(match.group("a")), int(match.group("b"))
    month, day = (second, first) if first > 12 else (first, second)
    hour = int(match.group("H") or 0)
    if (match.group("p") or "").upper() == "PM" and hour < 12:
        hour += 12
    try:
        return datetime(int(match.group("y")), month, day, hour, int(match.group("M") or 0),
                        int(match.group("S") or 0), tzinfo=CHINA)  # fmt: skip
    except ValueError:
        return None


def parse_published(text: str) -> datetime | None:
    """The publication time in a header text: a date labelled 发布/发表/日期 first, else the first
    date not marked at all, else an update time; never a copyright year, a crawl time or another
    article's date; None when there is none."""
    first: datetime | None = None
    updated: datetime | None = None
    previous_end = 0  # the words before a date are read back to the date before it, no further
    for match in _DATE_TIME.finditer(text):
        before = text[max(previous_end, match.start() - _LOOK_BEHIND) : match.start()]
        after = text[match.end() : match.end() + _LOOK_AHEAD]
        verb = next((m for p in _AFTER_VERBS if (m := p.match(after))), None)
        previous_end = match.end() + (verb.end() if verb else 0)
        if _NOT_PUBLISHED.search(before) or _AFTER_NOT_PUBLISHED.match(after) or not (found := _build(match)):
            continue
        if _UPDATED.search(before) or _AFTER_UPDATED.match(after):
            updated = updated or found
        elif _PUBLISHED.search(before) or _AFTER_PUBLISHED.match(after):
            return found
        else:
            first = first or found
    if first is None:
        for match in _MONTH_FIRST.finditer(text):
            if found := _month_first(match):
                return found
        for match in _CHINESE_DATE.finditer(text):
            if found := _chinese_date(match):
                return found
        for match in _ENGLISH_DATE.finditer(text):
            month = _MONTHS[(match.group("mon") or match.group("mon2")).lower()[:3]]
            day = int(match.group("d") or match.group("d2"))
            hour = int(match.group("H") or 0)
            if (match.group("p") or "").lower().startswith("p") and hour < 12:
                hour += 12
            elif (match.group("p") or "").lower().startswith("a") and hour == 12:
                hour = 0
            try:
                minute = int(match.group("M") or 0)
                return datetime(int(match.group("y")), month, day, hour, minute, tzinfo=CHINA)
            except ValueError:
                continue
    return first or updated


def date_from_url(url: str) -> datetime | None:
    """The date written in an article URL's path (Founder, TRS, dated paths), at midnight."""
    for pattern in _URL_DATES:
        for match in pattern.finditer(url):
            if found := _build(match):
                return found
    return None
