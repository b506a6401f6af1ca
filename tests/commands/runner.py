"""Run `scrapy COMMAND …` in this process, as the `scrapy` script would, capturing what it says.

In process, a case costs milliseconds instead of a second of start-up; the code path is the
real one (scrapy.cmdline.execute: the argument parser, process_options, the guarded run, the
exit status). The working directory must be the project's. For the commands that start no
crawler process (the archive commands; any command refused in process_options): a crawl runs
Twisted's reactor, which cannot be started twice in one process. Each command keeps a test
through a real `scrapy` process too (the entry point itself). Run as a module it takes a JSON
list of argument lists and prints a JSON list of results, so the read-only tests can run every
command in one process of another user.
"""

from __future__ import annotations

import io
import json
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import asdict, dataclass

from scrapy.cmdline import execute


@dataclass
class Result:
    status: int
    out: str
    err: str

    @property
    def last_line(self) -> str:
        lines = self.err.strip().splitlines()
        return lines[-1] if lines else ""


def scrapy(*argv: str) -> Result:
    """`scrapy ARGV…` in process (the working directory must be the project's)."""
    out, err = io.StringIO(), io.StringIO()
    status: int | str | None = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            execute(["scrapy", *argv])
        except SystemExit as leaving:
            status = leaving.code
    return Result(int(status or 0) if not isinstance(status, str) else 1, out.getvalue(), err.getvalue())


if __name__ == "__main__":
    results = [asdict(scrapy(*argv)) for argv in json.loads(sys.argv[1])]
    sys.stdout.write(json.dumps(results, ensure_ascii=False))
