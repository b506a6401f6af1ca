"""The generic `site` spider on a site it has no profile for (run: .venv/bin/python -m bench.site_spider).

Pages: the real pages of the shared corpus `../shared/corpus/news-dev/pages` (labels.jsonl:
134 articles, 29 non-articles: list pages and forum threads), read in place, never copied.
A local HTTP server (in this process, 127.0.0.1) serves them behind generated channel lists:
a home page, then `/xwzx/index.html`, `index_1.html` … of 15 links each with a 下一页 link,
the articles and non-articles shuffled together. Two layouts of the addresses:

  shaped  articles at the article URL shapes of the field notes (TRS, dated paths, DedeCMS,
          Founder, Hanweb, `article_show.aspx?id=N`), forum threads at `/bbs/thread-N-1-1.html`
          and list pages at `/zt/N/` (as on real sites)
  hard    every page, article or not, at a TRS article address: only the extractor's verdict
          and the list-page rule can keep non-articles out

Each layout is harvested by `scrapy crawl site -a start=http://127.0.0.1:PORT/ -a depth=2`
(a subprocess, no politeness delay) into a fresh SQLite file. Figures: share of the articles
stored (target >= 90 %), non-articles stored (target 0), pages fetched, wall time. Without
`../shared` the benchmark prints why and exits 0.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "news-dev"
PAGE_SIZE = 15
SETTINGS = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING",
            "-s", "HARVEST_RECHECK_DAYS=0"]  # fmt: skip
SHAPES = (
    "/xwzx/2024{m:02d}/t2024{m:02d}{d:02d}_{n}.html",
    "/yw/2024-{m:02d}-{d:02d}/{n}.html",
    "/a/news/2024{m:02d}{d:02d}/{n}.html",
    "/pc/con/2024{m:02d}/{d:02d}/content_{n}.html",
    "/art/2024/{m}/{d}/art_12_{n}.html",
    "/news/article_show.aspx?id={n}",
)


@dataclass
class Served:
    file: str
    is_article: bool
    address: str  # path (and query) on the bench server


def layout(labels: list[dict], mode: str, rng: random.Random) -> list[Served]:
    """Where each corpus page is served."""
    served = []
    for n, label in enumerate(labels, start=1):
        month, day = 1 + n % 12, 1 + n % 28
        if label["is_article"] or mode == "hard":
            address = SHAPES[n % len(SHAPES)].format(m=month, d=day, n=1000 + n)
            if mode == "hard":
                address = SHAPES[0].format(m=month, d=day, n=1000 + n)
        elif label.get("page_type") == "forum":
            address = f"/bbs/thread-{1000 + n}-1-1.html"
        else:
            address = f"/zt/{1000 + n}/"
        served.append(Served(label["file"], label["is_article"], address))
    rng.shuffle(served)
    return served


def list_pages(served: list[Served]) -> dict[str, bytes]:
    """The home page and the channel's paginated list pages."""
    pages = {"/": b'<html><head><meta charset="utf-8"><title>bench</title></head><body>'
                  b'<a href="/xwzx/index.html">news</a></body></html>'}  # fmt: skip
    chunks = [served[i : i + PAGE_SIZE] for i in range(0, len(served), PAGE_SIZE)]
    for n, chunk in enumerate(chunks):
        items = "".join(
            f'<li><a href="{s.address}">item {s.file[:12]}</a><span>2024-01-01</span></li>' for s in chunk
        )
        pager = f'<a href="index_{n + 1}.html">下一页</a>' if n + 1 < len(chunks) else ""
        name = "index.html" if n == 0 else f"index_{n}.html"
        head = '<html><head><meta charset="utf-8"><title>list</title></head>'
        page = f"{head}<body><ul>{items}</ul>{pager}</body></html>"
        pages[f"/xwzx/{name}"] = page.encode("utf-8")
    return pages


class Handler(BaseHTTPRequestHandler):
    pages: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        key = parts.path + (f"?{parts.query}" if parts.query else "")
        body = self.pages.get(key)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def run(mode: str, labels: list[dict]) -> dict:
    served = layout(labels, mode, random.Random(15))
    Handler.pages = {
        **list_pages(served),
        **{s.address: (CORPUS / "pages" / s.file).read_bytes() for s in served},
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as folder:
        db_url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"start={base}/", "-a", "depth=2",
             "-s", f"HARVEST_DB_URL={db_url}", *SETTINGS],
            cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        took = time.perf_counter() - started
        server.shutdown()
        if result.returncode != 0:
            raise SystemExit(f"the crawl failed:\n{result.stderr[-3000:]}")
        engine = create_engine(db_url)
        with engine.connect() as conn:
            stored = {row[0] for row in conn.execute(text("SELECT url FROM articles"))}
            [(pages, dropped)] = conn.execute(text("SELECT pages_fetched, dropped FROM crawl_runs"))
        engine.dispose()
    by_address = {base + s.address: s for s in served}
    kept = [by_address[url] for url in stored if url in by_address]
    articles = sum(s.is_article for s in served)
    return {
        "mode": mode,
        "articles": articles,
        "articles_stored": sum(s.is_article for s in kept),
        "non_articles": len(served) - articles,
        "non_articles_stored": sorted(s.file for s in kept if not s.is_article),
        "other_stored": len(stored) - len(kept),
        "pages": pages,
        "dropped": json.loads(dropped) if isinstance(dropped, str) else dropped,
        "missed": sorted(s.file for s in served if s.is_article and base + s.address not in stored),
        "seconds": round(took, 1),
    }


def main() -> int:
    if not (CORPUS / "labels.jsonl").is_file():
        print(f"bench.site_spider: skipped: {CORPUS} is absent (the shared corpus is read in place)")
        return 0
    labels = [
        json.loads(line)
        for line in (CORPUS / "labels.jsonl").read_text(encoding="utf-8").splitlines()
        if line
    ]
    results = [run(mode, labels) for mode in ("shaped", "hard")]
    print("## bench.site_spider: the generic spider on real pages behind generated lists\n")
    print("| addresses | articles stored | non-articles stored | other pages stored | pages fetched | time |")
    print("|---|---|---|---|---|---|")
    for r in results:
        share = r["articles_stored"] / r["articles"]
        print(f"| {r['mode']} | {r['articles_stored']}/{r['articles']} ({share:.1%}) | "
              f"{len(r['non_articles_stored'])}/{r['non_articles']} | {r['other_stored']} | {r['pages']} | "
              f"{r['seconds']} s |")  # fmt: skip
    for r in results:
        reasons = json.dumps(r["dropped"], ensure_ascii=False)
        print(f"\n{r['mode']}: pages dropped or failed, by reason: {reasons}")
        if r["non_articles_stored"]:
            print(f"{r['mode']}: non-articles stored: {', '.join(r['non_articles_stored'])}")
        if "-v" in sys.argv:
            print(f"{r['mode']}: articles missed: {', '.join(r['missed'])}")
    print(
        "\nTargets: >= 90 % of the articles stored, 0 non-articles (`shaped`: the addresses real sites use)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
