"""A research database: China days, readable JSON, regions as rows (issue 18).

- `articles.published_day`: the day of publication in China (UTC+8), `YYYY-MM-DD`, filled from
  the UTC `published_at`, indexed.
- `article_regions` (article_id, code, name, level): each article's `regions` JSON as rows,
  filled from it.
- Every JSON column rewritten as UTF-8 text (`["贵州省"]`, not `["\\u8d35…"]`): articles.regions
  and flags, raw_pages.headers, crawl_runs.dropped and arguments. Values are unchanged.

The downgrade drops the column and the table; the JSON stays readable (it means the same).

Revision ID: 0002_research
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002_research"
down_revision = "0001"
branch_labels = None
depends_on = None

CHUNK = 5_000  # rows rewritten per executemany
JSON_COLUMNS = {
    "articles": ("id", ("regions", "flags")),
    "raw_pages": ("id", ("headers",)),
    "crawl_runs": ("id", ("dropped", "arguments")),
}
CHINA_DAY = {
    "sqlite": "strftime('%Y-%m-%d', published_at, '+8 hours')",
    "postgresql": "to_char(published_at + interval '8 hours', 'YYYY-MM-DD')",
}
REGIONS_FROM_JSON = {
    "sqlite": (
        "INSERT OR IGNORE INTO article_regions (article_id, code, name, level) "
        "SELECT a.id, json_extract(r.value, '$.code'), json_extract(r.value, '$.name'), "
        "coalesce(json_extract(r.value, '$.level'), '') FROM articles AS a, json_each(a.regions) AS r "
        "WHERE json_extract(r.value, '$.code') IS NOT NULL"
    ),
    "postgresql": (
        "INSERT INTO article_regions (article_id, code, name, level) "
        "SELECT a.id, r ->> 'code', r ->> 'name', coalesce(r ->> 'level', '') "
        "FROM articles AS a, json_array_elements(a.regions) AS r WHERE r ->> 'code' IS NOT NULL "
        "ON CONFLICT DO NOTHING"
    ),
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("articles") as batch:  # adds the column in place: no table copy
        batch.add_column(sa.Column("published_day", sa.String(length=10), nullable=True))
        batch.create_index(op.f("ix_articles_published_day"), ["published_day"], unique=False)
    op.execute(f"UPDATE articles SET published_day = {CHINA_DAY[dialect]} WHERE published_at IS NOT NULL")

    op.create_table(
        "article_regions",
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_regions_article_id_articles")
        ),
        sa.PrimaryKeyConstraint("article_id", "code", name=op.f("pk_article_regions")),
    )
    op.create_index("ix_article_regions_code", "article_regions", ["code"], unique=False)
    op.create_index("ix_article_regions_name", "article_regions", ["name"], unique=False)
    op.execute(REGIONS_FROM_JSON[dialect])

    for table, (key, columns) in JSON_COLUMNS.items():
        _rewrite_json(table, key, columns, dialect)


def _rewrite_json(table: str, key: str, columns: tuple[str, ...], dialect: str) -> None:
    """Re-serialise JSON columns without \\u escapes; rows already readable are left alone."""
    conn = op.get_bind()
    as_text = ", ".join(f"CAST({c} AS TEXT)" for c in columns)
    cast = "CAST(:{} AS JSON)" if dialect == "postgresql" else ":{}"
    settings = ", ".join(f"{c} = {cast.format(c)}" for c in columns)
    update = sa.text(f"UPDATE {table} SET {settings} WHERE {key} = :key")
    changed = []
    for row in conn.execute(sa.text(f"SELECT {key}, {as_text} FROM {table}")).all():
        values = dict(zip(columns, row[1:], strict=True))
        readable = {c: _readable(v) for c, v in values.items()}
        if readable != values:
            changed.append({"key": row[0], **readable})
    for start in range(0, len(changed), CHUNK):
        conn.execute(update, changed[start : start + CHUNK])


def _readable(stored: str | None) -> str | None:
    """The JSON text as crawler.db.models.dumps writes it."""
    if stored is None:
        return None
    return json.dumps(json.loads(stored), ensure_ascii=False, separators=(",", ":"))


def downgrade() -> None:
    op.drop_index("ix_article_regions_name", table_name="article_regions")
    op.drop_index("ix_article_regions_code", table_name="article_regions")
    op.drop_table("article_regions")
    op.drop_index(op.f("ix_articles_published_day"), table_name="articles")
    op.drop_column("articles", "published_day")  # SQLite 3.35+ drops a column in place
