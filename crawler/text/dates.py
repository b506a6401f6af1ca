"""Publication dates: every form the field notes list, as aware datetimes in China time."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")

_DATE_TIME = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-年/.]\s*(?P<m>\d{1,2})\s*[-月/.]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
)
_URL_DATES = (
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>\d{2})/(?P<d>\d{2})/"),  # Founder /pc/con/202101/04/
    re.compile(r"/t(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})_"),  # TRS /202101/t20210104_1.html
    re.compile(r"/(?P<y>(?:19|20)\d{2})-(?P<m>\d{2})[-/](?P<d>\d{2})/"),  # /2021-01/04/, /2021-01-04/
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})/"),  # DedeCMS /a/news/20210104/
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


def date_from_url(url: str) -> datetime | None:
    """The date written in an article URL's path (Founder, TRS, dated paths), at midnight."""
    for pattern in _URL_DATES:
        for match in pattern.finditer(url):
            if found := _build(match):
                return found
    return None
