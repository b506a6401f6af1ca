"""Starting a command: Scrapy imports every module of crawler/commands for every command it runs,
so those modules import the archive, the chain and the other heavy modules only where they are
used (crawler/commands/base.py). A fresh process shows what a start really loads."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

# Loaded by no command before it runs: the database layer, the chain, the text rules, the charts.
HEAVY = ("sqlalchemy", "alembic", "crawler.db", "crawler.article", "crawler.extract", "crawler.text",
         "pipelines", "numpy", "pyarrow", "matplotlib")  # fmt: skip
COMMANDS = ("crawl", "db", "export", "extract", "harvest", "reclean", "search", "show", "sources", "stats")

# `scrapy ARGV`, then the modules loaded, as JSON on the last line
MODULES_AFTER = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules))))
from scrapy.cmdline import execute
execute(["scrapy", *sys.argv[1:]])
"""


def modules_after(*argv: str) -> tuple[str, set[str]]:
    """What `scrapy ARGV` printed (before the list) and the modules it had loaded when it exited."""
    done = subprocess.run(
        [sys.executable, "-c", MODULES_AFTER, *argv], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    printed, _, listed = done.stdout.rstrip("\n").rpartition("\n")
    return printed, set(json.loads(listed))


def loaded(modules: set[str], package: str) -> bool:
    return any(m == package or m.startswith(package + ".") for m in modules)


def test_scrapy_version_finds_every_command_and_loads_none_of_the_heavy_modules():
    printed, modules = modules_after("version")
    assert printed.startswith("Scrapy ")
    assert {f"crawler.commands.{name}" for name in COMMANDS} <= modules  # every command was found
    assert [package for package in HEAVY if loaded(modules, package)] == []
