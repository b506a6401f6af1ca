"""`scrapy search QUERY`: ranked full-text search of the archive, one result per mirror cluster.

The query language (AND, OR, -NOT, "phrases") is crawler/db/query.py. The total number of
hits is printed after the results; `--count` prints only that; `--format kwic` prints one
concordance line per hit (left context, the hit, right context).

Also the helpers the other archive commands share (show, export, stats, reclean): opening the
archive named by HARVEST_DB_URL, the filter options, plain-text tables.
"""

from __future__ import annotations

import csv
import json
import sys
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from crawler.db import Article, make_engine
from crawler.db.engine import NewerSchema, OutdatedSchema
from crawler.db.query import Query, article_text, parse
from crawler.db.search import ArticleFilter, BadQuery, count_hits, search, snippet

CHINA = timezone(timedelta(hours=8))
EXIT_BAD_INPUT = 2
KWIC_CONTEXT = 20  # characters on each side of a hit in `--format kwic`


class ArchiveCommand:
    """Mixed into a command over the archive: no crawler process, the database from HARVEST_DB_URL.

    (A mixin, not a ScrapyCommand subclass: Scrapy takes every such class of a command module
    for the command.)
    """

    settings: Any
    exitcode: int
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}

    def archive(self) -> Engine:
        """The engine of an existing archive; a missing or outdated one is a UsageError."""
        assert self.settings is not None
        url = self.settings.get("HARVEST_DB_URL")
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
            raise UsageError(f"no archive at {parsed.database} (harvest first, or `make demo`; "
                             "-s HARVEST_DB_URL=sqlite:///path names another)")  # fmt: skip
        try:
            return make_engine(url)
        except (OutdatedSchema, NewerSchema) as problem:
            raise UsageError(str(problem)) from None

    def fail(self, message: str) -> None:
        """Say what was wrong with the input and exit with status 2."""
        sys.stderr.write(f"{message}\n")
        self.exitcode = EXIT_BAD_INPUT


def _day(value: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(value), time(0), tzinfo=CHINA)
    except ValueError:
        raise UsageError(f"not a day: {value!r} (YYYY-MM-DD)") from None


def add_filter_options(parser: Any) -> None:
    """--since/--until/--site/--source/--author/--region."""
    group = parser.add_argument_group("Filters")
    group.add_argument("--since", metavar="YYYY-MM-DD", help="published on or after this day (China time)")
    group.add_argument("--until", metavar="YYYY-MM-DD", help="published on or before this day (China time)")
    group.add_argument("--site", help="host of the article, e.g. www.xcgb.com.cn or 127.0.0.1:8921")
    group.add_argument("--source", help="来源 contains this")
    group.add_argument("--author", help="作者 contains this")
    group.add_argument("--region", help="region name (贵州 finds 贵州省) or 6-digit code")


def filter_from(opts: Any) -> ArticleFilter:
    return ArticleFilter(
        since=_day(opts.since) if opts.since else None,
        until=_day(opts.until) + timedelta(days=1) if opts.until else None,
        site=opts.site,
        source=opts.source,
        author=opts.author,
        region=opts.region,
    )


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


def kwic(text: str, query: Query, context: int = KWIC_CONTEXT) -> tuple[str, str, str]:
    """(left context, hit, right context) of the first hit in `text`, on one line."""
    flat = text.replace("\n", " ")
    span = query.first_hit(flat)
    if span is None:
        return "", "", flat[: 2 * context]
    start, end = span
    return flat[max(0, start - context) : start], flat[start:end], flat[end : end + context]


def parsed_query(command: ArchiveCommand, args: list[str]) -> Query | None:
    """The query of the command's arguments; None (after `error: …`, exit 2) when malformed."""
    try:
        return parse(" ".join(args))
    except BadQuery as problem:
        command.fail(f"error: {problem}")
        return None


class Command(ArchiveCommand, ScrapyCommand):
    def syntax(self) -> str:
        return "[options] QUERY...   (words: AND; OR; -word: NOT; \"a phrase\")"

    def short_desc(self) -> str:
        return "Search the archive: ranked articles, one per mirror cluster, with a snippet"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        add_filter_options(parser)
        parser.add_argument("--limit", type=int, default=20, help="results to show (default 20)")
        parser.add_argument("--format", choices=("table", "json", "csv", "kwic"), default="table")
        parser.add_argument("--count", action="store_true", help="print only the number of hits")

    def run(self, args: list[str], opts: Any) -> None:
        if opts.limit < 1:
            raise UsageError("--limit must be at least 1")
        query = parsed_query(self, args)
        if query is None:
            return
        engine = self.archive()
        try:
            with engine.connect() as conn:
                # The total goes under a table or a concordance (JSON and CSV stay plain data).
                wants_total = opts.count or opts.format in ("table", "kwic")
                total = count_hits(conn, query, filter_from(opts)) if wants_total else None
                if opts.count:
                    sys.stdout.write(f"{total.clusters}\n")
                    return
                hits = search(conn, query, filter_from(opts), limit=opts.limit)
                ids = {h.cluster_id for h in hits} | {h.matched_id for h in hits}
                articles = {a.id: a for a in conn.execute(select(Article).where(Article.id.in_(ids)))}
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
    def total_line(total: Any) -> str:
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
