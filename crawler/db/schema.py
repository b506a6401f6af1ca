"""The archive's schema version: Alembic, configured in code (crawler/db/migrations, no alembic.ini).

- A fresh database is created from the models and stamped at head (`prepare`, called by
  make_engine); `scrapy db upgrade` instead runs the migrations, which CI checks agree with
  the models (tests/db/test_migrations.py).
- A database made before migrations existed (no alembic_version table) whose columns are
  those of the initial revision is recognised as that revision and stamped.
- A revision this code does not know means a newer harvester made the database: refused
  (NewerSchema); an older one must be upgraded first (OutdatedSchema names the command).

On PostgreSQL the whole check runs under a transaction-level advisory lock, so workers
starting together on an empty database create it once.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, func, inspect, select

from crawler.db.models import Base

MIGRATIONS = Path(__file__).with_name("migrations")
INITIAL_REVISION = "0001"  # what a database made before migrations existed is recognised as
# What revisions after the initial one added (a table: None; else its new columns). An archive made
# before migrations is compared with the models minus these.
ADDED_SINCE_INITIAL: dict[str, set[str] | None] = {
    "article_regions": None,
    "articles": {"published_day"},
    "crawl_runs": {"verdict", "health"},
}
SEARCH_PREFIX = "article_search"  # the search index and (SQLite) its FTS5 shadow tables
SCHEMA_LOCK = 0x78636762  # pg_advisory_xact_lock key of schema changes ("xcgb")


class OutdatedSchema(RuntimeError):
    """The database was created by an older version of the models: it needs `scrapy db upgrade`."""


class NewerSchema(RuntimeError):
    """The database was created by a newer version of the models: this one refuses to write it."""


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Leave the search index (raw DDL, not a model) out of model comparisons."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    table_name = name if type_ == "table" else getattr(table, "name", "")
    return not (table_name or "").startswith(SEARCH_PREFIX)


def alembic_config(connection: Connection) -> Config:
    """An Alembic configuration that runs on `connection`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def scripts() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS))


def head() -> str:
    found = scripts().get_current_head()
    assert found is not None, "no migrations"
    return found


def current(conn: Connection) -> str | None:
    """The revision the database is stamped with (None: not stamped)."""
    return MigrationContext.configure(conn).get_current_revision()


def where(conn: Connection) -> str:
    return conn.engine.url.render_as_string(hide_password=True)


def lock(conn: Connection) -> None:
    """Serialise schema work between processes (PostgreSQL; SQLite's writers queue on the file)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(SCHEMA_LOCK)))


def _known(revision: str) -> bool:
    try:
        return scripts().get_revision(revision) is not None
    except CommandError:
        return False


def _stamp(conn: Connection, revision: str) -> None:
    MigrationContext.configure(conn).stamp(scripts(), revision)


def _has_tables(conn: Connection) -> bool:
    return bool(set(inspect(conn).get_table_names()) & set(Base.metadata.tables))


def _recognise_unstamped(conn: Connection) -> None:
    """A database from before migrations: missing tables added, columns checked, stamped initial.

    The columns are compared with the models minus what later revisions added
    (ADDED_SINCE_INITIAL), i.e. with the initial revision's.
    """
    # Tables added by issues before migrations existed (crawl_runs, the search index …), as the
    # initial revision had them: without the columns later revisions add (they add them again).
    present = set(inspect(conn).get_table_names())
    for table in Base.metadata.sorted_tables:
        added = ADDED_SINCE_INITIAL.get(table.name, set())
        if added is None or table.name in present:
            continue
        table.create(conn)
        for column in sorted(added):  # SQLite 3.35+ and PostgreSQL drop a plain column in place
            conn.exec_driver_sql(f"ALTER TABLE {table.name} DROP COLUMN {column}")
    check_columns(conn, initial=True)
    _stamp(conn, INITIAL_REVISION)


def prepare(conn: Connection) -> None:
    """Make the database ready for this code, or refuse it with a message that says why."""
    lock(conn)
    revision = current(conn)
    if revision is None:
        if _has_tables(conn):
            _recognise_unstamped(conn)
            revision = INITIAL_REVISION
        else:
            Base.metadata.create_all(conn)
            _stamp(conn, head())
            return
    if not _known(revision):
        raise NewerSchema(
            f"{where(conn)} is at schema revision {revision}, which this version does not know; "
            "it was made by a newer version (upgrade the harvester, or use another database)"
        )
    if revision != head():
        raise OutdatedSchema(
            f"{where(conn)} is at schema revision {revision}, this version needs {head()}: "
            "run `scrapy db upgrade` first (back the database up before)"
        )
    check_columns(conn)  # stamped at head, yet changed by hand or by a newer version


def upgrade(conn: Connection, revision: str = "head") -> tuple[str | None, str, bool]:
    """Migrate the database to `revision`; (from, to, whether it was an unstamped old archive).

    An archive from before migrations is recognised as INITIAL_REVISION and stamped first.
    """
    lock(conn)
    before = current(conn)
    recognised = before is None and _has_tables(conn)
    if recognised:
        _recognise_unstamped(conn)
        before = INITIAL_REVISION
    elif before is not None and not _known(before):
        raise NewerSchema(f"{where(conn)} is at schema revision {before}, which this version does not know")
    command.upgrade(alembic_config(conn), revision)
    after = current(conn)
    assert after is not None
    return before, after, recognised


def check_columns(conn: Connection, *, initial: bool = False) -> None:
    """Compare every table's columns with the models (`initial`: with the initial revision's);
    say plainly what does not fit.

    Columns this version does not know mean a newer version made the database: refused,
    before a write could fail half-way on them (NOT NULL) or leave them inconsistent.
    """
    inspector = inspect(conn)
    for table in Base.metadata.sorted_tables:
        added = ADDED_SINCE_INITIAL.get(table.name, set()) if initial else set()
        if added is None:
            continue
        expected = set(table.columns.keys()) - added
        have = {column["name"] for column in inspector.get_columns(table.name)}
        unknown = sorted(have - expected)
        if unknown:
            raise NewerSchema(
                f"{where(conn)}: table {table.name} has columns "
                f"{', '.join(unknown)} this version does not know; it was made by a newer version "
                "(upgrade the harvester, or use another database)"
            )
        missing = sorted(expected - have)
        if missing:
            raise OutdatedSchema(
                f"{where(conn)}: table {table.name} lacks "
                f"{', '.join(missing)}; it was created by an older version (remove it or migrate it)"
            )
