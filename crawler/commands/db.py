"""`scrapy db upgrade|current|copy --to URL`: the archive's schema (Alembic, crawler/db/migrations).

`upgrade` migrates the database named by HARVEST_DB_URL to the newest revision (a database
made before migrations existed is recognised as the initial revision and stamped first);
`current` says which revision it is at and whether that is the newest; `copy --to URL` copies
the whole archive, ids included, into another, empty database (SQLite to PostgreSQL).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands.search import ArchiveCommand, table
from crawler.db import schema
from crawler.db.copy import TargetNotEmpty, copy_archive
from crawler.db.engine import make_engine

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
            raise UsageError(f"give one of: {', '.join(ACTIONS)}")
        assert self.settings is not None
        if args[0] == "copy":
            self.copy(opts.to)
            return
        engine = make_engine(self.settings.get("HARVEST_DB_URL"), create=False)
        where = engine.url.render_as_string(hide_password=True)
        try:
            with engine.begin() as conn:
                if args[0] == "upgrade":
                    try:
                        before, after, recognised = schema.upgrade(conn)
                    except schema.NewerSchema as problem:
                        raise UsageError(str(problem)) from None
                    if recognised:
                        sys.stdout.write(
                            f"{where}: made before migrations, recognised as revision {before}\n"
                        )
                    said = "already at" if before == after else f"upgraded from {before or 'nothing'} to"
                    sys.stdout.write(f"{where}: {said} revision {after} (head)\n")
                else:
                    revision = schema.current(conn)
                    head = schema.head()
                    state = "head" if revision == head else f"head is {head}: run `scrapy db upgrade`"
                    sys.stdout.write(f"{where}: revision {revision or 'none (not stamped)'} ({state})\n")
        finally:
            engine.dispose()

    def copy(self, to: str | None) -> None:
        if not to:
            raise UsageError("copy: give --to URL, e.g. --to postgresql+psycopg://user@host/db")
        source = self.archive()
        try:
            target = make_engine(to)
        except (schema.NewerSchema, schema.OutdatedSchema) as problem:
            source.dispose()
            raise UsageError(str(problem)) from None
        started = time.monotonic()
        try:
            copied = copy_archive(source, target)
        except TargetNotEmpty as problem:
            raise UsageError(str(problem)) from None
        finally:
            source.dispose()
            target.dispose()
        where = target.url.render_as_string(hide_password=True)
        sys.stdout.write(f"Copied the archive to {where} in {time.monotonic() - started:.1f} s\n")
        sys.stdout.write(table(["table", "rows"], sorted(copied.items()), right=[1]) + "\n")
