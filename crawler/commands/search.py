"""`scrapy search QUERY`: ranked full-text search of the archive, one result per mirror cluster.

The query language (AND, OR, -NOT, "phrases") is crawler/db/query.py. The total number of
hits is printed after the results; `--count` prints only that; `--format kwic` prints one
concordance line per hit (left context, the hit, right context).

The helpers the archive commands share (opening the archive named by HARVEST_DB_URL, the
filter options, plain-text tables) are crawler/commands/base.py.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from scrapy.commands import ScrapyCommand

from crawler.commands.base import (
    ArchiveCommand,
    add_filter_options,
    clip,
    filter_from,
    iso,
    parsed_query,
    positive_int,
)

if TYPE_CHECKING:
    from sqlalchemy import Row

    from crawler.db.query import Query
    from crawler.db.search import HitCount

KWIC_CONTEXT = 20  # characters on each side of a hit in `--format kwic`


def _best_snippet(articles: Sequence[Row[Any]], terms: list[str]) -> str:
    """From the canonical copy's body if it holds a hit, else its title or kicker, else the matched copy's.

    `articles` are rows of the articles table (a Connection reads select(Article) as its columns).
    """
    from crawler.db.search import snippet

    candidates = [text for a in articles for text in (a.body, a.title, a.subtitle or "")]
    for text in candidates:
        if any(t in text.lower() for t in terms):
            return snippet(text, terms)
    return snippet(articles[0].body, terms)


def kwic(text: str, query: Query, context: int = KWIC_CONTEXT) -> tuple[str, str, str]:
    """(left context, hit, right context) of the first hit in `text`, on one line."""
    flat = text.replace("\n", " ")
    span = query.first_hit(flat)
    if span is None:
        return "", "", flat[: 2 * context]
    start, end = span
    return flat[max(0, start - context) : start], flat[start:end], flat[end : end + context]


class Command(ArchiveCommand, ScrapyCommand):
    def syntax(self) -> str:
        return '[options] QUERY...   (words: AND; OR; -word: NOT; "a phrase")'

    def short_desc(self) -> str:
        return "Search the archive: ranked articles, one per mirror cluster, with a snippet"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        add_filter_options(parser)
        parser.add_argument("--limit", type=positive_int, default=20, help="results to show (default 20)")
        parser.add_argument("--format", choices=("table", "json", "csv", "kwic"), default="table")
        parser.add_argument("--count", action="store_true", help="print only the number of hits")

    def run(self, args: list[str], opts: Any) -> None:
        from sqlalchemy import select

        from crawler.db import Article
        from crawler.db.query import article_text
        from crawler.db.search import count_hits, search

        query = parsed_query(self, args)
        if query is None:
            return
        engine = self.archive()
        try:
            with engine.connect() as conn:
                # The total goes under a table or a concordance (JSON and CSV stay plain data).
                if opts.count:
                    sys.stdout.write(f"{count_hits(conn, query, filter_from(opts)).clusters}\n")
                    return
                wants_total = opts.format in ("table", "kwic")
                total = count_hits(conn, query, filter_from(opts)) if wants_total else None
                hits = search(conn, query, filter_from(opts), limit=opts.limit)
                ids = {h.cluster_id for h in hits} | {h.matched_id for h in hits}
                rows = conn.execute(select(Article).where(Article.id.in_(ids)))
                articles: dict[int, Row[Any]] = {a.id: a for a in rows}
        finally:
            engine.dispose()
        terms = query.terms
        if opts.format == "kwic":
            for hit in hits:
                shown = articles[hit.matched_id]
                left, found, right = kwic(article_text(shown.title, shown.subtitle, shown.body), query)
                sys.stdout.write(f"{shown.id:>6}  {left:>{KWIC_CONTEXT}}【{found}】{right}\n")
            sys.stdout.write(self.total_line(total))
            return
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
        self.write(results, opts.format, query.text)
        if opts.format == "table":
            sys.stdout.write(self.total_line(total))

    @staticmethod
    def total_line(total: HitCount | None) -> str:
        assert total is not None  # counted for the formats that print it
        hits = f"{total.clusters} hit{'s' if total.clusters != 1 else ''}"
        articles = f"{total.articles} matching article{'s' if total.articles != 1 else ''}"
        return f"{hits} in all ({articles}, mirror copies included)\n"

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
