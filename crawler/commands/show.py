"""`scrapy show ID|URL`: one article in full, with where it was seen, its cluster and revisions."""

from __future__ import annotations

import json
import sys
from datetime import UTC
from typing import TYPE_CHECKING, Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands.base import EXIT_FAILED, MAX_ID, ArchiveCommand, error, iso, table
from crawler.urls import canonical_url

if TYPE_CHECKING:
    from sqlalchemy import Connection


def find_article(conn: Connection, wanted: str) -> Any:
    """An articles row by id, by (canonical) URL, or by any URL it was seen at; None."""
    from sqlalchemy import or_, select

    from crawler.db import Article, ArticleUrl

    if wanted.isascii() and wanted.isdigit():  # `²` is a digit to Python, not an id
        if int(wanted) > MAX_ID:
            return None
        return conn.execute(select(Article).where(Article.id == int(wanted))).one_or_none()
    try:
        canonical = canonical_url(wanted)
    except ValueError:  # not a URL at all (`http://[::1`): it can only match as given
        canonical = wanted
    seen = select(ArticleUrl.article_id).where(ArticleUrl.url == wanted).scalar_subquery()
    return conn.execute(
        select(Article).where(or_(Article.canonical_url == canonical, Article.id == seen)).limit(1)
    ).one_or_none()


def provenance(conn: Connection, article: Any) -> dict[str, Any]:
    """The article as JSON: its fields, sightings, fetches, cluster and earlier versions."""
    from sqlalchemy import or_, select

    from crawler.db import Article, ArticleRevision, ArticleUrl, RawPage

    def utc(value: Any) -> str | None:
        return iso(value, UTC)

    sightings = conn.execute(
        select(ArticleUrl).where(ArticleUrl.article_id == article.id).order_by(ArticleUrl.first_seen_at)
    ).all()
    fetches = conn.execute(
        select(
            RawPage.id,
            RawPage.url,
            RawPage.status,
            RawPage.sha256,
            RawPage.first_fetched_at,
            RawPage.last_fetched_at,
        )
        .where(RawPage.url.in_([s.url for s in sightings] or [article.url]))
        .order_by(RawPage.first_fetched_at)
    ).all()
    cluster_id = article.cluster_id or article.id
    members = conn.execute(
        select(Article.id, Article.url, Article.site, Article.damaged, Article.first_seen_at)
        .where(or_(Article.cluster_id == cluster_id, Article.id == cluster_id))
        .order_by(Article.id)
    ).all()
    first_seen = dict(
        conn.execute(
            select(ArticleUrl.url, ArticleUrl.first_seen_at).where(
                ArticleUrl.article_id.in_([m.id for m in members])
            )
        ).all()
    )
    revisions = conn.execute(
        select(ArticleRevision)
        .where(ArticleRevision.article_id == article.id)
        .order_by(ArticleRevision.revision)
    ).all()
    return {
        "id": article.id,
        "url": article.url,
        "canonical_url": article.canonical_url,
        "site": article.site,
        "spider": article.spider,
        "title": article.title,
        "subtitle": article.subtitle,
        "published_at": iso(article.published_at),
        "source": article.source,
        "author": article.author,
        "editor": article.editor,
        "edition": article.edition,
        "regions": article.regions,
        "body": article.body,
        "encoding": article.encoding,
        "flags": article.flags,
        "damaged": article.damaged,
        "revision": article.revision,
        "content_sha256": article.content_sha256,
        "first_seen_at": utc(article.first_seen_at),
        "fetched_at": utc(article.fetched_at),
        "cluster": {
            "canonical_id": cluster_id,
            "members": [
                {
                    "id": m.id,
                    "url": m.url,
                    "site": m.site,
                    "damaged": m.damaged,
                    "canonical": m.id == cluster_id,
                    "first_seen_at": utc(first_seen.get(m.url, m.first_seen_at)),
                }
                for m in members
            ],
        },
        "seen_at": [
            {
                "url": s.url,
                "host": s.host,
                "first_seen_at": utc(s.first_seen_at),
                "last_seen_at": utc(s.last_seen_at),
            }
            for s in sightings
        ],
        "fetches": [
            {
                "raw_page_id": f.id,
                "url": f.url,
                "status": f.status,
                "sha256": f.sha256,
                "first_fetched_at": utc(f.first_fetched_at),
                "last_fetched_at": utc(f.last_fetched_at),
            }
            for f in fetches
        ],
        "revisions": [
            {
                "revision": r.revision,
                "title": r.title,
                "content_sha256": r.content_sha256,
                "fetched_at": utc(r.fetched_at),
                "superseded_at": utc(r.superseded_at),
                "body": r.body,
            }
            for r in revisions
        ],
    }


def as_text(shown: dict[str, Any]) -> str:
    """The article for a reader: header, body, then its provenance."""
    lines = [shown["title"]]
    if shown["subtitle"]:
        lines.append(shown["subtitle"])
    lines.append("=" * 40)
    for name in ("id", "published_at", "source", "author", "editor", "edition", "site", "url", "encoding"):
        if shown[name] is not None:
            lines.append(f"{name + ':':<14}{shown[name]}")
    if shown["regions"]:
        lines.append(f"{'regions:':<14}{'、'.join(r['name'] + ' ' + r['code'] for r in shown['regions'])}")
    lines.append(f"{'flags:':<14}{', '.join(shown['flags']) or '-'}")
    lines += ["", *shown["body"].split("\n"), ""]
    lines.append(f"Cluster (canonical: {shown['cluster']['canonical_id']})")
    rows = [
        [
            "*" if m["canonical"] else "",
            m["id"],
            m["site"],
            "yes" if m["damaged"] else "",
            m["first_seen_at"],
            m["url"],
        ]
        for m in shown["cluster"]["members"]
    ]
    lines += [table(["", "id", "site", "damaged", "first seen (UTC)", "url"], rows, right=[1]), ""]
    lines.append("Seen at")
    rows = [[s["host"], s["first_seen_at"], s["last_seen_at"], s["url"]] for s in shown["seen_at"]]
    lines += [table(["host", "first seen", "last seen", "url"], rows), ""]
    lines.append("Fetches (raw pages kept)")
    rows = [
        [f["raw_page_id"], f["status"], f["first_fetched_at"], f["last_fetched_at"], f["sha256"][:12]]
        for f in shown["fetches"]
    ]
    lines += [
        table(["raw page", "status", "first fetched", "last fetched", "sha256"], rows, right=[0, 1]),
        "",
    ]
    lines.append(f"Revisions: this is revision {shown['revision']}")
    rows = [[r["revision"], r["fetched_at"], r["superseded_at"], r["title"]] for r in shown["revisions"]]
    if rows:
        lines.append(table(["revision", "fetched", "superseded", "title"], rows, right=[0]))
    return "\n".join(lines) + "\n"


class Command(ArchiveCommand, ScrapyCommand):
    def syntax(self) -> str:
        return "[options] ID|URL"

    def short_desc(self) -> str:
        return "Print one article in full with its provenance (URLs, fetches, cluster, flags, revisions)"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def run(self, args: list[str], opts: Any) -> None:
        if len(args) != 1:
            raise UsageError("give one article id or URL", print_help=False)
        engine = self.archive()
        try:
            with engine.connect() as conn:
                article = find_article(conn, args[0])
                if article is None:
                    self.exitcode = error(f"no article {args[0]!r} in the archive", EXIT_FAILED)
                    return
                shown = provenance(conn, article)
        finally:
            engine.dispose()
        if opts.format == "json":
            sys.stdout.write(json.dumps(shown, ensure_ascii=False, indent=1) + "\n")
        else:
            sys.stdout.write(as_text(shown))
