"""What every archive command narrows and shows search results with: the filters, a query's
marked terms and the snippet around the first hit (no index involved)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import aliased

from crawler.db.models import Article, ArticleRegion
from crawler.db.query import parse

SNIPPET_CHARS = 36  # characters of context on each side of the first hit
MARK = ("【", "】")  # around each hit in a snippet


@dataclass(frozen=True)
class ArticleFilter:
    """What `search`, `export` and `reclean` narrow the archive with; None = any."""

    since: datetime | None = None  # published at or after
    until: datetime | None = None  # published before
    site: str | None = None  # host (with port when not the default)
    source: str | None = None  # 来源, substring
    author: str | None = None  # 作者, substring
    region: str | None = None  # a region's name (prefix: 贵州 finds 贵州省) or 6-digit code

    def clauses(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.since is not None:
            found.append(Article.published_at >= self.since)
        if self.until is not None:
            found.append(Article.published_at < self.until)
        if self.site:
            found.append(Article.site == self.site)
        if self.source:
            found.append(Article.source.contains(self.source, autoescape=True))
        if self.author:
            found.append(Article.author.contains(self.author, autoescape=True))
        if self.region:
            found.append(region_clause(self.region))
        return found


def region_clause(region: str) -> ColumnElement[bool]:
    """The article is about the region (article_regions: a name's prefix, or the 6-digit code)."""
    about = aliased(ArticleRegion)  # its own alias: the outer query may join article_regions too
    named = about.name.startswith(region, autoescape=True) | (about.code == region)
    return exists(select(1).where(about.article_id == Article.id, named))


def query_terms(query: str) -> list[str]:
    """The words of a query that a snippet marks (lower-cased, excluded ones left out)."""
    return parse(query).terms


def snippet(body: str, terms: Iterable[str], *, width: int = SNIPPET_CHARS) -> str:
    """A piece of `body` around the first hit, each hit marked; the start of the body if none."""
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    flat = body.replace("\n", " ")
    lowered = flat.lower()
    first = min((i for w in words if (i := lowered.find(w)) >= 0), default=-1)
    if first < 0:
        return flat[: 2 * width] + ("…" if len(flat) > 2 * width else "")
    start, end = max(0, first - width), min(len(flat), first + width)
    piece = flat[start:end]
    if words:
        pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
        piece = pattern.sub(lambda m: f"{MARK[0]}{m.group()}{MARK[1]}", piece)
    return ("…" if start else "") + piece + ("…" if end < len(flat) else "")
