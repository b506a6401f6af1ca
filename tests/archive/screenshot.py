"""The archive's Datasette search page in headless Chromium: a screenshot and the rendered DOM.

A dev step (Chromium is a Debian package, `apt-get install chromium`; Chinese needs a CJK font,
`fonts-noto-cjk`), also run by tests/archive/test_browser.py when Chromium is there:

    .venv/bin/python -m tests.archive.screenshot data/demo.sqlite3 docs/datasette-search.png
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--no-first-run", "--disable-component-update", "--disable-sync"]  # fmt: skip
QUERY = "乡村 治理"


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def datasette(archive: Path):
    """`datasette ARCHIVE` (the installed command, plugins by entry point) on a free port; its URL."""
    port = _free_port()
    command = [str(Path(sys.executable).with_name("datasette")), str(archive), "-p", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/-/versions.json", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            said = server.stderr.read().decode() if server.stderr else ""
            raise RuntimeError(f"datasette did not start: {said}")
        yield url
    finally:
        server.terminate()
        server.wait(10)
        if server.stderr is not None:
            server.stderr.close()


def render(url: str, screenshot: Path) -> str:
    """Load `url` in headless Chromium: write a screenshot, return the rendered DOM."""
    browser = chromium()
    assert browser, "no chromium on PATH (apt-get install chromium)"
    with tempfile.TemporaryDirectory() as profile:
        flags = [*CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1280,900"]
        subprocess.run([browser, *flags, f"--screenshot={screenshot}", url], check=True, capture_output=True,
                       timeout=120)  # fmt: skip
        dump = [browser, *flags, "--dump-dom", url]
        dom = subprocess.run(dump, check=True, capture_output=True, timeout=120)
    return dom.stdout.decode("utf-8")


def search_page(archive: Path, screenshot: Path, query: str = QUERY) -> str:
    """The `search` query's page for `query`, rendered; its DOM."""
    with datasette(archive) as url:
        return render(f"{url}/{archive.stem}/search?q={quote(query)}", screenshot)


if __name__ == "__main__":
    archive, out = Path(sys.argv[1]), Path(sys.argv[2])
    search_page(archive, out)
    print(f"wrote {out}")
