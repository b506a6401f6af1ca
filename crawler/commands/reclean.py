"""`scrapy reclean [filters]`: run today's cleaning again on the stored raw pages.

Each article's raw page goes through the crawl's own chain (crawler.article.build_article:
the same rules and flags, switched on and off by the same settings) and the result is compared
with the stored row. Only what changed is written, through the storage upsert: a changed text
keeps its old version in article_revisions and is re-indexed for search; a change of
metadata or flags alone updates the row in place. A second run finds nothing to change.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from crawler.commands.base import ArchiveCommand, Progress, add_filter_options, filter_from, table

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from crawler.db.search import ArticleFilter

BATCH = 200  # articles per transaction
COMPARED = (
    "title", "subtitle", "published_at", "source", "author", "editor", "body", "edition", "regions",
    "encoding", "flags", "damaged", "content_sha256",
)  # fmt: skip


class Recleaner:
    """The crawl's chain (crawler.article), set up as the settings say, run on stored raw pages."""

    def __init__(self, settings: Any) -> None:
        from crawler.article import Options

        self.options = Options.from_settings(settings)
        loader = get_spider_loader(settings)
        self.profiles = {name: getattr(loader.load(name), "profile", None) for name in loader.list()}

    def row(self, stored: Any, raw: Any) -> dict[str, Any] | None:
        """The articles row the current cleaning makes of a stored article's raw page (None: no article).

        The page is re-checked as a crawl re-checks it: when its spider's layout no longer fits, the
        stored article is kept as it is.
        """
        from crawler.article import RawPage, Refusal, build_article, item_fields
        from crawler.db.store import read_raw_body
        from pipelines.storage import article_row

        page = RawPage(
            body=read_raw_body(raw), url=stored.url, headers=raw.headers, status=raw.status,
            fetched_at=stored.fetched_at, spider=stored.spider, profile=self.profiles.get(stored.spider),
            recheck=True, edition=stored.edition,
        )  # fmt: skip
        outcome = build_article(page, self.options)
        if isinstance(outcome, Refusal):
            return None
        item = {
            "url": stored.url, "canonical_url": stored.canonical_url, "site": stored.site,
            "spider": stored.spider, "edition": stored.edition, "fetched_at": stored.fetched_at,
            **item_fields(outcome),
        }  # fmt: skip
        row = article_row(ItemAdapter(item))
        row.update(first_seen_at=stored.first_seen_at, raw_page_id=stored.raw_page_id)
        return row


def changed_fields(stored: Any, row: dict[str, Any]) -> list[str]:
    return [name for name in COMPARED if getattr(stored, name) != row[name]]


def reclean(engine: Engine, settings: Any, where: ArticleFilter, *, dry_run: bool = False) -> Counter[str]:
    """Re-clean the matching articles; counts of examined, text_changed, fields_changed, … ."""
    from sqlalchemy import func, select

    from crawler.db import Article
    from crawler.db.store import upsert_articles

    cleaner = Recleaner(settings)
    counts: Counter[str] = Counter()
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(Article).where(*where.clauses())) or 0
    progress = Progress(total)
    last_id = 0
    while True:
        with engine.begin() as conn:
            batch = _next_batch(conn, where, last_id)
            if not batch:
                break
            last_id = batch[-1][0].id
            rows = []
            for stored, raw in batch:
                counts["examined"] += 1
                if raw is None:
                    counts["no_raw_page"] += 1
                    continue
                row = cleaner.row(stored, raw)
                if row is None:
                    counts["would_be_dropped"] += 1  # kept as stored: the archive never loses an article
                    continue
                changes = changed_fields(stored, row)
                if not changes:
                    counts["unchanged"] += 1
                    continue
                counts["text_changed" if "content_sha256" in changes else "fields_changed"] += 1
                for name in changes:
                    counts[f"field:{name}"] += 1
                rows.append(row)
            if rows and not dry_run:
                upsert_articles(conn, rows)
            progress.advance(len(batch))
    if progress.tty:
        sys.stderr.write("\n")
    return counts


def _next_batch(conn: Connection, where: ArticleFilter, after: int) -> list[tuple[Any, Any]]:
    """The next BATCH articles after id `after`, each with its raw page (or None)."""
    from sqlalchemy import select

    from crawler.db import Article, RawPage

    stmt = select(Article).where(Article.id > after, *where.clauses()).order_by(Article.id).limit(BATCH)
    articles = conn.execute(stmt).all()
    wanted = [a.raw_page_id for a in articles if a.raw_page_id is not None]
    raws = {r.id: r for r in conn.execute(select(RawPage).where(RawPage.id.in_(wanted)))}
    return [(a, raws.get(a.raw_page_id)) for a in articles]


class Command(ArchiveCommand, ScrapyCommand):
    def syntax(self) -> str:
        return "[options] [filters]"

    def short_desc(self) -> str:
        return "Re-run the current cleaning on stored raw pages; update what changed (revisions kept)"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        add_filter_options(parser)
        parser.add_argument("--dry-run", action="store_true", help="count what would change, write nothing")

    def run(self, args: list[str], opts: Any) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}", print_help=False)
        engine = self.archive(write=not opts.dry_run)  # a read-only archive can still be dry-run
        try:
            counts = reclean(engine, self.settings, filter_from(opts), dry_run=opts.dry_run)
        finally:
            engine.dispose()
        changed = counts["text_changed"] + counts["fields_changed"]
        verb = "would change" if opts.dry_run else "changed"
        sys.stdout.write(
            f"Re-cleaned {counts['examined']} articles: {changed} {verb} "
            f"({counts['text_changed']} text, kept as revisions; "
            f"{counts['fields_changed']} metadata or flags only), {counts['unchanged']} unchanged, "
            f"{counts['no_raw_page']} without a raw page, "
            f"{counts['would_be_dropped']} no longer extractable (left as stored).\n"
        )
        fields = sorted((k.split(":", 1)[1], n) for k, n in counts.items() if k.startswith("field:"))
        if fields:
            sys.stdout.write(table(["field", "articles"], fields, right=[1]) + "\n")
