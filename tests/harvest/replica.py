"""Helpers of the harvest tests: a replica of our own (faults, added articles), `scrapy harvest`."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from replica.process import running as replica  # noqa: F401 (the harvest tests import it from here)
from tests.conftest import ROOT
from tests.crawling import Crawled, harvest, settings_of

# Tests harvest a replica on this machine: no politeness delays, quick retries.
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "HARVEST_RETRY_BACKOFF_BASE=0.2",
        "-s", "HARVEST_RUN_UPDATE_INTERVAL=1", "-s", "HARVEST_PROGRESS_INTERVAL=1"]  # fmt: skip


def request_log(info: dict[str, Any]) -> list[dict[str, Any]]:
    """Every request the replica answered so far."""
    with urllib.request.urlopen(f"http://127.0.0.1:{info['port']}/__replica/log", timeout=10) as answer:
        return json.loads(answer.read())


def spiders_config(info: dict[str, Any], *, since: str | None = None) -> str:
    """HARVEST_SPIDERS pointing both spiders at the replica."""
    epaper: dict[str, str] = {"base_url": info["epaper"]}
    if since:
        epaper["since"] = since
    return json.dumps({"xcgb_epaper": epaper, "xcgb_news": {"base_url": f"{info['news']},{info['mirror']}"}})


def harvest_command(db_url: str, info: dict[str, Any], *args: str, since: str | None = None) -> list[str]:
    return [sys.executable, "-m", "scrapy", "harvest", *args, "-s", f"HARVEST_DB_URL={db_url}",
            "-s", f"HARVEST_SPIDERS={spiders_config(info, since=since)}", *FAST]  # fmt: skip


def harvest_settings(
    db_url: str, info: dict[str, Any], *settings: str, since: str | None = None
) -> dict[str, str]:
    """harvest_command's `-s` options (and `settings`) as the settings of a harvest in this process."""
    return {"HARVEST_DB_URL": db_url, "HARVEST_SPIDERS": spiders_config(info, since=since),
            **settings_of((*FAST, *settings))}  # fmt: skip


def harvest_in_process(
    db_url: str,
    info: dict[str, Any],
    *spiders: str,
    settings: tuple[str, ...] = (),
    since: str | None = None,
    timeout: float = 120,
    **overrides: str,
) -> list[Crawled]:
    """`scrapy harvest --once [--spider NAME…]` of the replica in this process (tests/crawling.py):
    each run must be one the command exits 0 for (finished, verdict ok)."""
    crawled = harvest({**harvest_settings(db_url, info, *settings, since=since), **overrides}, *spiders,
                      timeout=timeout)  # fmt: skip
    for run in crawled:
        assert not run.harvest_failures(), run.log[-3000:]
    return crawled


def run_harvest(db_url: str, info: dict[str, Any], *args: str, since: str | None = None, **kw: Any):
    return subprocess.run(
        harvest_command(db_url, info, *args, since=since), cwd=ROOT, capture_output=True, text=True,
        timeout=300, **kw,
    )  # fmt: skip


def query(db_url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def url_of(info: dict[str, Any], entry: Any) -> str:
    host = "127.0.0.1" if entry.host == "main" else "127.0.0.2"
    return f"http://{host}:{info['port']}{entry.path}"


def db_url_in(folder: Path) -> str:
    return f"sqlite:///{folder / 'harvest.sqlite3'}"
