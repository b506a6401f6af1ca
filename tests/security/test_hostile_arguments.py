"""Hostile and careless arguments to every archive command: one `error:` line and status 2, or a
warning, never a traceback. Each case runs through scrapy.cmdline.execute in this process (the
real parser, process_options and run); the cases that need a real process (a closed pipe,
undecodable bytes in argv, a crawler process) run as one.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.db import schema
from tests.commands.runner import scrapy
from tests.conftest import ROOT

HUGE = "9" * 40
ERROR = re.compile(r"^([\w. -]+: )?error: ")  # argparse prefixes the program name

# (arguments, exit status, what the last stderr line says (regex) or None, warnings expected)
CASES = [
    (["search", "油茶", "--until", "9999-12-31"], 0, None, []),
    (["search", "油茶", "--since", "0001-01-01"], 0, None, []),
    (["export", "-o", "-", "--format", "csv", "--since", "0001-01-01", "--until", "9999-12-31"], 0, None, []),
    (["search", "\udcff\udcfe"], 2, r"error: an argument is not valid UTF-8 text: \\udcff", []),
    (["search", "x", "--site", "油\udce9"], 2, r"error: option --site is not valid UTF-8.*: 油\\udce9", []),
    (["show", "²"], 1, r"error: no article '²' in the archive", []),
    (["show", HUGE], 1, rf"error: no article '{HUGE}'", []),
    (["search", "油茶", "--limit", HUGE], 2, r"error: argument --limit: not a whole number", []),
    (["search", "油茶", "--limit", "²"], 2, r"error: argument --limit: not a whole number", []),
    (["stats", "--top", "0"], 2, r"error: argument --top: not a whole number", []),
    (["show", "http://[::1/x"], 1, r"error: no article 'http://\[::1/x'", []),
    (["search", "http://[::1/x"], 0, None, []),
    (["search", "油茶", "--bogus"], 2, r"error: unknown option --bogus", []),
    (["search", "油茶", "-光山"], 0, None, []),  # a leading '-' before Chinese is the query's NOT
    (["search", "--", "-油茶"], 2, r"error: '-油茶' only excludes", []),
    (["search", "油茶", "-x"], 2, r"error: unknown option -x", []),
    (["show", "--", "-1"], 1, r"error: no article '-1'", []),
    (["reclean", "--dry-run", "--frobnicate"], 2, r"error: unknown option --frobnicate", []),
    (["search", "油茶", "--since", "2026-13-01"], 2, r"error: --since: not a day: '2026-13-01'", []),
    (["search", "油茶", "--since", "2026-02-01", "--until", "2026-01-01"], 0, None, ["is after --until"]),
    (["search", "油茶", "--region", "火星"], 0, None, ["--region 火星: no province"]),
    (["search", "油茶", "--region", "999999"], 0, None, ["--region 999999"]),
    (["export", "-o", "-", "--format", "jsonl", "--site", "nowhere.example"], 0, None, ["--site nowhere"]),
    (["search", "油茶", "--region", "光山"], 0, None, []),
    (["show"], 2, r"error: give one article id or URL", []),
    (["db", "frobnicate"], 2, r"error: give one of: upgrade, current, copy", []),
    (["db", "copy", "--to", "not a url"], 2, r"error: copy: --to 'not a url' is not a database URL", []),
    (["export", "-o", "out.txt"], 2, r"error: give --format jsonl, csv or parquet", []),
    (["search", '"'], 2, r"error: unclosed quote", []),
    (["stats", "-s", "HARVEST_DB_URL=garbage"], 2, r"error: not a database URL: Could not parse", []),
    (
        ["stats", "-s", "HARVEST_DB_URL=postgresql+psycopg://x@127.0.0.1:1/x"],
        1,
        r"error: the archive: connection failed: .*Connection refused",
        [],
    ),
]


def run_on(archive, command: str, *argv: str):
    return scrapy(command, "-s", f"HARVEST_DB_URL=sqlite:///{archive}", *argv)  # before a `--`


@pytest.mark.parametrize(("argv", "status", "said", "warnings"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_each_case_says_one_line_and_never_a_traceback(archive, argv, status, said, warnings):
    result = run_on(archive, *argv)
    assert result.status == status, result.err
    assert "Traceback" not in result.err
    if said is not None:
        assert re.search(said, result.last_line), result.err
        assert result.err.count("error:") == 1, result.err
        if status == 2:
            assert ERROR.match(result.last_line), result.err
    else:
        assert "error:" not in result.err, result.err
    said_warnings = [line for line in result.err.splitlines() if line.startswith("warning: ")]
    for warning in warnings:
        assert any(warning in line for line in said_warnings), result.err


def test_export_into_a_missing_folder_writes_nothing(archive, tmp_path):
    target = tmp_path / "missing" / "articles.jsonl"
    result = run_on(archive, "export", "-o", str(target))
    assert result.status == 2
    assert result.last_line == f"error: cannot use {target}: No such file or directory"
    assert not target.parent.exists()


def test_db_current_on_a_missing_file_does_not_create_it(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    missing = tmp_path / "nothing.sqlite3"
    for command in (["db", "current"], ["search", "x"], ["stats"], ["show", "1"], ["reclean"]):
        result = scrapy(*command, "-s", f"HARVEST_DB_URL=sqlite:///{missing}")
        assert result.status == 2, result.err
        assert result.last_line.startswith(f"error: no archive at {missing}")
    assert not missing.exists() and list(tmp_path.iterdir()) == []


def test_an_archive_of_a_newer_version_is_refused_by_every_command_and_not_written(archive):
    import sqlite3

    with sqlite3.connect(archive) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'f00d'")
    conn.close()
    before = archive.read_bytes()
    commands = [["search", "油茶"], ["show", "1"], ["stats"], ["export", "-o", "-", "--format", "jsonl"],
                ["db", "current"], ["db", "upgrade"], ["reclean"], ["reclean", "--dry-run"]]  # fmt: skip
    for command in commands:
        result = run_on(archive, *command)
        assert result.status == 2, (command, result.err)
        line = result.last_line
        assert "schema revision f00d" in line and f"knows revisions up to {schema.head()}" in line, line
        assert "upgrade the harvester" in line and "db upgrade" not in line, line
    assert archive.read_bytes() == before


@pytest.mark.slow
def test_output_into_a_closed_pipe_stops_quietly(archive):
    """`scrapy export -o - | head -1`: the reader goes away after one line."""
    export = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "export", "-o", "-", "--format", "jsonl",
         "-s", f"HARVEST_DB_URL=sqlite:///{archive}"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert export.stdout is not None and export.stderr is not None
    first = export.stdout.readline()
    export.stdout.close()  # what head does after its line
    err = export.stderr.read().decode()
    export.stderr.close()
    assert export.wait(timeout=60) == 1
    assert b'"title"' in first
    assert "Traceback" not in err and "BrokenPipe" not in err, err


@pytest.mark.slow
def test_undecodable_bytes_in_argv_are_one_error_line(archive):
    result = subprocess.run(
        [sys.executable.encode(), b"-m", b"scrapy", b"search", b"\xff\xfe",
         b"-s", f"HARVEST_DB_URL=sqlite:///{archive}".encode()],
        cwd=ROOT, capture_output=True, timeout=60,
    )  # fmt: skip
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, err
    assert err.strip().splitlines()[-1].endswith(r"error: an argument is not valid UTF-8 text: \udcff\udcfe")
    assert "Traceback" not in err


# --- generated arguments ---------------------------------------------------------------------------

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cc",)), max_size=12)
_day = st.one_of(st.dates().map(str), _text)
_options = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["--since", "--until"]), _day),
        st.tuples(st.sampled_from(["--site", "--source", "--author", "--region"]), _text),
        st.tuples(st.just("--limit"), st.one_of(st.integers(-5, 10**30).map(str), _text)),
    ),
    max_size=3,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    command=st.sampled_from(["search", "show", "export", "stats"]),
    words=st.lists(st.one_of(_text, st.integers(-(10**30), 10**30).map(str)), max_size=3),
    options=_options,
)
def test_generated_arguments_never_raise(archive, command, words, options):
    argv = [command, *words]
    for name, value in options:
        if command == "search" or name != "--limit":
            argv += [name, value]
    if command == "export":
        argv += ["-o", "-", "--format", "csv"]
    result = run_on(archive, *argv)  # an exception escaping would fail the test with its traceback
    assert result.status in (0, 1, 2), result
    if result.status:
        assert "error: " in result.last_line or result.last_line.startswith("search: "), result.err


def test_stats_takes_the_filters(archive):
    import json

    whole = json.loads(run_on(archive, "stats", "--format", "json").out)
    result = run_on(
        archive, "stats", "--format", "json", "--since", "2026-03-01", "--site", "www.xcgb.com.cn"
    )
    since = json.loads(result.out)
    assert whole["articles"] == 300
    # article n is published on day 2026-01-01 + n (China time); 59 is 2026-03-01; even n on www.xcgb.com.cn
    assert since["articles"] == len([n for n in range(59, 300) if n % 2 == 0])
    assert [row["site"] for row in since["per_site_month"]] == ["www.xcgb.com.cn"] * 8
    assert result.err == ""


def test_a_database_without_an_archive_is_one_error_line(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")
    for command in (["db", "current"], ["search", "x"], ["stats"]):
        result = scrapy(command[0], "-s", f"HARVEST_DB_URL=sqlite:///{empty}", *command[1:])
        assert result.status == 2, result.err
        assert result.last_line.endswith("holds no archive (no articles table): harvest first")
    assert empty.read_bytes() == b""
