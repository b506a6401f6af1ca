"""`scrapy search QUERY`: ranked full-text search of the archive, one result per mirror cluster.

Also the helpers the other archive commands share (show, export, stats, reclean): opening the
archive named by HARVEST_DB_URL, the filter options, plain-text tables.
"""

from __future__ import annotations

import csv
import json
import sys
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from sqlalchemy import select

from crawler.commands.base import (  # the shared command layer; older code imports these from here
    CHINA,
    ArchiveCommand,
    add_filter_options,
    filter_from,
    positive_int,
)
from crawler.db import Article
from crawler.db.search import BadQuery, query_terms, search, snippet


def iso(value: datetime | None, zone: timezone = CHINA) -> str | None:
    """ISO 8601 to the second (China time unless told), None stays None."""
    return None if value is None else value.astimezone(zone).isoformat(timespec="seconds")


def width(text: str) -> int:
    """Columns a string takes on a terminal (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def clip(text: str, columns: int) -> str:
    out, used = [], 0
    for char in text:
        used += width(char)
        if used > columns - 1:
            return "".join(out) + "…"
        out.append(char)
    return text


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, right: Sequence[int] = ()) -> str:
    """A plain-text table: columns padded by display width, numbers (`right`) aligned right."""
    cells = [[("" if v is None else str(v)) for v in row] for row in [headers, *rows]]
    widths = [max(width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        padded = [
            " " * (w - width(v)) + v if i in right else v + " " * (w - width(v))
            for i, (v, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(padded).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _best_snippet(articles: Sequence[Article], terms: list[str]) -> str:
    """From the canonical copy's body if it holds a hit, else its title or kicker, else the matched copy's."""
    candidates = [text for a in articles for text in (a.body, a.title, a.subtitle or "")]
    for text in candidates:
        if any(t in text.lower() for t in terms):
            return snippet(text, terms)
    return snippet(articles[0].body, terms)


class Command(ArchiveCommand, ScrapyCommand):
    def syntax(self) -> str:
        return "[options] QUERY..."

    def short_desc(self) -> str:
        return "Search the archive: ranked articles, one per mirror cluster, with a snippet"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        add_filter_options(parser)
        parser.add_argument("--limit", type=positive_int, default=20, help="results to show (default 20)")
        parser.add_argument("--format", choices=("table", "json", "csv"), default="table")

    def run(self, args: list[str], opts: Any) -> None:
        query = " ".join(args)
        if opts.limit < 1:
            raise UsageError("--limit must be at least 1")
        engine = self.archive()
        try:
            with engine.connect() as conn:
                try:
                    hits = search(conn, query, filter_from(opts), limit=opts.limit)
                except BadQuery as problem:
                    self.fail(f"search: {problem}")
                    return
                ids = {h.cluster_id for h in hits} | {h.matched_id for h in hits}
                articles = {a.id: a for a in conn.execute(select(Article).where(Article.id.in_(ids)))}
        finally:
            engine.dispose()
        terms = query_terms(query)
        results = []
        for rank, hit in enumerate(hits, 1):
            shown, matched = articles[hit.cluster_id], articles[hit.matched_id]
            text = _best_snippet((shown, matched), terms)
            results.append({
                "rank": rank, "id": shown.id, "matched_id": matched.id, "copies": hit.copies,
                "score": round(-hit.score, 3), "published_at": iso(shown.published_at),
                "site": shown.site, "title": shown.title, "url": shown.url, "source": shown.source,
                "author": shown.author, "snippet": text,
            })  # fmt: skip
        self.write(results, opts.format, query)

    def write(self, results: list[dict[str, Any]], fmt: str, query: str) -> None:
        out = sys.stdout
        if fmt == "json":
            out.write(json.dumps(results, ensure_ascii=False, indent=1) + "\n")
        elif fmt == "csv":
            writer = csv.DictWriter(out, fieldnames=list(results[0]) if results else ["rank"])
            writer.writeheader()
            writer.writerows(results)
        elif not results:
            out.write(f"No articles match {query!r}.\n")
        else:
            for r in results:
                day = (r["published_at"] or "")[:10] or "----------"
                extra = (
                    f"  (+{r['copies'] - 1} cop{'y' if r['copies'] == 2 else 'ies'})"
                    if r["copies"] > 1
                    else ""
                )
                out.write(f"{r['rank']:>3}. [{r['id']}] {day}  {r['site']}  {clip(r['title'], 60)}{extra}\n")
                out.write(f"     {r['snippet']}\n")
            out.write(f"{len(results)} result{'s' if len(results) != 1 else ''} (one per mirror cluster; "
                      "`scrapy show ID` prints an article)\n")  # fmt: skip
