"""Article extraction, side by side: this project, trafilatura and GNE (run: python -m bench.extraction).

Pages: the hand-labelled pages of the shared news-pages corpus (bench/gold/news-pages.json), and
the replica's own article pages (replica.site.build_site(), answers in its manifest; main host
only, the mirrors' damage is the cleaners' business). Every extractor gets the same decoded text
(crawler.text.decoding.decode_page, done once, outside the timing).

Extractors:
  project  the crawl's item chain after decoding: crawler.extract.extract_page (site profiles,
           else the generic extractor), then the normalize, junk and metadata stages' functions
  generic  crawler.extract.generic.extract_generic alone, its meta lines parsed (no cleaning)
  trafilatura  bare_extraction(with_metadata=True); its `sitename` stands in for 来源
  gne      GeneralNewsExtractor().extract(); it has no 来源 field
For project/generic, date, author and source come from meta_lines through parse_date and
parse_byline, as pipelines/metadata.py does; the other two report their own fields.

Scores (share of pages):
  title      exact after whitespace is collapsed
  published  same day in China time, and the same hour:minute when the label has a time;
             a page without a date must give none
  day        the same calendar day only (times ignored)
  author, source  exact after whitespace is collapsed; None when the label is null
  body recall     share of the label's positive snippets (first 20 chars, last 20 chars,
                  must_contain) found in the body, whitespace removed
  body precision  share of the label's must_not_contain snippets (chrome) absent from the body
  edges      body_first within the body's first 50 chars and body_last within its last 50
  rejects    list pages refused (NotAnArticle, or no text)
  pages/s    labelled pages per second, best of 3 runs
On the replica: recall = share of the manifest's paragraphs found in the body; precision = share
of extracted paragraph characters that belong to the manifest's paragraphs.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter

from crawler.extract import NotAnArticle, extract_page
from crawler.extract.generic import extract_generic
from crawler.items import Article
from crawler.text.byline import parse_byline
from crawler.text.dates import CHINA, date_from_url, parse_date
from crawler.text.decoding import decode_page
from crawler.text.junk import remove_junk
from pipelines.metadata import fill_metadata
from pipelines.normalize import normalize_article

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "news-pages"
GOLD = ROOT / "bench" / "gold" / "news-pages.json"
REPEATS = 3
_WS = re.compile(r"\s+")


@dataclass
class Result:
    """What one extractor said about one page (None where it has no such field)."""

    title: str | None = None
    published: datetime | None = None
    author: str | None = None
    source: str | None = None
    body: str = ""
    paragraphs: tuple[str, ...] = ()
    rejected: bool = False


# --- the extractors -----------------------------------------------------------------------


def _from_fields(fields: Any, url: str = "") -> Result:
    meta = "  ".join(fields.meta_lines)
    byline = parse_byline(meta)
    published = parse_date(meta) or (date_from_url(url) if url else None)
    return Result(
        title=fields.title,
        published=published,
        author=byline.author,
        source=byline.source,
        body="\n".join(fields.body),
        paragraphs=tuple(fields.body),
    )


def run_project(text: str, url: str = "") -> Result:
    """The crawl's chain after decoding: extract, normalize, junk, metadata (pipelines' own functions)."""
    try:
        fields = extract_page(text)
    except NotAnArticle:
        return Result(rejected=True)
    article = ItemAdapter(
        Article(url=url, title=fields.title, subtitle=fields.subtitle, meta_lines=fields.meta_lines,
                editor_lines=fields.editor_lines, body=fields.body, flags=[])
    )  # fmt: skip
    normalize_article(article)
    article["body"], _ = remove_junk(article["body"])
    fill_metadata(article)
    return Result(
        title=article["title"],
        published=article["published_at"],
        author=article["author"],
        source=article["source"],
        body="\n".join(article["body"]),
        paragraphs=tuple(article["body"]),
    )


def run_generic(text: str, url: str = "") -> Result:
    try:
        return _from_fields(extract_generic(text), url)
    except NotAnArticle:
        return Result(rejected=True)


def run_trafilatura(text: str, url: str = "") -> Result:
    from trafilatura import bare_extraction

    document = bare_extraction(
        text,
        url=url or None,
        with_metadata=True,
        include_comments=False,
        date_extraction_params={"outputformat": "%Y-%m-%dT%H:%M:%S", "original_date": True},
    )
    if document is None:
        return Result(rejected=True)
    found = document if isinstance(document, dict) else document.as_dict()
    body = found.get("text") or ""
    return Result(
        title=found.get("title"),
        published=_parse_any(found.get("date")),
        author=found.get("author"),
        source=found.get("sitename"),
        body=body,
        paragraphs=tuple(p for p in body.split("\n") if p.strip()),
        rejected=not body.strip(),
    )


_GNE: Any = None


def run_gne(text: str, url: str = "") -> Result:
    global _GNE
    if _GNE is None:
        from gne import GeneralNewsExtractor

        _GNE = GeneralNewsExtractor()
    try:
        found = _GNE.extract(text)
    except Exception:  # noqa: BLE001 - GNE raises bare errors on pages it cannot read; count as refused
        return Result(rejected=True)
    body = found.get("content") or ""
    return Result(
        title=found.get("title"),
        published=_parse_any(found.get("publish_time")),
        author=found.get("author") or None,
        body=body,
        paragraphs=tuple(p for p in body.split("\n") if p.strip()),
        rejected=not body.strip(),
    )


def _parse_any(value: Any) -> datetime | None:
    """A date an extractor returned (ISO string, epoch seconds, Chinese text), in China time."""
    if not value:
        return None
    text = str(value).strip()
    if re.fullmatch(r"\d{10}(?:\.\d+)?", text):
        return datetime.fromtimestamp(float(text), CHINA)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return parse_date(text)
    return parsed.replace(tzinfo=CHINA) if parsed.tzinfo is None else parsed.astimezone(CHINA)


EXTRACTORS: dict[str, Callable[..., Result]] = {
    "project": run_project,
    "generic": run_generic,
    "trafilatura": run_trafilatura,
    "gne": run_gne,
}


# --- scoring ------------------------------------------------------------------------------


def _norm(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def _squash(text: str | None) -> str:
    return _WS.sub("", text or "")


def _same_date(found: datetime | None, label: str | None) -> bool:
    if label is None:
        return found is None
    if found is None:
        return False
    found = found.astimezone(CHINA) if found.tzinfo else found
    if len(label) == 10:
        return found.date().isoformat() == label
    wanted = datetime.fromisoformat(label)
    return found.date() == wanted.date() and (found.hour, found.minute) == (wanted.hour, wanted.minute)


def score_gold(label: dict, result: Result) -> dict[str, float]:
    if label.get("not_article"):
        return {"rejects": float(result.rejected or not result.body.strip())}
    body = _squash(result.body)
    positives = [label["body_first"], label["body_last"], *label["must_contain"]]
    first_at = body.find(_squash(label["body_first"]))
    last_at = body.rfind(_squash(label["body_last"]))
    return {
        "title": float(_norm(result.title) == _norm(label["title"])),
        "published": float(_same_date(result.published, label["published"])),
        "day": float(_same_date(result.published, (label["published"] or "")[:10] or None)),
        "author": float(_norm(result.author) == _norm(label["author"])),
        "source": float(_norm(result.source) == _norm(label["source"])),
        "recall": sum(_squash(s) in body for s in positives) / len(positives),
        "precision": sum(_squash(s) not in body for s in label["must_not_contain"])
        / len(label["must_not_contain"]),
        "edges": float(
            0 <= first_at <= 50 and last_at >= 0 and len(body) - last_at - len(label["body_last"]) <= 50
        ),
    }


def score_replica(entry: Any, result: Result) -> dict[str, float]:
    body = _squash(result.body)
    wanted = [_squash(p) for p in entry.body]
    kept = [_squash(p) for p in result.paragraphs]
    clean = "".join(wanted)
    kept_chars = sum(len(p) for p in kept)
    return {
        "title": float(_norm(result.title) == _norm(entry.title)),
        "published": float(_same_date(result.published, entry.published_at)),
        "day": float(_same_date(result.published, entry.published_at[:10])),
        "author": float(_norm(result.author) == _norm(entry.author or None)),
        "source": float(_norm(result.source) == _norm(entry.source or None)),
        "recall": sum(p in body for p in wanted) / max(len(wanted), 1),
        "precision": sum(len(p) for p in kept if p in clean) / kept_chars if kept_chars else 0.0,
    }


# --- running ------------------------------------------------------------------------------


def load_gold() -> list[tuple[dict, str]]:
    labels = json.loads(GOLD.read_text("utf-8"))["pages"]
    return [(label, decode_page((CORPUS / label["file"]).read_bytes(), None).text) for label in labels]


def load_replica() -> list[tuple[Any, str, str]]:
    from replica.site import MAIN, build_site

    site = build_site(80)
    pages = []
    for entry in site.articles():
        if entry.host != MAIN:
            continue
        page = site.pages[(entry.host, entry.path)]
        pages.append((entry, decode_page(page.body, page.content_type).text, entry.path))
    return pages


def timed(run: Callable[..., Result], texts: list[str]) -> float:
    """Pages per second over all texts, best of REPEATS runs."""
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        for text in texts:
            run(text)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def table(title: str, columns: list[str], rows: dict[str, dict[str, str]]) -> str:
    lines = [f"### {title}", "", "| extractor | " + " | ".join(columns) + " |"]
    lines.append("|---|" + "---:|" * len(columns))
    for name, cells in rows.items():
        lines.append(f"| {name} | " + " | ".join(cells.get(c, "") for c in columns) + " |")
    return "\n".join(lines)


def mean(values: list[float]) -> str:
    return f"{sum(values) / len(values):.0%}" if values else "-"


def main() -> int:
    if not CORPUS.is_dir() or not GOLD.is_file():
        print(f"skipped: the shared corpus is not at {CORPUS} (needs ../shared beside the repository)")
        return 0
    gold = load_gold()
    articles = [label for label, _ in gold if not label.get("not_article")]
    print(f"Gold: {len(articles)} labelled articles + {len(gold) - len(articles)} list pages from {CORPUS}")
    columns = [
        "title",
        "published",
        "day",
        "author",
        "source",
        "recall",
        "precision",
        "edges",
        "rejects",
        "pages/s",
    ]
    rows: dict[str, dict[str, str]] = {}
    for name, run in EXTRACTORS.items():
        scores: dict[str, list[float]] = {}
        for label, text in gold:
            for key, value in score_gold(label, run(text)).items():
                scores.setdefault(key, []).append(value)
        rows[name] = {key: mean(values) for key, values in scores.items()}
        rows[name]["pages/s"] = f"{timed(run, [text for _, text in gold]):.1f}"
    print()
    print(table(f"news-pages corpus ({len(gold)} pages)", columns, rows))

    replica = load_replica()
    rows = {}
    for name, run in EXTRACTORS.items():
        scores = {}
        for entry, text, path in replica:
            for key, value in score_replica(entry, run(text, path)).items():
                scores.setdefault(key, []).append(value)
        rows[name] = {key: mean(values) for key, values in scores.items()}
        rows[name]["pages/s"] = f"{timed(run, [text for _, text, _ in replica]):.1f}"
    print()
    print(table(f"replica article pages ({len(replica)} pages, main host)", [*columns[:7], "pages/s"], rows))
    print()
    print("Scores" + __doc__.split("Scores", 1)[1].rstrip() if __doc__ else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
