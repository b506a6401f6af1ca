"""Copy a whole archive to another database (SQLite -> PostgreSQL, or back): `scrapy db copy`.

Rows keep their ids, so `scrapy show ID` and exported cluster ids mean the same afterwards.
The target must be empty; it is created at head first, the search index is rebuilt there
(its form differs between the two), and PostgreSQL's id sequences are moved past the copied ids.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, text, update

from crawler.db.models import Article, Base
from crawler.db.search import rebuild_index

CHUNK = 2_000  # rows per executemany


class TargetNotEmpty(RuntimeError):
    """The target already holds articles: copying into it would mix two archives."""


def copy_archive(source: Engine, target: Engine) -> dict[str, int]:
    """Copy every table of `source` into the empty archive `target` in one transaction; rows per table."""
    copied: dict[str, int] = {}
    with source.connect() as src, target.begin() as dst:
        if dst.scalar(select(func.count()).select_from(Article)):
            raise TargetNotEmpty(f"{target.url.render_as_string(hide_password=True)} already holds articles")
        clusters: list[dict[str, int]] = []
        for table in Base.metadata.sorted_tables:
            copied[table.name] = 0
            rows = src.execute(select(table).execution_options(yield_per=CHUNK))
            for part in rows.partitions():
                batch = [dict(row._mapping) for row in part]
                if table.name == Article.__tablename__:  # a canonical article may come later in id order
                    clusters += [
                        {"article": r["id"], "cluster": r["cluster_id"]} for r in batch if r["cluster_id"]
                    ]
                    batch = [{**r, "cluster_id": None} for r in batch]
                dst.execute(insert(table), batch)
                copied[table.name] += len(batch)
        if clusters:
            articles = Base.metadata.tables[Article.__tablename__]
            dst.execute(
                update(articles)
                .where(articles.c.id == bindparam("article"))
                .values(cluster_id=bindparam("cluster")),
                clusters,
            )
        copied["article_search"] = rebuild_index(dst)
        _move_sequences(dst)
    return copied


def _move_sequences(conn: Connection) -> None:
    """PostgreSQL: the next id of each table comes after the copied ones."""
    if conn.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        if "id" in table.columns and table.c.id.autoincrement in (True, "auto") and table.c.id.primary_key:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )
