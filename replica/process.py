"""The replica as a subprocess, for the demo, the tests and the benchmarks."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def running(*args: str) -> Iterator[dict[str, Any]]:
    """`python -m replica serve ARGS`; yields the addresses it printed (plus `port`), then stops it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "replica", "serve", *args], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line:
            raise RuntimeError(f"the replica did not start (exit status {process.wait()})")
        info = json.loads(line)
        info["port"] = urlsplit(info["news"]).port
        yield info
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()
