"""The storage stage's database work alone: write_batch on a crawl's articles, CPU ms per batch.

`python -m bench.store [SOURCE.sqlite3] [--articles 2000] [--batch 50] [--repeat 3] [--digest]`
reads the articles (and raw pages) of an archive a crawl wrote, in the order they were stored
(without SOURCE: first a product crawl, as bench.crawl runs it, of a replica of --articles
stories, mirror copies included, into a temporary archive), and writes them again through
crawler.db.store.write_batch into a fresh SQLite file, in batches of --batch as the storage
stage does: a first pass (every article new: upserts, sightings, regions, search index,
fingerprints and mirror clusters), then a second pass of the same batches (a re-check where
nothing changed). It prints the CPU milliseconds per batch of each pass (median of --repeat
fresh files; CPU time of this process, which other jobs on the machine do not inflate).

`--digest` also prints a SHA-256 of every table the passes wrote (rows in key order, the
moments of writing left out): two versions of the storage code that store the same thing print
the same digests.

`--busy K` (3; 0 for none) also writes the first K batches into a fresh file twice more, alone and then while
another thread of this process runs Python without pause (a stand-in for a crawl's busy reactor),
and prints the wall time per batch of each. In a crawl the writer thread shares the GIL with the
reactor: each time it lets the GIL go (every row SQLite steps through, a page compressed or
hashed, a numpy step of a fingerprint) it may wait the interpreter's switch interval
(sys.getswitchinterval(), 5 ms) to get it back, so a batch can take far longer than its CPU time.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from bench.crawl import crawl, replica
from crawler.db import make_engine
from crawler.db.models import Article, RawPage
from crawler.db.store import RawPageRecord, read_raw_body, write_batch

# What pipelines.storage.article_row gives write_batch, read back from the archive
ROW_FIELDS = (
    "canonical_url", "url", "site", "spider", "title", "subtitle", "published_at", "source", "author",
    "editor", "body", "content_sha256", "edition", "regions", "encoding", "flags", "damaged",
    "fetched_at", "first_seen_at",
)  # fmt: skip
# Table -> the ORDER BY of its digest; columns named in VARYING are left out (written with now())
DIGESTED = {
    "raw_pages": "url, sha256",
    "articles": "id",
    "article_regions": "article_id, code",
    "article_urls": "url",
    "article_fingerprints": "article_id",
    "article_bands": "key, article_id",
    "article_revisions": "article_id, revision",
    "article_search_data": "id",
    "article_search_docsize": "id",
}
VARYING = {"superseded_at"}
Batch = list[tuple[RawPageRecord | None, dict[str, Any]]]


def read_batches(source: Path, size: int) -> list[Batch]:
    """The source archive's articles in batches, in the order they were first stored."""
    engine = make_engine(f"sqlite:///{source}")
    items: Batch = []
    with Session(engine) as session:
        pages = {page.id: page for page in session.scalars(select(RawPage))}
        for article in session.scalars(select(Article).order_by(Article.id)):
            row = {name: getattr(article, name) for name in ROW_FIELDS}
            page = pages.get(article.raw_page_id) if article.raw_page_id is not None else None
            raw = None
            if page is not None:
                raw = RawPageRecord(page.url, page.status, dict(page.headers), read_raw_body(page),
                                    page.first_fetched_at)  # fmt: skip
            items.append((raw, row))
    engine.dispose()
    return [items[start : start + size] for start in range(0, len(items), size)]


def timed_pass(engine: Engine, batches: list[Batch]) -> list[float]:
    """CPU milliseconds of write_batch per batch."""
    spent = []
    for batch in batches:
        started = time.process_time()
        write_batch(engine, batch)
        spent.append((time.process_time() - started) * 1000)
    return spent


def busy_wall(batches: list[Batch]) -> tuple[float, float]:
    """(wall s alone, wall s beside a thread running Python) of writing `batches` into fresh files."""
    walls = []
    stop = threading.Event()
    for busy in (False, True):
        with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'archive.sqlite3'}")
            if busy:
                threading.Thread(target=_spin, args=(stop,), daemon=True).start()
            started = time.perf_counter()
            timed_pass(engine, batches)
            walls.append(time.perf_counter() - started)
            engine.dispose()
    stop.set()
    return walls[0], walls[1]


def _spin(stop: threading.Event) -> None:
    """Python bytecode without pause, as a reactor busy with pages runs it, until `stop`."""
    total = 0
    while not stop.is_set():
        for number in range(1000):
            total += number


def digests(engine: Engine) -> dict[str, str]:
    out = {}
    with engine.connect() as conn:
        for table, order in DIGESTED.items():
            result = conn.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))
            keep = [n for n, name in enumerate(result.keys()) if name not in VARYING]
            digest = hashlib.sha256()
            for row in result:
                digest.update(repr([row[n] for n in keep]).encode())
            out[table] = digest.hexdigest()[:16]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("source", type=Path, nargs="?", help="an archive (SQLite file) a crawl wrote")
    parser.add_argument("--articles", type=int, default=2000, help="without SOURCE: stories of the replica")
    parser.add_argument(
        "--batch", type=int, default=50, help="articles per write_batch (as HARVEST_DB_BATCH_SIZE)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="fresh archives to write (median)")
    parser.add_argument("--digest", action="store_true", help="print a digest of each table written")
    parser.add_argument(
        "--busy", type=int, default=3, metavar="K",
        help="also time K batches alone and beside a thread running Python (the GIL shared); 0: not",
    )  # fmt: skip
    args = parser.parse_args()
    if args.busy < 0 or args.batch < 1 or args.repeat < 1:
        parser.error("--busy must be 0 or more, --batch and --repeat 1 or more")
    if args.source is not None:
        batches = read_batches(args.source, args.batch)
        name = args.source.name
    else:
        with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp, replica(args.articles) as info:
            crawl("product", info, Path(tmp))
            (source,) = Path(tmp).glob("bench-*.sqlite3")
            batches = read_batches(source, args.batch)
        name = f"a product crawl of {args.articles} replica stories"
    count = sum(len(b) for b in batches)
    first: list[float] = []
    second: list[float] = []
    tables: dict[str, str] = {}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'archive.sqlite3'}")
            first.append(sum(timed_pass(engine, batches)))
            second.append(sum(timed_pass(engine, batches)))
            if args.digest and not tables:
                tables = digests(engine)
            engine.dispose()
    per_batch = lambda total: total / len(batches)  # noqa: E731
    print(f"write_batch, {count} articles of {name} in {len(batches)} batches of {args.batch}, "
          f"median of {args.repeat}:")  # fmt: skip
    for name, totals in (("new", first), ("re-check, unchanged", second)):
        print(f"- {name}: {per_batch(statistics.median(totals)):.1f} ms CPU per batch "
              f"(min {per_batch(min(totals)):.1f}, max {per_batch(max(totals)):.1f}); "
              f"{statistics.median(totals) / count:.2f} s per 1,000 articles")  # fmt: skip
    for table, digest in tables.items():
        print(f"  {table}: {digest}")
    if args.busy:
        alone, shared = busy_wall(batches[: args.busy])
        done = len(batches[: args.busy])
        print(f"- the GIL shared: {done} batches take {shared / done * 1000:.0f} ms wall each beside a "
              f"thread running Python, {alone / done * 1000:.0f} ms alone ({shared / alone:.0f}x; switch "
              f"interval {sys.getswitchinterval() * 1000:g} ms)")  # fmt: skip


if __name__ == "__main__":
    main()
