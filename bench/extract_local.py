"""`scrapy extract` on saved files: forty files against one, in the same run.

Saved pages are not a site: no politeness delay, no AutoThrottle. Target (issue 16): forty
local files take no more than 3x the time of one (the command's start-up is most of it).
The pages are copies of the seed capture (tests/fixtures/seed), each under its own name.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seed" / "000_08909e7ef7bbc5dc.txt"
RUNS = 3
MANY = 40


def timed_extract(paths: list[Path]) -> float:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "extract", *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    took = time.monotonic() - started
    printed = result.stdout.count("\n")
    if result.returncode != 0 or printed != len(paths):
        raise SystemExit(
            f"scrapy extract failed (exit {result.returncode}, {printed} lines): {result.stderr[-500:]}"
        )
    return took


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        copies = []
        for n in range(MANY):
            copies.append(Path(folder) / f"page{n:02d}.txt")
            shutil.copyfile(SEED, copies[-1])
        one = statistics.median(timed_extract(copies[:1]) for _ in range(RUNS))
        many = statistics.median(timed_extract(copies) for _ in range(RUNS))
    ratio = many / one
    print("## bench.extract_local: `scrapy extract` on saved files\n")
    print("| files | median wall s (3 runs) |")
    print("|---|---|")
    print(f"| 1 | {one:.2f} |")
    print(f"| {MANY} | {many:.2f} |")
    print(f"\n{MANY} files / 1 file = {ratio:.2f}x  ({'PASS' if ratio <= 3 else 'FAIL'}: target <= 3x)")


if __name__ == "__main__":
    main()
