"""`scrapy sources`: the registry's sources, each with its last run and that run's verdict.

The same list is `scrapy harvest --list`. A registry that does not load is one `error:` line
and exit status 2.
"""

from __future__ import annotations

import sys
from datetime import UTC
from pathlib import Path
from typing import Any

from scrapy.commands import ScrapyCommand

from crawler.commands.base import GuardedCommand, error, iso, table
from crawler.sources import Source, SourceError, load_sources, registry_path


def last_runs(db_url: str, names: list[str]) -> dict[str, Any]:
    """The latest crawl_runs row of each name; {} when there is no archive yet."""
    from sqlalchemy import func, select
    from sqlalchemy.engine import make_url

    from crawler.db import CrawlRun, make_engine

    parsed = make_url(db_url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        return {}
    engine = make_engine(db_url, readonly=True)  # a reading command
    try:
        latest = (
            select(func.max(CrawlRun.id)).where(CrawlRun.spider.in_(names)).group_by(CrawlRun.spider)
        ).scalar_subquery()
        with engine.connect() as conn:
            rows = conn.execute(select(CrawlRun).where(CrawlRun.id.in_(latest))).all()
        return {row.spider: row for row in rows}
    finally:
        engine.dispose()


def source_rows(sources: dict[str, Source], runs: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for source in sources.values():
        run = runs.get(source.name)
        started = (iso(run.started_at, UTC) or "")[:16] if run else "(never run)"
        verdict = (run.verdict or ("running" if run.finished_at is None else "-")) if run else ""
        new = run.articles_new if run else ""
        rows.append([source.name, source.kind, " ".join(source.start), started, verdict, new])
    return rows


def list_sources(settings: Any, registry: str | None = None) -> int:
    """Print the sources table; the exit status."""
    path = registry_path(settings, registry)
    try:
        sources = load_sources(path)
    except SourceError as problem:
        return error(str(problem))
    runs = last_runs(settings.get("HARVEST_DB_URL"), list(sources))
    headers = ["source", "kind", "start", "last run (UTC)", "verdict", "new"]
    sys.stdout.write(f"Sources of {path}\n" + table(headers, source_rows(sources, runs), right=[5]) + "\n")
    return 0


class Command(GuardedCommand, ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_LEVEL": "WARNING"}  # noqa: RUF012 (Scrapy's own attribute)

    def syntax(self) -> str:
        return "[--sources FILE]"

    def short_desc(self) -> str:
        return "List the sources of the registry with their last run's verdict"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        parser.add_argument("--sources", metavar="FILE", help="the registry (default: HARVEST_SOURCES)")

    def run(self, args: list[str], opts: Any) -> None:
        assert self.settings is not None
        if args:
            self.exitcode = error(f"unexpected arguments: {' '.join(args)}")
            return
        self.exitcode = list_sources(self.settings, opts.sources)
