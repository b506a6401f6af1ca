"""Initial schema: the archive as issues 1-6 left it, with its search index.

The search index is raw DDL, frozen here as crawler/db/search.py created it: on SQLite an
FTS5 table of bigram tokens with its BM25 weights, on PostgreSQL a tsvector table with a
GIN index.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE article_search USING fts5("
    "title, body, tchars, chars, content='', tokenize='unicode61 remove_diacritics 0')",
    "INSERT INTO article_search(article_search, rank) VALUES ('rank', 'bm25(5.0, 1.0, 5.0, 0.5)')",
)
POSTGRESQL_SEARCH = (
    "CREATE TABLE article_search (article_id INTEGER NOT NULL, doc TSVECTOR NOT NULL, "
    "CONSTRAINT pk_article_search PRIMARY KEY (article_id), "
    "CONSTRAINT fk_article_search_article_id_articles FOREIGN KEY (article_id) REFERENCES articles (id))",
    "CREATE INDEX ix_article_search_doc ON article_search USING gin (doc)",
)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spider", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("finish_reason", sa.String(length=64), nullable=True),
        sa.Column("clean", sa.Boolean(), nullable=False),
        sa.Column("pages_fetched", sa.Integer(), nullable=False),
        sa.Column("not_modified", sa.Integer(), nullable=False),
        sa.Column("known_skipped", sa.Integer(), nullable=False),
        sa.Column("articles_new", sa.Integer(), nullable=False),
        sa.Column("articles_updated", sa.Integer(), nullable=False),
        sa.Column("articles_unchanged", sa.Integer(), nullable=False),
        sa.Column("dropped", sa.JSON(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("bookmark", sa.Text(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_runs")),
    )
    op.create_index(op.f("ix_crawl_runs_spider"), "crawl_runs", ["spider"], unique=False)

    op.create_table(
        "page_validators",
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("url", name=op.f("pk_page_validators")),
    )
    op.create_table(
        "raw_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("compression", sa.String(length=16), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("first_fetched_at", sa.DateTime(), nullable=False),
        sa.Column("last_fetched_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raw_pages")),
    )
    op.create_index("uq_raw_pages_url_sha256", "raw_pages", ["url", "sha256"], unique=True)

    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("canonical_url", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("site", sa.String(length=255), nullable=False),
        sa.Column("spider", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("subtitle", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("editor", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("edition", sa.Text(), nullable=True),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("encoding", sa.String(length=32), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("raw_page_id", sa.Integer(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.Column("damaged", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"], ["articles.id"], name=op.f("fk_articles_cluster_id_articles")
        ),
        sa.ForeignKeyConstraint(
            ["raw_page_id"], ["raw_pages.id"], name=op.f("fk_articles_raw_page_id_raw_pages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("canonical_url", name=op.f("uq_articles_canonical_url")),
    )
    op.create_index(op.f("ix_articles_cluster_id"), "articles", ["cluster_id"], unique=False)
    op.create_index(op.f("ix_articles_content_sha256"), "articles", ["content_sha256"], unique=False)
    op.create_index(op.f("ix_articles_published_at"), "articles", ["published_at"], unique=False)
    op.create_index(op.f("ix_articles_site"), "articles", ["site"], unique=False)
    op.create_index(op.f("ix_articles_spider"), "articles", ["spider"], unique=False)

    op.create_table(
        "article_bands",
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_bands_article_id_articles")
        ),
        sa.PrimaryKeyConstraint("key", "article_id", name=op.f("pk_article_bands")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_article_bands_article_id", "article_bands", ["article_id"], unique=False)

    op.create_table(
        "article_fingerprints",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_fingerprints_article_id_articles")
        ),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_article_fingerprints")),
    )
    op.create_table(
        "article_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("subtitle", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("editor", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("raw_page_id", sa.Integer(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("superseded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_revisions_article_id_articles")
        ),
        sa.ForeignKeyConstraint(
            ["raw_page_id"], ["raw_pages.id"], name=op.f("fk_article_revisions_raw_page_id_raw_pages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_revisions")),
    )
    op.create_index(
        "uq_article_revisions_article_id_revision",
        "article_revisions",
        ["article_id", "revision"],
        unique=True,
    )

    op.create_table(
        "article_urls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_urls_article_id_articles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_urls")),
        sa.UniqueConstraint("url", name=op.f("uq_article_urls_url")),
    )
    op.create_index(op.f("ix_article_urls_article_id"), "article_urls", ["article_id"], unique=False)
    op.create_index(op.f("ix_article_urls_host"), "article_urls", ["host"], unique=False)
    for statement in {"sqlite": SQLITE_SEARCH, "postgresql": POSTGRESQL_SEARCH}[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:

    op.execute("DROP TABLE IF EXISTS article_search")
    op.drop_table("article_urls")

    op.drop_table("article_revisions")
    op.drop_table("article_fingerprints")

    op.drop_table("article_bands")

    op.drop_table("articles")

    op.drop_table("raw_pages")
    op.drop_table("page_validators")

    op.drop_table("crawl_runs")
