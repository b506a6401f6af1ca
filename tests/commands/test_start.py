"""Starting a command: Scrapy imports every module of crawler/commands for every command it runs,
so those modules import the archive, the chain and the other heavy modules only where they are
used (crawler/commands/base.py). A fresh process shows what a start really loads."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES, ROOT

pytestmark = pytest.mark.slow

# Loaded by no command before it runs: the database layer, the chain, the text rules, the charts.
HEAVY = ("sqlalchemy", "alembic", "crawler.db", "crawler.article", "crawler.extract", "crawler.text",
         "pipelines", "numpy", "pyarrow", "matplotlib")  # fmt: skip
ARCHIVE = ("sqlalchemy", "alembic", "crawler.db", "crawler.archive")  # what only storage needs
COMMANDS = ("crawl", "db", "export", "extract", "harvest", "reclean", "search", "show", "sources", "stats")

# `scrapy ARGV`, then the modules loaded, as JSON on the last line
MODULES_AFTER = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules))))
from scrapy.cmdline import execute
execute(["scrapy", *sys.argv[1:]])
"""


def modules_after(*argv: str) -> tuple[str, set[str], str]:
    """What `scrapy ARGV` printed (before the list), the modules it had loaded when it exited, its stderr."""
    done = subprocess.run(
        [sys.executable, "-c", MODULES_AFTER, *argv], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    printed, _, listed = done.stdout.rstrip("\n").rpartition("\n")
    return printed, set(json.loads(listed)), done.stderr


def loaded(modules: set[str], package: str) -> bool:
    return any(m == package or m.startswith(package + ".") for m in modules)


def test_scrapy_version_finds_every_command_and_loads_none_of_the_heavy_modules():
    printed, modules, _ = modules_after("version")
    assert printed.startswith("Scrapy ")
    assert {f"crawler.commands.{name}" for name in COMMANDS} <= modules  # every command was found
    assert [package for package in HEAVY if loaded(modules, package)] == []


def test_extract_loads_no_part_of_the_archive_and_says_nothing_about_it():
    printed, modules, err = modules_after("extract", str(FIXTURES / "seed" / "000_08909e7ef7bbc5dc.txt"))
    assert json.loads(printed)["title"]
    assert "crawler.article" in modules  # the chain ran
    assert [package for package in ARCHIVE if loaded(modules, package)] == []
    assert err == "", err  # not a word about the storage components it has no use for
    # nor a listening port's: the telnet console and the remote-control server are not even imported
    assert [package for package in ("aiohttp", "twisted.conch") if loaded(modules, package)] == []
