"""`scrapy db upgrade|current|copy --to URL`: the archive's schema (Alembic, crawler/db/migrations).

`upgrade` migrates the database named by HARVEST_DB_URL to the newest revision (a database
made before migrations existed is recognised as the initial revision and stamped first);
`current` says which revision it is at and whether that is the newest (reading only: a
missing file is not created, a read-only archive is fine); `copy --to URL` copies the whole
archive, ids included, into another, empty database (SQLite to PostgreSQL). An archive at a
revision this program does not know (made by a newer version) is refused by all three, saying
which revision it found and which this program knows.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands.base import ArchiveCommand, InputError, table

ACTIONS = ("upgrade", "current", "copy")


class Command(ArchiveCommand, ScrapyCommand):
    def syntax(self) -> str:
        return "upgrade | current | copy --to URL"

    def short_desc(self) -> str:
        return "Migrate the archive's schema to the newest revision, or show its revision"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        parser.add_argument("--to", metavar="URL", help="copy: the database to copy into (must be empty)")

    def run(self, args: list[str], opts: Any) -> None:
        if len(args) != 1 or args[0] not in ACTIONS:
            raise UsageError(f"give one of: {', '.join(ACTIONS)}", print_help=False)
        if args[0] == "copy":
            self.copy(opts.to)
        elif args[0] == "current":
            self.current()
        else:
            self.upgrade()

    def current(self) -> None:
        from crawler.db import schema

        engine = self.archive(write=False)  # checks the revision is one this program knows
        try:
            with engine.connect() as conn:
                revision = schema.current(conn)
                where = schema.where(conn)
        finally:
            engine.dispose()
        head = schema.head()
        state = "head" if revision == head else f"head is {head}: run `scrapy db upgrade`"
        sys.stdout.write(f"{where}: revision {revision or 'none (not stamped)'} ({state})\n")

    def upgrade(self) -> None:
        from crawler.db import schema
        from crawler.db.engine import archive_writable, check_readable, make_engine

        assert self.settings is not None
        url = self.settings.get("HARVEST_DB_URL")
        why = archive_writable(url)
        if why is not None:
            raise InputError(f"cannot upgrade the archive: {why}")
        engine = make_engine(url, create=False)
        try:
            with engine.begin() as conn:
                check_readable(conn)
                before, after, recognised = schema.upgrade(conn)
                where = schema.where(conn)
        finally:
            engine.dispose()
        if recognised:
            sys.stdout.write(f"{where}: made before migrations, recognised as revision {before}\n")
        said = "already at" if before == after else f"upgraded from {before or 'nothing'} to"
        sys.stdout.write(f"{where}: {said} revision {after} (head)\n")

    def copy(self, to: str | None) -> None:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        from crawler.db.copy import TargetNotEmpty, copy_archive
        from crawler.db.engine import archive_writable, make_engine

        if not to:
            raise UsageError(
                "copy: give --to URL, e.g. --to postgresql+psycopg://user@host/db", print_help=False
            )
        try:
            make_url(to)
        except ArgumentError:
            raise UsageError(f"copy: --to {to!r} is not a database URL", print_help=False) from None
        why = archive_writable(to)
        if why is not None:
            raise InputError(f"cannot copy into {to}: {why}")
        source = self.archive(write=False)
        try:
            target = make_engine(to)
        except BaseException:
            source.dispose()
            raise
        started = time.monotonic()
        try:
            copied = copy_archive(source, target)
        except TargetNotEmpty as problem:
            raise InputError(str(problem)) from None
        finally:
            source.dispose()
            target.dispose()
        where = target.url.render_as_string(hide_password=True)
        sys.stdout.write(f"Copied the archive to {where} in {time.monotonic() - started:.1f} s\n")
        sys.stdout.write(table(["table", "rows"], sorted(copied.items()), right=[1]) + "\n")
