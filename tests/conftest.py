"""Shared fixtures: the replica (in process and as a real server), and no proxies, ever."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from replica.model import Site
from replica.process import running
from replica.site import build_site

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"

# Tests never reach the internet: no proxy can send them there.
for _var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
    os.environ.pop(_var, None)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "*"
# The suite's crawls clean pages in their own process, where `scrapy crawl` uses a worker process
# (HARVEST_CHAIN_PROCESS): a worker per crawl would cost the suite a Python start and the chain's
# tables every time. The worker is tested in tests/pipelines/test_chain_process.py, and a crawl
# with it in tests/test_crawl.py.
os.environ.setdefault("HARVEST_CHAIN_PROCESS", "0")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`make test`'s `-n auto`: one worker more than the cores this process may use.

    Part of the suite waits rather than computes (replica latencies, locks held on purpose,
    crawls' idle seconds): a third worker keeps 2 cores busy. Measured on 2 cores, the whole
    suite: 149-160 s with 2 workers, 133 s with 3, 139 s with 4.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cores + 1


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
    with running("--articles", str(REPLICA_ARTICLES), "--end-date", REPLICA_END.isoformat()) as info:
        yield info


def run_scrapy(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`scrapy ARGS` from the project root, as a user would run it."""
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    if check and result.returncode != 0:
        raise AssertionError(f"scrapy {' '.join(args)} exited {result.returncode}:\n{result.stderr[-4000:]}")
    return result


POSTGRES_ENV = "HARVEST_TEST_POSTGRES_URL"
HOW_TO_RUN_POSTGRES = (
    f"set {POSTGRES_ENV}=postgresql+psycopg://postgres@127.0.0.1:5432/test (a server you may write to; "
    "each test works in a schema of its own, dropped afterwards) to run the PostgreSQL tests"
)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The URL of an empty schema of its own on the test PostgreSQL server; skips when there is none."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(HOW_TO_RUN_POSTGRES)
    from uuid import uuid4

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"t_{uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}"))
    try:
        yield (
            make_url(base)
            .update_query_dict({"options": f"-csearch_path={name}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request, tmp_path) -> str:
    """An empty archive URL: a SQLite file, then a PostgreSQL schema (skipped without a server)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    return request.getfixturevalue("postgres_url")


REDIS_ENV = "HARVEST_TEST_REDIS_URL"


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database for shared-frontier tests, emptied before and after; skips without one."""
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(f"set {REDIS_ENV}=redis://127.0.0.1:6379/15 (a database the tests may empty) to run this")
    import redis

    server = redis.Redis.from_url(url)
    # One test at a time empties this database, even when `make test` runs several workers.
    with (Path(tempfile.gettempdir()) / "xcgb-harvester-test-redis.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        server.flushdb()
        try:
            yield url
        finally:
            server.flushdb()
            server.close()
