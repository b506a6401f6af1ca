"""`scrapy stats`: what the archive holds: articles per site and month, sources, regions, junk
removed by kind, mirror clusters and the last harvest runs. `--plot FILE.png` also draws the
charts of crawler/charts.py (articles per month per site, top provinces)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.commands import ScrapyCommand

from crawler.commands.base import ArchiveCommand, add_filter_options, filter_from, iso, positive_int, table

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from crawler.db.search import ArticleFilter

TOP = 10


def archive_stats(
    conn: Connection, *, top: int = TOP, runs: int = 5, where: ArticleFilter | None = None
) -> dict[str, Any]:
    """Every figure of `scrapy stats`, as JSON-ready values; the article figures of `where`'s articles."""
    from sqlalchemy import desc, func, select
    from sqlalchemy.orm import aliased

    from crawler.db import Article, ArticleRegion, CrawlRun
    from crawler.facts import junk_removed

    chosen = where.clauses() if where is not None else []
    total = conn.scalar(select(func.count()).select_from(Article).where(*chosen)) or 0
    month = func.substr(Article.published_day, 1, 7).label("month")  # China time
    per_month = conn.execute(
        select(Article.site, month, func.count())
        .where(*chosen)
        .group_by(Article.site, month)
        .order_by(Article.site, month)
    ).all()
    sources = conn.execute(
        select(Article.source, func.count().label("n"))
        .where(Article.source.is_not(None), *chosen)
        .group_by(Article.source)
        .order_by(desc("n"), Article.source)
        .limit(top)
    ).all()
    regions = conn.execute(
        select(ArticleRegion.name, ArticleRegion.code, ArticleRegion.level, func.count().label("n"))
        .join(Article, Article.id == ArticleRegion.article_id)
        .where(*chosen)
        .group_by(ArticleRegion.name, ArticleRegion.code, ArticleRegion.level)
        .order_by(desc("n"), ArticleRegion.code)
        .limit(top)
    ).all()
    junk: Counter[str] = Counter()
    junk_articles = 0
    for part in conn.execute(
        select(Article.flags).where(*chosen).execution_options(yield_per=5000)
    ).partitions():
        for (flags,) in part:
            removed = junk_removed(flags or [])
            junk_articles += bool(removed)
            junk.update({fact.kind: fact.count for fact in removed})
    canonical = aliased(Article)
    cluster = func.coalesce(Article.cluster_id, Article.id)
    sizes = (
        select(cluster.label("cluster"), func.count().label("size"))
        .where(*chosen)
        .group_by(cluster)
        .subquery()
    )
    clusters = conn.scalar(select(func.count()).select_from(sizes)) or 0
    mirrored = conn.execute(select(func.count(), func.sum(sizes.c.size)).where(sizes.c.size > 1)).one()
    copies = conn.execute(
        select(Article.site, canonical.site, func.count())
        .join(canonical, canonical.id == Article.cluster_id)
        .where(Article.id != Article.cluster_id, *chosen)
        .group_by(Article.site, canonical.site)
        .order_by(desc(func.count()))
    ).all()
    last_runs = conn.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(runs)).all()
    return {
        "articles": total,
        "per_site_month": [{"site": s, "month": m, "articles": n} for s, m, n in per_month],
        "top_sources": [{"source": s, "articles": n} for s, n in sources],
        "top_regions": [
            {"name": name, "code": code, "level": level, "articles": n} for name, code, level, n in regions
        ],
        "junk_removed": {"articles": junk_articles, "by_kind": dict(junk.most_common())},
        "clusters": {
            "clusters": clusters,
            "with_copies": mirrored[0] or 0,
            "articles_in_them": int(mirrored[1] or 0),  # a SUM: Decimal on PostgreSQL
            "copies": [{"site": s, "copies_of": c, "articles": n} for s, c, n in copies],
        },
        "last_runs": [
            {
                "id": r.id,
                "spider": r.spider,
                "started_at": iso(r.started_at, UTC),
                "finished_at": iso(r.finished_at, UTC),
                "finish_reason": r.finish_reason,
                "clean": r.clean,
                "pages": r.pages_fetched,
                "new": r.articles_new,
                "updated": r.articles_updated,
                "errors": r.errors,
            }
            for r in last_runs
        ],
    }


def as_text(stats: dict[str, Any]) -> str:
    c = stats["clusters"]
    parts = [f"Articles: {stats['articles']}", ""]
    parts += ["Articles per site and month (China time of publication)"]
    rows = [[r["site"], r["month"] or "(no date)", r["articles"]] for r in stats["per_site_month"]]
    parts += [table(["site", "month", "articles"], rows, right=[2]), ""]
    parts += ["Top sources (来源)"]
    parts += [
        table(["source", "articles"], [[r["source"], r["articles"]] for r in stats["top_sources"]], right=[1])
    ]
    parts += ["", "Top regions"]
    rows = [[r["name"], r["code"], r["level"], r["articles"]] for r in stats["top_regions"]]
    parts += [table(["region", "code", "level", "articles"], rows, right=[3]), ""]
    junk = stats["junk_removed"]
    parts += [f"Junk removed (from {junk['articles']} articles)"]
    parts += [table(["kind", "paragraphs"], list(junk["by_kind"].items()), right=[1]), ""]
    parts += [
        f"Mirror clusters: {c['clusters']} clusters, {c['with_copies']} with copies "
        f"({c['articles_in_them']} articles)"
    ]
    rows = [[r["site"], r["copies_of"], r["articles"]] for r in c["copies"]]
    if rows:
        parts += [table(["copies on", "of originals on", "articles"], rows, right=[2])]
    parts += ["", "Last harvest runs"]
    rows = [
        [
            r["id"],
            r["spider"],
            (r["started_at"] or "")[:19],
            r["finish_reason"] or "(unfinished)",
            "yes" if r["clean"] else "no",
            r["pages"],
            r["new"],
            r["updated"],
            r["errors"],
        ]
        for r in stats["last_runs"]
    ]
    headers = ["run", "spider", "started (UTC)", "finish", "clean", "pages", "new", "updated", "errors"]
    parts += [table(headers, rows, right=[0, 5, 6, 7, 8]) if rows else "(none recorded)"]
    return "\n".join(parts) + "\n"


def recent_runs(conn: Connection, limit: int) -> list[dict[str, Any]]:
    """`scrapy stats --runs`: the last runs with their health verdict and why."""
    from sqlalchemy import select

    from crawler.db import CrawlRun

    rows = conn.execute(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)).all()
    return [
        {
            "id": r.id,
            "source": r.spider,
            "started_at": iso(r.started_at, UTC),
            "finish_reason": r.finish_reason,
            "verdict": r.verdict,
            "pages": r.pages_fetched,
            "new": r.articles_new,
            "updated": r.articles_updated,
            "unchanged": r.articles_unchanged,
            "failed": sum((r.health or {}).get("requests_failed", {}).values()),
            "reasons": (r.health or {}).get("reasons", []),
        }
        for r in rows
    ]


def runs_text(runs: list[dict[str, Any]]) -> str:
    headers = ["run", "source", "started (UTC)", "finish", "verdict", "pages", "new", "upd", "same", "failed",
               "why"]  # fmt: skip
    rows = [
        [r["id"], r["source"], (r["started_at"] or "")[:19], r["finish_reason"] or "(unfinished)",
         r["verdict"] or "-", r["pages"], r["new"], r["updated"], r["unchanged"], r["failed"],
         "; ".join(r["reasons"])]
        for r in runs
    ]  # fmt: skip
    return (table(headers, rows, right=[0, 5, 6, 7, 8, 9]) if rows else "(no run recorded)") + "\n"


class Command(ArchiveCommand, ScrapyCommand):
    def syntax(self) -> str:
        return "[options]"

    def short_desc(self) -> str:
        return "Summarise the archive: sites by month, sources, regions, junk, mirror clusters, runs"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        parser.add_argument("--format", choices=("table", "json"), default="table")
        add_filter_options(parser)  # the article figures of the matching articles; runs are all shown
        parser.add_argument(
            "--top", type=positive_int, default=TOP, help=f"sources and regions listed (default {TOP})"
        )
        parser.add_argument("--plot", metavar="FILE.png", help="also draw the charts into this PNG file")
        parser.add_argument(
            "--runs",
            type=positive_int,
            nargs="?",
            const=20,
            metavar="N",
            help="only the last N runs (20), with their verdicts",
        )

    def run(self, args: list[str], opts: Any) -> None:
        engine = self.archive()
        if opts.runs is not None:
            try:
                with engine.connect() as conn:
                    runs = recent_runs(conn, opts.runs)
            finally:
                engine.dispose()
            text = json.dumps(runs, ensure_ascii=False, indent=1) + "\n" if opts.format == "json" else None
            sys.stdout.write(text or runs_text(runs))
            return
        try:
            with engine.connect() as conn:
                stats = archive_stats(conn, top=opts.top, where=filter_from(opts))
                if opts.plot:
                    from crawler.charts import archive_chart

                    Path(opts.plot).write_bytes(archive_chart(conn))
        finally:
            engine.dispose()
        if opts.format == "json":
            sys.stdout.write(json.dumps(stats, ensure_ascii=False, indent=1) + "\n")
        else:
            sys.stdout.write(as_text(stats))
