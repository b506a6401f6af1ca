"""Read-only archives: every reading command works, every writing command refuses in one line.

Three forms: the `file:…?mode=ro&uri=true` URL (SQLite enforces it, for root too), a read-only
file and a read-only folder. File permissions do not stop root, so when the tests run as root
the last two run the commands as user `nobody` (uid 65534, through util-linux's setpriv) in
one subprocess (tests/commands/runner.py); as any other user they run in process after a chmod. The archive
is in WAL mode, so the read-only folder also checks that no `-shm` file is needed.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.db import schema
from tests.commands.runner import Result, scrapy
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

NOBODY = 65534
READING = [["search", "油茶", "--limit", "3"], ["show", "1"], ["stats"],
           ["export", "-o", "-", "--format", "jsonl", "--since", "2026-03-01"], ["db", "current"],
           ["reclean", "--dry-run"]]  # fmt: skip
WRITING = [["reclean"], ["db", "upgrade"]]


def run_all(url: str, commands: list[list[str]], *, as_nobody: bool) -> list[Result]:
    argvs = [[command[0], "-s", f"HARVEST_DB_URL={url}", *command[1:]] for command in commands]
    if not as_nobody:
        return [scrapy(*argv) for argv in argvs]

    setpriv = shutil.which("setpriv")  # util-linux: runs a program as another user
    if setpriv is None:
        pytest.skip("running as root without setpriv: file permissions cannot be tested")
    done = subprocess.run(
        [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
         sys.executable, "-m", "tests.commands.runner", json.dumps(argvs)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "HOME": "/tmp"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return [Result(**r) for r in json.loads(done.stdout)]


def check(results: list[Result], commands: list[list[str]]) -> None:
    for command, result in zip(commands, results, strict=True):
        assert "Traceback" not in result.err, (command, result.err)
        if command in WRITING:
            assert result.status == 2, (command, result.err)
            assert result.err.count("\n") == 1 and result.last_line.startswith("error: cannot "), result.err
            assert "read-only" in result.last_line, result.err
        else:
            assert result.status == 0, (command, result.err)
            assert result.out, command


@pytest.fixture
def shared_folder(archive) -> Iterator[Path]:
    """A folder another user can reach (pytest's tmp folders are private to root), with the archive."""
    folder = Path(tempfile.mkdtemp(prefix="readonly-"))
    folder.chmod(0o755)
    shutil.copyfile(archive, folder / "archive.sqlite3")
    try:
        yield folder
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_the_mode_ro_url_reads_and_refuses_writes(archive):
    before = archive.read_bytes()
    commands = READING + WRITING
    results = run_all(f"sqlite:///file:{archive}?mode=ro&uri=true", commands, as_nobody=False)
    check(results, commands)
    assert "油茶林里的党员责任田" in results[0].out
    assert f"revision {schema.head()} (head)" in results[4].out
    assert archive.read_bytes() == before


@pytest.mark.parametrize("read_only", ["file", "folder"])
def test_a_read_only_file_or_folder_reads_and_refuses_writes(shared_folder, read_only):
    path = shared_folder / "archive.sqlite3"
    before = path.read_bytes()
    path.chmod(0o444)
    if read_only == "folder":
        shared_folder.chmod(0o555)
    commands = READING + WRITING
    results = run_all(f"sqlite:///{path}", commands, as_nobody=os.geteuid() == 0)
    check(results, commands)
    assert path.read_bytes() == before
    if read_only == "folder":
        assert sorted(p.name for p in shared_folder.iterdir()) == ["archive.sqlite3"]  # no -shm, no -wal
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_harvest_refuses_a_read_only_archive_in_one_line(archive):
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "harvest", "--once",
         "-s", f"HARVEST_DB_URL=sqlite:///file:{archive}?mode=ro&uri=true"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip().splitlines()[-1] == (
        "error: cannot harvest into the archive: it is opened read-only (mode=ro or immutable in the URL)"
    )
    assert "Traceback" not in result.stderr
