"""Alembic environment: runs on the connection crawler.db.schema hands over (no alembic.ini).

SQLite gets batch mode (ALTER TABLE there can only add columns: a batch copies the table).
The search index (FTS5 on SQLite, a tsvector table on PostgreSQL) is created by the migrations
with raw DDL and left out of the model comparison: it is not a model.
"""

from __future__ import annotations

from typing import Any

from alembic import context

from crawler.db.models import Base
from crawler.db.schema import include_object

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    include_object=include_object,
    compare_type=True,
)


def run() -> Any:
    with context.begin_transaction():
        context.run_migrations()


run()
