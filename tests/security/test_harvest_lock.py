"""The harvest lock is the database's, however its URL is spelled and whichever host asks.

SQLite: a relative and an absolute URL, a symlink to the file and the `file:` URI form name
one database and take one lock; another database is free. PostgreSQL: the lock is an
advisory lock in the database, so a second connection (as from another host) is refused and
told who holds it; another schema (another archive) is free; the lock goes with its session.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crawler.harvest.lock import HarvestLocked, harvest_lock


def test_every_spelling_of_one_sqlite_file_takes_the_same_lock(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.sqlite3").write_bytes(b"")
    (tmp_path / "link.sqlite3").symlink_to(data / "a.sqlite3")
    (tmp_path / "linked-data").symlink_to(data)
    monkeypatch.chdir(tmp_path)
    spellings = [
        "sqlite:///data/a.sqlite3",
        f"sqlite:///{data / 'a.sqlite3'}",
        "sqlite:///data/../data/a.sqlite3",
        "sqlite:///link.sqlite3",
        "sqlite:///linked-data/a.sqlite3",
        "sqlite:///file:data/a.sqlite3?mode=ro&uri=true",
        f"sqlite:///file:{data / 'a.sqlite3'}?uri=true",
    ]
    with harvest_lock(spellings[0]) as where:
        assert where == str(data.resolve() / "a.sqlite3.harvest.lock")
        for spelling in spellings[1:]:
            with pytest.raises(HarvestLocked, match=f"pid {os.getpid()}"), harvest_lock(spelling):
                pass
        with harvest_lock("sqlite:///data/b.sqlite3"):  # another database: its own lock
            pass
    with harvest_lock(spellings[3]):  # released with the block
        pass


def test_postgresql_takes_one_advisory_lock_in_the_database(postgres_url):
    other = create_engine(postgres_url)  # a second session, as another host's would be
    with harvest_lock(postgres_url) as where:
        assert where.startswith("advisory lock ")
        with pytest.raises(HarvestLocked, match=r"PostgreSQL backend pid \d+"), harvest_lock(postgres_url):
            pass
        with other.connect() as conn:
            held = conn.scalar(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"))
        assert held >= 1
        # the same database under another schema is another archive: its own lock
        with harvest_lock(make_url(postgres_url).update_query_dict({"options": "-csearch_path=public"})
                          .render_as_string(hide_password=False)):  # fmt: skip
            pass
    with harvest_lock(postgres_url):  # released when the holder is done
        pass
    other.dispose()


def test_the_advisory_lock_goes_with_its_session(postgres_url):
    """A harvest that dies (its connection closes) leaves no lock behind."""
    from crawler.harvest.lock import advisory_key

    holder = create_engine(postgres_url)
    conn = holder.connect()
    schema = conn.scalar(text("SELECT current_schema()"))
    assert conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": advisory_key(schema)})
    with pytest.raises(HarvestLocked), harvest_lock(postgres_url):
        pass
    conn.close()
    holder.dispose()  # the session ends: the server drops its locks
    with harvest_lock(postgres_url):
        pass
