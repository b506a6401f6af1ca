"""Shared fixtures: the replica (in process and as a real server), and no proxies, ever."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from replica.site import Site, build_site

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"

# Tests never reach the internet: no proxy can send them there.
for _var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
    os.environ.pop(_var, None)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "*"

# One replica layout for every test: 80 stories, newest issue on Friday 2026-11-27.
REPLICA_ARTICLES = 80
REPLICA_END = date(2026, 11, 27)


@pytest.fixture(scope="session")
def site() -> Site:
    """The replica rendered in process: its pages stand in for saved pages."""
    return build_site(REPLICA_ARTICLES, REPLICA_END)


@pytest.fixture(scope="session")
def replica_server() -> Iterator[dict]:
    """The replica as a real HTTP server in a subprocess; yields the addresses it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "replica", "serve", "--articles", str(REPLICA_ARTICLES),
         "--end-date", REPLICA_END.isoformat()],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line, f"replica did not start (exit {process.poll()})"
        yield json.loads(line)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


def run_scrapy(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`scrapy ARGS` from the project root, as a user would run it."""
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    if check and result.returncode != 0:
        raise AssertionError(f"scrapy {' '.join(args)} exited {result.returncode}:\n{result.stderr[-4000:]}")
    return result
