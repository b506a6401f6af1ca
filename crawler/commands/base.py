"""What every project command shares: input checked before it runs, problems said in one line.

The rule, in one place: an input problem (a bad argument, an unknown option, an archive this
program cannot use) ends in one `error: …` line on stderr and exit status 2, never a
traceback; a filter that cannot match anything gets a `warning: …` line and the command goes
on. `GuardedCommand` applies it to every command that mixes it in: `process_options` checks
the arguments, and the command's `run` is wrapped by `guarded` (which turns the known
problems into that line). `ArchiveCommand` adds the archive (HARVEST_DB_URL), opened read-only
unless the command writes, and the filter options. `Progress` is every command's progress line.

(Mixins, not ScrapyCommand subclasses: Scrapy takes every such class of a command module for
the command.)

Scrapy imports every module of crawler/commands for every command it runs (it looks for the
commands there), so a command module imports only what defining its command needs; the archive
(SQLAlchemy, Alembic), the chain and other heavy modules are imported inside the functions that
use them. `scrapy version` or `scrapy search` then pays only for what it runs
(tests/commands/test_start.py holds the list of what a start may not import).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
import unicodedata
from argparse import ArgumentTypeError
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta, timezone
from time import monotonic
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.exceptions import UsageError
from scrapy.utils.asyncio import create_looping_call

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from crawler.db.query import Query
    from crawler.db.search import ArticleFilter

logger = logging.getLogger(__name__)

CHINA = timezone(timedelta(hours=8))
EXIT_BAD_INPUT = 2  # an input problem: the argument, the option or the archive given
EXIT_FAILED = 1  # the environment failed: a locked or full database, a closed pipe
MAX_ID = 2**63 - 1  # the largest article id a database can hold


class InputError(Exception):
    """An input problem found while running: said as one `error:` line, exit status 2."""


def error(message: str, status: int = EXIT_BAD_INPUT) -> int:
    """Write the one `error: …` line; the exit status to use."""
    sys.stderr.write(f"error: {message}\n")
    return status


def warn(message: str) -> None:
    """A `warning: …` line: the command goes on."""
    sys.stderr.write(f"warning: {message}\n")


def guarded(run: Callable[..., None]) -> Callable[..., None]:
    """Wrap a command's run: known problems become one `error:` line and an exit status."""

    @functools.wraps(run)
    def wrapper(self: Any, args: list[str], opts: Any) -> None:
        try:
            run(self, args, opts)
        except InputError as problem:
            self.exitcode = error(str(problem))
        except BrokenPipeError:
            # the reader went away (`… | head`): stop quietly; Python's own flush at exit would fail too
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            self.exitcode = EXIT_FAILED
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError) as problem:
            self.exitcode = error(f"cannot use {problem.filename}: {problem.strerror}")
        except OverflowError:
            self.exitcode = error("a number given is too large")
        except Exception as problem:
            status = archive_problem(problem)
            if status is None:
                raise
            self.exitcode = status

    return wrapper


def archive_problem(problem: Exception) -> int | None:
    """Say a problem of the archive in its `error:` line; the exit status (None: not such a problem).

    The archive's exceptions are imported here, when one may have been raised: a command that
    never opened the archive does not load the database modules to learn that it has none.
    """
    if "sqlalchemy" not in sys.modules:  # nothing opened a database: no problem of the archive
        return None
    from sqlalchemy.exc import ArgumentError, OperationalError

    from crawler.db.engine import ArchiveUnavailable, NewerSchema, OutdatedSchema, database_fault

    if isinstance(problem, NewerSchema | OutdatedSchema):
        return error(str(problem))
    if isinstance(problem, ArchiveUnavailable):
        unusable = problem.fault in ("read-only", "unopenable")
        return error(str(problem), EXIT_BAD_INPUT if unusable else EXIT_FAILED)
    if isinstance(problem, OperationalError):  # the database's own words: unreachable, locked, full …
        found = database_fault(problem)
        said = found[1] if found else str(problem.orig or problem).strip().splitlines()[0]
        return error(f"the archive is {said}" if found else f"the archive: {said}", EXIT_FAILED)
    if isinstance(problem, ArgumentError):  # HARVEST_DB_URL (or --to) that is no database URL
        return error(f"not a database URL: {problem}")
    return None


def check_text(value: str, what: str) -> None:
    """Refuse text that cannot be printed or stored: lone surrogates (undecodable bytes in argv)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        shown = value.encode("utf-8", "backslashreplace").decode("utf-8")  # \udcff for the bad bytes
        raise UsageError(f"{what} is not valid UTF-8 text: {shown}", print_help=False) from None


_OPTION = re.compile(r"--?[A-Za-z]")


def words(args: list[str]) -> list[str]:
    """The positional words: an unknown option is refused; words after `--` are taken as they are.

    An option is `-x` or `--xx` with Latin letters: `-光山` or `-"两个 字"` is a word (a search's NOT).
    """
    out: list[str] = []
    for n, arg in enumerate(args):
        if arg == "--":
            return out + args[n + 1 :]
        if _OPTION.match(arg):
            raise UsageError(
                f"unknown option {arg} (a word starting with '-' goes after --)", print_help=False
            )
        out.append(arg)
    return out


class GuardedCommand:
    """Mixed into every project command: arguments checked, `run` guarded (see the module)."""

    settings: Any
    exitcode: int

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "run" in cls.__dict__:
            cls.run = guarded(cls.__dict__["run"])  # type: ignore[attr-defined]

    def process_options(self, args: list[str], opts: Any) -> None:
        for arg in args:
            check_text(arg, "an argument")
        for name, value in vars(opts).items():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    check_text(item, f"option --{name}")
        args[:] = words(args)  # the same list reaches run()
        super().process_options(args, opts)  # type: ignore[misc]


class ArchiveCommand(GuardedCommand):
    """Mixed into a command over the archive: no crawler process, the database from HARVEST_DB_URL."""

    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}
    writes = False  # True: the command writes the archive (refused on a read-only one)
    filters: Any = None  # the options, when the command has the filter options

    def process_options(self, args: list[str], opts: Any) -> None:
        super().process_options(args, opts)
        self.filters = opts if hasattr(opts, "since") else None
        if self.filters is not None:
            filter_from(opts, warnings=True)

    def archive(self, *, write: bool | None = None) -> Engine:
        """The engine of an existing archive, read-only unless the command writes.

        A missing file, a newer or outdated schema, or a read-only archive for a writing command
        are InputError; filters that match no article of this archive get a warning.
        """
        from crawler.db.engine import archive_writable, make_engine, sqlite_path

        assert self.settings is not None
        url = self.settings.get("HARVEST_DB_URL")
        write = self.writes if write is None else write
        path = sqlite_path(url)
        if path is not None and not os.path.isfile(path):
            raise InputError(f"no archive at {path} (harvest first, or `make demo`; "
                             "-s HARVEST_DB_URL=sqlite:///path names another)")  # fmt: skip
        if write:
            why = archive_writable(url)
            if why is not None:
                raise InputError(f"cannot write the archive {path}: {why}; this command writes to it")
        engine = make_engine(url, readonly=not write)
        if self.filters is not None and self.filters.site:  # the archive's sites are known now
            warn_unknown_site(engine, self.filters.site)
        return engine

    def fail(self, message: str) -> None:
        """Say what was wrong with the input and exit with status 2."""
        self.exitcode = error(message)


# --- output -------------------------------------------------------------------------------------


def iso(value: datetime | None, zone: timezone = CHINA) -> str | None:
    """ISO 8601 to the second (China time unless told), None stays None."""
    return None if value is None else value.astimezone(zone).isoformat(timespec="seconds")


def width(text: str) -> int:
    """Columns a string takes on a terminal (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def clip(text: str, columns: int) -> str:
    out: list[str] = []
    used = 0
    for char in text:
        used += width(char)
        if used > columns - 1:
            return "".join(out) + "…"
        out.append(char)
    return text


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, right: Sequence[int] = ()) -> str:
    """A plain-text table: columns padded by display width, numbers (`right`) aligned right."""
    cells = [[("" if v is None else str(v)) for v in row] for row in [headers, *rows]]
    widths = [max(width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        padded = [
            " " * (w - width(v)) + v if i in right else v + " " * (w - width(v))
            for i, (v, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(padded).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def parsed_query(command: ArchiveCommand, args: list[str]) -> Query | None:
    """The query of the command's arguments; None (after `error: …`, exit 2) when malformed."""
    from crawler.db.query import BadQuery, parse

    try:
        return parse(" ".join(args))
    except BadQuery as problem:
        command.fail(str(problem))
        return None


class Progress:
    """A command's progress on stderr: one line redrawn in place on a terminal; elsewhere nothing,
    or a log line every `interval` seconds.

    Counting (`export`, `reclean`): `Progress(total)`, then `advance(n)` after each batch draws a
    bar of done/total. Following crawls (`harvest`): `Progress(line=…, interval=…)`, whose
    `line(elapsed seconds)` is redrawn every half second (logged every `interval` seconds) while
    the reactor runs, between `start()` and `stop()`.
    """

    def __init__(
        self,
        total: int = 0,
        *,
        line: Callable[[float], str] | None = None,
        interval: float = 0.0,
        tty: bool | None = None,
    ) -> None:
        self.total = total
        self.done = 0
        self.line = line or self.bar
        self.tty = sys.stderr.isatty() if tty is None else tty
        self.interval = 0.5 if self.tty else interval
        self.started = monotonic()
        self.loop: Any = None  # the LoopingCall between start() and stop()

    @property
    def elapsed(self) -> float:
        return monotonic() - self.started

    def bar(self, elapsed: float) -> str:
        share = self.done / self.total if self.total else 1.0
        return f"[{'#' * int(share * 30):<30}] {self.done}/{self.total} articles"

    def advance(self, count: int) -> None:
        self.done += count
        if self.tty:
            self.show()

    def show(self) -> None:
        line = self.line(self.elapsed)
        if self.tty:
            sys.stderr.write("\r\x1b[2K" + line)
            sys.stderr.flush()
        elif self.interval > 0:
            logger.info("Progress: %s", line)

    def start(self) -> None:
        """Show the line every `interval` seconds while the reactor runs."""
        if self.interval > 0:
            self.loop = create_looping_call(self.show)
            self.loop.start(self.interval, now=False)

    def stop(self) -> None:
        """Stop showing it; on a terminal, leave its last state on its own line."""
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.tty:
            self.show()
            sys.stderr.write("\n")


# --- filters -------------------------------------------------------------------------------------


def parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option}: not a day: {value!r} (YYYY-MM-DD)", print_help=False) from None


def _start_of(day: date) -> datetime | None:
    """The first instant of `day` in China time; None when it is before anything storable."""
    start = datetime.combine(day, time(0), tzinfo=CHINA)
    return None if day <= date.min + timedelta(days=1) else start


def _end_of(day: date) -> datetime | None:
    """The first instant after `day` in China time; None when that is past the calendar."""
    if day >= date.max - timedelta(days=1):
        return None
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=CHINA)


def positive_int(value: str) -> int:
    """An argparse type: a whole number from 1 to MAX_ID (no `²`, no 40-digit numbers)."""
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise ArgumentTypeError(f"not a whole number from 1 to {MAX_ID}: {value!r}")
    return int(value)


def add_filter_options(parser: Any) -> None:
    """--since/--until/--site/--source/--author/--region."""
    group = parser.add_argument_group("Filters")
    group.add_argument("--since", metavar="YYYY-MM-DD", help="published on or after this day (China time)")
    group.add_argument("--until", metavar="YYYY-MM-DD", help="published on or before this day (China time)")
    group.add_argument("--site", help="host of the article, e.g. www.xcgb.com.cn or 127.0.0.1:8921")
    group.add_argument("--source", help="来源 contains this")
    group.add_argument("--author", help="作者 contains this")
    group.add_argument("--region", help="region name (贵州 finds 贵州省) or 6-digit code")


def filter_from(opts: Any, *, warnings: bool = False) -> ArticleFilter:
    """The filter the options ask for; with `warnings`, say when it cannot match anything."""
    from crawler.db.search import ArticleFilter

    since = parse_day(opts.since, "--since") if opts.since else None
    until = parse_day(opts.until, "--until") if opts.until else None
    if warnings and since and until and since > until:
        warn(f"--since {since} is after --until {until}: no article can match")
    if warnings and opts.region and not known_region(opts.region):
        warn(f"--region {opts.region}: no province, prefecture or county is called that "
             "(nor has that 6-digit code): no article can match")  # fmt: skip
    return ArticleFilter(
        since=_start_of(since) if since else None,
        until=_end_of(until) if until else None,
        site=opts.site,
        source=opts.source,
        author=opts.author,
        region=opts.region,
    )


def known_region(region: str) -> bool:
    """A name prefix (贵州 → 贵州省) or code of a division in the gazetteer."""
    from crawler.text.gazetteer import by_code, divisions  # loaded only when --region is given

    if region.isascii() and region.isdigit():
        return by_code(region) is not None
    return any(d.name.startswith(region) or d.short.startswith(region) for d in divisions())


def warn_unknown_site(engine: Engine, site: str) -> None:
    from sqlalchemy import select

    from crawler.db import Article

    with engine.connect() as conn:
        if conn.scalar(select(Article.id).where(Article.site == site).limit(1)) is not None:
            return
        sites = sorted(conn.scalars(select(Article.site).distinct().limit(6)))
    listed = ", ".join(sites[:5]) + (", …" if len(sites) > 5 else "") if sites else "none"
    warn(f"--site {site}: no article of the archive is from that site (sites: {listed})")
