"""Article extraction, side by side: this project, trafilatura and GNE (run: python -m bench.extraction).

Three page sets, each skipped with a message when its data is absent:

  news-dev    ../shared/corpus/news-dev/ (163 real pages from public extraction datasets, their
              labels in labels.jsonl) plus this project's own labels for a sample of them
              (bench/gold/news-dev.json), split into dev and held-out (bench/gold/news-dev-split.json)
  news-pages  the hand-labelled pages of ../shared/corpus/news-pages/ (bench/gold/news-pages.json)
  replica     the replica's main-host article pages, its manifest as the answer

The project is run the way `scrapy extract` runs it (crawler/commands/extract.py): the page's bytes
go through ExtractSpider.parse_input (the spider's raw Article item) and then every stage of the
project's ITEM_PIPELINES, built from the project settings, in order, minus storage. A page a stage
drops (DropItem: not an article, undecodable, no body after junk removal …) is a refusal. So the
figures are the product's behaviour, decoding included. trafilatura (bare_extraction with metadata)
and GNE (GeneralNewsExtractor().extract) get the text decoded once outside the timing: strict UTF-8,
else GB18030 with replacement (the recipe of the news-dev README, right for every page there) on
news-dev, the project's decode_page elsewhere. A peer returning nothing or an empty body refused.

news-dev scores (a field is scored on a page only when it has a label for it; see bench/README.md):
  script     every comparison is made in Simplified script (OpenCC tw2s on both sides): the
             product converts Traditional pages, the labels and the peers keep the page's script
  title      exact after all whitespace is removed from both sides
  day        published: the calendar day in China time; a label with only a year-month (or year)
             is compared at that precision; a UTC label (postlight) is turned into China time;
             a null from bench/gold/news-dev.json means the page shows no date: the extractor
             must give none
  time       on labels with a time: the same day and hour:minute (information, no target)
  author     the same set of names: both sides split on whitespace , ， 、 ; ； / | &, a Latin
             aside in brackets dropped (周思博 (Joel Spolsky) -> 周思博), single Han characters in
             a row joined (赵 培 -> 赵培); a null from bench/gold means no person is credited: the
             extractor must give none
  alternatives  a bench/gold value may be a list: any one is right (null among them: giving
             none is right too), for pages where a reader could fairly take either
  body F1    character F1 of the body against the label body, whitespace removed from both
             (bag of characters, the news-dev README's reference); a refused article scores 0.
             Reported apart for people-made labels (label_origin annotation: cwced, magic-html
             articles) and for extractor output (cx, newspaper4k, readability, fundus)
  refused    list pages refused, forum threads refused (counted apart), articles wrongly refused
  pages/s    all news-dev pages per second, best of --repeats passes
Labels: bench/gold/news-dev.json overrides the dataset's title/published/author of the pages it
lists (field by field, where it has the key); elsewhere the dataset's non-null value is used.
Failure lists name dev pages only; held-out pages are counted, not named (--show-heldout names
them), so development stays on dev.

news-pages scores (share of pages):
  title      exact after whitespace is collapsed
  published  same day in China time, and the same hour:minute when the label has a time;
             a page without a date must give none
  day        the same calendar day only (times ignored)
  author, source  exact after whitespace is collapsed; None when the label is null
  body recall     share of the label's positive snippets (first 20 chars, last 20 chars,
                  must_contain) found in the body, whitespace removed
  body precision  share of the label's must_not_contain snippets (chrome) absent from the body
  edges      body_first within the body's first 50 chars and body_last within its last 50
  rejects    list pages refused (dropped, or no text)
  pages/s    labelled pages per second, best of --repeats passes
On the replica: recall = share of the manifest's paragraphs found in the body; precision = share
of extracted paragraph characters that belong to the manifest's paragraphs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "news-pages"
NEWS_DEV = SHARED / "corpus" / "news-dev"
GOLD = ROOT / "bench" / "gold" / "news-pages.json"
DEV_GOLD = ROOT / "bench" / "gold" / "news-dev.json"
DEV_SPLIT = ROOT / "bench" / "gold" / "news-dev-split.json"
PEER_CACHE = ROOT / "data" / "bench" / "extraction-peers.json"
REPEATS = 2
_WS = re.compile(r"\s+")

# The targets (issue 13), checked on news-dev.
TARGET_TITLE, TARGET_DAY, TARGET_AUTHOR = 0.95, 0.90, 0.70
TARGET_F1_MARGIN, TARGET_F1_MEDIAN = 0.05, 0.93
TARGET_LISTS_REFUSED, TARGET_WRONGLY_REFUSED, TARGET_SPEED = 0.95, 0.02, 2.0


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
    reason: str = ""  # why it refused (the project's drop message)


# --- the product, as `scrapy extract` runs it --------------------------------------------------


class ProductChain:
    """`scrapy extract`'s chain: crawler.article.build_article with the project's settings.

    A saved file carries no HTTP headers; a refusal's message is the command's error (the drop
    reason of a crawl).
    """

    def __init__(self) -> None:
        os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
        from scrapy.utils.project import get_project_settings

        from crawler.article import Options

        self.options = Options.from_settings(get_project_settings())

    def run(self, raw: bytes, url: str, headers: dict[str, str] | None = None) -> Result:
        from crawler.article import RawPage, Refusal, build_article

        try:
            outcome = build_article(RawPage(raw, url, headers or {}), self.options)
        except Exception as crash:  # noqa: BLE001 - a crash is a finding, not a reason to stop
            return Result(rejected=True, reason=f"CRASH {type(crash).__name__}: {crash}"[:200])
        if isinstance(outcome, Refusal):
            return Result(rejected=True, reason=outcome.message)
        return Result(
            title=outcome.title,
            published=outcome.published_at,
            author=outcome.author,
            source=outcome.source,
            body="\n".join(outcome.body),
            paragraphs=tuple(outcome.body),
        )


# --- the peers ------------------------------------------------------------------------------


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


ALL_PEERS: dict[str, Callable[[str, str], Result]] = {"trafilatura": run_trafilatura, "gne": run_gne}


def installed_peers() -> dict[str, Callable[[str, str], Result]]:
    """The peers that import here (requirements-bench.txt); a note for each one missing."""
    from importlib.util import find_spec

    found = {name: run for name, run in ALL_PEERS.items() if find_spec(name) is not None}
    for name in ALL_PEERS.keys() - found.keys():
        print(f"({name} is not installed: pip install -r requirements-bench.txt to compare with it)")
    return found


PEERS: dict[str, Callable[[str, str], Result]] = {}  # set by main(): the installed ones


def _parse_any(value: Any) -> datetime | None:
    """A date an extractor returned (ISO string, epoch seconds, Chinese text), in China time."""
    from crawler.text.dates import CHINA, parse_date

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


def peer_versions() -> str:
    from importlib import metadata

    return ", ".join(f"{name} {metadata.version(name)}" for name in PEERS)


# --- shared helpers -------------------------------------------------------------------------


def _norm(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def _squash(text: str | None) -> str:
    return _WS.sub("", text or "")


_SIMPLIFY: Any = None


def simplified(text: str | None) -> str:
    """Text in Simplified script (OpenCC tw2s, the product's own conversion), for comparisons:
    the product turns Traditional pages into Simplified, the labels and the peers keep the page's
    script, so both sides of every news-dev comparison are converted."""
    global _SIMPLIFY
    if not text:
        return ""
    if _SIMPLIFY is None:
        import opencc

        _SIMPLIFY = opencc.OpenCC("tw2s")
    return _SIMPLIFY.convert(text)


def _short(text: Any, width: int = 38) -> str:
    text = "None" if text is None else _WS.sub(" ", str(text)).strip()
    return text if len(text) <= width else text[: width - 1] + "…"


def best_rate(passes: Iterable[float], pages: int) -> float:
    times = [t for t in passes if t > 0]
    return pages / min(times) if times else 0.0


def table(title: str, columns: list[str], rows: dict[str, dict[str, str]], first: str = "extractor") -> str:
    lines = [f"### {title}", "", f"| {first} | " + " | ".join(columns) + " |"]
    lines.append("|---|" + "---:|" * len(columns))
    for name, cells in rows.items():
        lines.append(f"| {name} | " + " | ".join(cells.get(c, "") for c in columns) + " |")
    return "\n".join(lines)


# ============================================================================================
# news-dev
# ============================================================================================


def china(value: datetime) -> datetime:
    from crawler.text.dates import CHINA

    return value.astimezone(CHINA) if value.tzinfo else value


@dataclass(frozen=True)
class LabelDate:
    """A published label: the calendar parts it gives (year[, month[, day]]) and maybe hh:mm."""

    parts: tuple[int, ...]
    clock: tuple[int, int] | None = None

    @classmethod
    def parse(cls, text: str) -> LabelDate:
        text = text.strip()
        if text.endswith("Z"):  # postlight: UTC
            moment = china(datetime.fromisoformat(text[:-1] + "+00:00"))
            return cls((moment.year, moment.month, moment.day), (moment.hour, moment.minute))
        found = re.fullmatch(
            r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?(?:[ T](\d{1,2}):(\d{1,2})(?::\d{1,2}(?:\.\d+)?)?)?", text
        )
        if not found:
            raise ValueError(f"unreadable published label {text!r}")
        year, month, day, hour, minute = found.groups()
        parts = tuple(int(p) for p in (year, month, day) if p is not None)
        clock = (int(hour), int(minute)) if hour is not None else None
        if clock == (0, 0) and "T00:00:00" in text:  # newspaper4k / fundus: day precision
            clock = None
        return cls(parts, clock)

    def same_day(self, got: datetime | None) -> bool:
        if got is None:
            return False
        got = china(got)
        return (got.year, got.month, got.day)[: len(self.parts)] == self.parts

    def same_time(self, got: datetime | None) -> bool:
        return self.same_day(got) and got is not None and (china(got).hour, china(got).minute) == self.clock

    def __str__(self) -> str:
        day = "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(self.parts))
        return day + (f" {self.clock[0]:02d}:{self.clock[1]:02d}" if self.clock else "")


_NAME_SPLIT = re.compile(r"[\s,，、;；/|｜&＆]+")
_LATIN_ASIDE = re.compile(r"[(（][^()（）\u4e00-\u9fff]*[)）]")  # 周思博 (Joel Spolsky), 琳达（Linda）
_ONE_HAN = re.compile(r"[\u4e00-\u9fff]")


def names(text: str | None) -> frozenset[str]:
    """The set of names in an author string: split on separators, a Latin aside in brackets
    dropped, and single Han characters in a row joined (a two-character name padded to three,
    `赵 培`, is one name)."""
    parts: list[str] = []
    for part in _NAME_SPLIT.split(_LATIN_ASIDE.sub(" ", text or "")):
        if not part:
            continue
        if parts and _ONE_HAN.fullmatch(part) and _ONE_HAN.fullmatch(parts[-1][-1:]) and len(parts[-1]) == 1:
            parts[-1] += part
        else:
            parts.append(part)
    return frozenset(parts)


def char_f1(pred: str | None, gold: str | None) -> tuple[float, float, float]:
    """(F1, precision, recall) over characters, whitespace removed (the news-dev README's F1)."""
    p = Counter(_squash(pred))
    g = Counter(_squash(gold))
    hit = sum((p & g).values())
    if not hit:
        return 0.0, 0.0, 0.0
    precision, recall = hit / sum(p.values()), hit / sum(g.values())
    return 2 * precision * recall / (precision + recall), precision, recall


def decode_for_peers(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


@dataclass
class DevPage:
    file: str
    source: str  # the file name's prefix: cwced, magichtml, cx, gerapyfork, gerapy, …
    kind: str  # article | list | forum
    origin: str  # annotation | extractor_output
    split: str  # dev | heldout
    url: str  # the dataset's URL, else the file's file:// URI (what `scrapy extract` would see)
    raw: bytes
    text: str  # decoded for the peers
    body: str | None  # label body
    # Effective labels: the accepted values (any one is right); nothing accepted = not scored.
    titles: list[str] = field(default_factory=list)
    dates: list[LabelDate] = field(default_factory=list)
    date_none_ok: bool = False  # no date is (one) right answer
    authors: list[frozenset[str]] = field(default_factory=list)
    author_none_ok: bool = False  # no author is (one) right answer
    label_from: dict[str, str] = field(default_factory=dict)  # field -> "gold" | "dataset"
    label_text: dict[str, str] = field(default_factory=dict)  # field -> the label as written

    @property
    def scores_date(self) -> bool:
        return bool(self.dates) or self.date_none_ok

    @property
    def scores_author(self) -> bool:
        return bool(self.authors) or self.author_none_ok


def split_of(files: dict[str, tuple[str, str]]) -> dict[str, list[str]]:
    """The dev/held-out rule (how bench/gold/news-dev-split.json was made; kept for `--write-split`).

    Strata: the source (file-name prefix; the one-page sources pooled as "other") and the page
    kind. Within a stratum, files in order of sha256(file name); every third from the second
    (index 1, 4, 7, …) is held out.
    """
    strata: dict[tuple[str, str], list[str]] = {}
    counts = Counter(source for source, _ in files.values())
    for name, (source, kind) in files.items():
        group = source if counts[source] > 1 else "other"
        strata.setdefault((group, kind), []).append(name)
    held = set()
    for members in strata.values():
        ordered = sorted(members, key=lambda n: hashlib.sha256(n.encode()).hexdigest())
        held.update(ordered[1::3])
    return {"dev": sorted(n for n in files if n not in held), "heldout": sorted(held)}


def read_dev_labels() -> list[dict]:
    return [
        json.loads(line)
        for line in (NEWS_DEV / "labels.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]


def load_dev(parts: tuple[str, ...] = ("dev", "heldout")) -> list[DevPage]:
    """The news-dev pages of the given parts of the split, with their effective labels."""
    labels = read_dev_labels()
    split = json.loads(DEV_SPLIT.read_text("utf-8"))
    where = {name: part for part in ("dev", "heldout") for name in split[part]}
    gold = json.loads(DEV_GOLD.read_text("utf-8"))["pages"] if DEV_GOLD.is_file() else {}
    pages = []
    for label in labels:
        name = label["file"]
        if name not in where:
            raise SystemExit(f"{name} is in neither part of {DEV_SPLIT.name}: rewrite it with --write-split")
        if where[name] not in parts:
            continue
        mine = gold.get(name, {})
        path = NEWS_DEV / "pages" / name
        raw = path.read_bytes()
        page = DevPage(
            file=name,
            source=name.split("__", 1)[0],
            kind=label["page_type"],
            origin=label["label_origin"],
            split=where[name],
            url=label.get("url") or path.resolve().as_uri(),
            raw=raw,
            text=decode_for_peers(raw),
            body=label.get("body"),
        )
        if page.kind == "article":
            _effective_labels(page, label, mine)
        pages.append(page)
    return pages


def _effective_labels(page: DevPage, dataset: dict, mine: dict) -> None:
    for key in ("title", "published", "author"):
        if key in mine:
            value, page.label_from[key] = mine[key], "gold"
        elif dataset.get(key) is not None:
            value, page.label_from[key] = dataset[key], "dataset"
        else:
            continue
        values = value if isinstance(value, list) else [value]
        page.label_text[key] = " | ".join("None" if v is None else str(v) for v in values)
        for one in values:
            if key == "title" and one:
                page.titles.append(one)
            elif key == "published":
                if one:
                    page.dates.append(LabelDate.parse(one))
                else:
                    page.date_none_ok = True
            elif key == "author":
                if one:
                    page.authors.append(names(simplified(one)))
                else:
                    page.author_none_ok = True


@dataclass
class Scored:
    """One extractor on one page: its result and the page's checks (None: not scored)."""

    result: Result
    title: bool | None = None
    day: bool | None = None
    time: bool | None = None
    author: bool | None = None
    f1: tuple[float, float, float] | None = None


def score_dev(page: DevPage, result: Result) -> Scored:
    scored = Scored(result)
    if page.kind != "article":
        return scored
    if page.titles:
        got = _squash(simplified(result.title))
        scored.title = any(got == _squash(simplified(title)) for title in page.titles)
    if page.scores_date:
        got_date = result.published
        if got_date is None:
            scored.day = page.date_none_ok
        else:
            scored.day = any(d.same_day(got_date) for d in page.dates)
        if page.dates and page.dates[0].clock:
            scored.time = any(d.clock and d.same_time(got_date) for d in page.dates)
    if page.scores_author:
        got_names = names(simplified(result.author))
        scored.author = page.author_none_ok if not got_names else got_names in page.authors
    if page.body is not None:
        scored.f1 = char_f1("" if result.rejected else simplified(result.body), simplified(page.body))
    return scored


def run_dev(
    pages: list[DevPage], repeats: int, with_peers: bool
) -> tuple[dict[str, list[Scored]], dict[str, float]]:
    """Score every extractor on every page; pages/s best of `repeats` passes (the first is scored)."""
    outcome: dict[str, list[Scored]] = {}
    rates: dict[str, float] = {}
    passes: list[float] = []
    for attempt in range(repeats):
        chain = ProductChain()
        start = time.perf_counter()
        results = [chain.run(p.raw, p.url) for p in pages]
        passes.append(time.perf_counter() - start)
        if attempt == 0:
            outcome["project"] = [score_dev(p, r) for p, r in zip(pages, results, strict=True)]
    rates["project"] = best_rate(passes, len(pages))
    if not with_peers:
        return outcome, rates
    for name, run in PEERS.items():
        passes = []
        for attempt in range(repeats):
            start = time.perf_counter()
            results = [run(p.text, p.url if p.url.startswith("http") else "") for p in pages]
            passes.append(time.perf_counter() - start)
            if attempt == 0:
                outcome[name] = [score_dev(p, r) for p, r in zip(pages, results, strict=True)]
        rates[name] = best_rate(passes, len(pages))
    return outcome, rates


# --- the peers' cache (for quick project-only runs) ------------------------------------------


def save_peers(pages: list[DevPage], outcome: dict[str, list[Scored]], rates: dict[str, float]) -> None:
    data: dict[str, Any] = {"versions": peer_versions(), "rates": {}, "pages": {}}
    for name in PEERS:
        data["rates"][name] = rates[name]
        for page, scored in zip(pages, outcome[name], strict=True):
            r = scored.result
            data["pages"].setdefault(page.file, {})[name] = {
                "title": r.title,
                "published": r.published.isoformat() if r.published else None,
                "author": r.author,
                "body": r.body,
                "rejected": r.rejected,
            }
    PEER_CACHE.parent.mkdir(parents=True, exist_ok=True)
    PEER_CACHE.write_text(json.dumps(data, ensure_ascii=False), "utf-8")


def load_peers(pages: list[DevPage], outcome: dict[str, list[Scored]], rates: dict[str, float]) -> bool:
    if not PEER_CACHE.is_file():
        return False
    data = json.loads(PEER_CACHE.read_text("utf-8"))
    if data.get("versions") != peer_versions() or any(p.file not in data["pages"] for p in pages):
        return False
    for name in PEERS:
        rates[name] = data["rates"][name]
        outcome[name] = []
        for page in pages:
            saved = data["pages"][page.file][name]
            published = datetime.fromisoformat(saved["published"]) if saved["published"] else None
            result = Result(
                title=saved["title"], published=published, author=saved["author"], body=saved["body"],
                rejected=saved["rejected"],
            )  # fmt: skip
            outcome[name].append(score_dev(page, result))
    return True


# --- news-dev figures -------------------------------------------------------------------------


def _share(values: list[bool]) -> float | None:
    return sum(values) / len(values) if values else None


def figures(pages: list[DevPage], scored: list[Scored]) -> dict[str, Any]:
    """The headline figures of one extractor on a set of pages (value, count) pairs."""
    pairs = list(zip(pages, scored, strict=True))
    people = [s.f1[0] for p, s in pairs if s.f1 is not None and p.origin == "annotation"]
    machine = [s.f1[0] for p, s in pairs if s.f1 is not None and p.origin != "annotation"]

    def checks(name: str) -> list[bool]:
        return [getattr(s, name) for _, s in pairs if getattr(s, name) is not None]

    def refused(kind: str) -> list[bool]:
        return [s.result.rejected for p, s in pairs if p.kind == kind]

    return {
        "title": checks("title"),
        "day": checks("day"),
        "time": checks("time"),
        "author": checks("author"),
        "f1 people": people,
        "f1 extractor": machine,
        "lists refused": refused("list"),
        "forums refused": refused("forum"),
        "articles refused": refused("article"),
    }


def cell(values: list, kind: str) -> str:
    if not values:
        return "-"
    if kind == "share":
        return f"{sum(values) / len(values):.2f} ({sum(values)}/{len(values)})"
    if kind == "mean":
        return f"{statistics.fmean(values):.3f} ({len(values)})"
    if kind == "median":
        return f"{statistics.median(values):.3f}"
    raise ValueError(kind)


DEV_COLUMNS = [
    ("title", "title", "share"),
    ("day", "day", "share"),
    ("time", "time", "share"),
    ("author", "author", "share"),
    ("F1 people mean", "f1 people", "mean"),
    ("F1 people median", "f1 people", "median"),
    ("F1 extractor-output mean", "f1 extractor", "mean"),
    ("lists refused", "lists refused", "share"),
    ("forums refused", "forums refused", "share"),
    ("articles refused", "articles refused", "share"),
]


def dev_table(
    title: str, pages: list[DevPage], outcome: dict[str, list[Scored]], rates: dict[str, float] | None
) -> str:
    rows: dict[str, dict[str, str]] = {}
    columns = [c for c, _, _ in DEV_COLUMNS] + (["pages/s"] if rates else [])
    for name, scored in outcome.items():
        found = figures(pages, scored)
        rows[name] = {column: cell(found[key], kind) for column, key, kind in DEV_COLUMNS}
        if rates:
            rows[name]["pages/s"] = f"{rates[name]:.1f}"
    return table(title, columns, rows)


def per_source_table(pages: list[DevPage], outcome: dict[str, list[Scored]]) -> str:
    names_ = list(outcome)
    columns = ["pages", "title", "day", "author", "body F1 mean", "non-articles refused", "articles refused"]
    rows: dict[str, dict[str, str]] = {}
    for source in sorted({p.source for p in pages}, key=lambda s: (-sum(p.source == s for p in pages), s)):
        index = [i for i, p in enumerate(pages) if p.source == source]
        subset = [pages[i] for i in index]
        cells: dict[str, list[str]] = {c: [] for c in columns[1:]}
        for name in names_:
            found = figures(subset, [outcome[name][i] for i in index])
            f1 = found["f1 people"] + found["f1 extractor"]
            non = found["lists refused"] + found["forums refused"]
            cells["title"].append(_fmt_share(found["title"]))
            cells["day"].append(_fmt_share(found["day"]))
            cells["author"].append(_fmt_share(found["author"]))
            cells["body F1 mean"].append(f"{statistics.fmean(f1):.2f}" if f1 else "-")
            cells["non-articles refused"].append(_fmt_share(non))
            cells["articles refused"].append(_fmt_share(found["articles refused"]))
        kinds = Counter(p.kind for p in subset)
        origin = {p.origin for p in subset}
        made = (
            "people"
            if origin == {"annotation"}
            else "mixed"
            if "annotation" in origin
            else "extractor output"
        )
        label = f"{source} ({made})"
        rows[label] = {"pages": ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))}
        for column, values in cells.items():
            rows[label][column] = " / ".join(values) if any(v != "-" for v in values) else "-"
    return table(f"per source, all pages ({' / '.join(names_)})", columns, rows, first="source")


def _when(value: datetime | None) -> str:
    return china(value).isoformat(" ", "minutes") if value else "None"


def _fmt_share(values: list[bool]) -> str:
    return f"{sum(values) / len(values):.2f}" if values else "-"


def target_lines(
    pages: list[DevPage], outcome: dict[str, list[Scored]], rates: dict[str, float]
) -> list[str]:
    parts = {
        "all": list(range(len(pages))),
        "dev": [i for i, p in enumerate(pages) if p.split == "dev"],
        "held-out": [i for i, p in enumerate(pages) if p.split == "heldout"],
    }
    found = {
        part: {
            name: figures([pages[i] for i in idx], [scored[i] for i in idx])
            for name, scored in outcome.items()
        }
        for part, idx in parts.items()
    }
    peers = [n for n in outcome if n != "project"]

    def value(part: str, name: str, key: str, how: str = "share") -> float | None:
        values = found[part][name][key]
        if not values:
            return None
        if how == "median":
            return statistics.median(values)
        return sum(values) / len(values) if how == "share" else statistics.fmean(values)

    def line(label: str, key: str, how: str, check: Callable[[float, str], tuple[bool, str]]) -> str:
        got = {part: value(part, "project", key, how) for part in parts}
        if got["all"] is None:
            return f"n/a   {label}: nothing to score"
        ok, bound = check(got["all"], "all")
        others = ", ".join(f"{part} {got[part]:.3f}" for part in ("dev", "held-out") if got[part] is not None)
        return f"{'PASS' if ok else 'FAIL'}  {label}: {got['all']:.3f} {bound}  ({others})"

    def at_least(target: float) -> Callable[[float, str], tuple[bool, str]]:
        return lambda v, _: (v >= target, f"≥ {target:.2f}")

    def at_most(target: float) -> Callable[[float, str], tuple[bool, str]]:
        return lambda v, _: (v <= target, f"≤ {target:.2f}")

    lines = [
        line("title exact", "title", "share", at_least(TARGET_TITLE)),
        line("published day", "day", "share", at_least(TARGET_DAY)),
        line("author", "author", "share", at_least(TARGET_AUTHOR)),
    ]
    if peers:
        best = max(peers, key=lambda n: value("all", n, "f1 people", "mean") or 0.0)
        wanted = (value("all", best, "f1 people", "mean") or 0.0) + TARGET_F1_MARGIN
        lines.append(
            line(
                "body F1 people-made, mean", "f1 people", "mean",
                lambda v, _: (v >= wanted, f"≥ {wanted:.3f} (best peer {best} + {TARGET_F1_MARGIN})"),
            )
        )  # fmt: skip
    else:
        lines.append(
            "n/a   body F1 people-made, mean vs best peer: no peer figures (run once without --project-only)"
        )
    lines.append(line("body F1 people-made, median", "f1 people", "median", at_least(TARGET_F1_MEDIAN)))
    if peers:
        below = collapsed(pages, outcome)
        dev = [p for p, _, _ in below if p.split == "dev"]
        lines.append(
            f"{'PASS' if not below else 'FAIL'}  no page with body F1 < 0.5 while a peer > 0.9: "
            f"{len(below)} such pages (dev {len(dev)}, held-out {len(below) - len(dev)})"
        )
    lines.append(line("list pages refused", "lists refused", "share", at_least(TARGET_LISTS_REFUSED)))
    lines.append(
        line("articles wrongly refused", "articles refused", "share", at_most(TARGET_WRONGLY_REFUSED))
    )
    forums = value("all", "project", "forums refused")
    if forums is not None:
        lines.append(f"info  forum threads refused: {forums:.3f} (policy: refused by default)")
    if "trafilatura" in rates:
        ratio = rates["project"] / rates["trafilatura"] if rates["trafilatura"] else float("inf")
        lines.append(
            f"{'PASS' if ratio >= TARGET_SPEED else 'FAIL'}  speed: {rates['project']:.1f} pages/s = "
            f"{ratio:.2f}× trafilatura's {rates['trafilatura']:.1f} (≥ {TARGET_SPEED:.1f}×)"
        )
    return lines


def collapsed(pages: list[DevPage], outcome: dict[str, list[Scored]]) -> list[tuple[DevPage, float, str]]:
    """People-made pages where the project's body F1 < 0.5 while a peer's > 0.9."""
    found = []
    for i, page in enumerate(pages):
        mine = outcome["project"][i].f1
        if mine is None or page.origin != "annotation" or mine[0] >= 0.5:
            continue
        better = [(outcome[n][i].f1 or (0.0,))[0] for n in outcome if n != "project"]
        peer = max(
            ((f, n) for f, n in zip(better, [n for n in outcome if n != "project"], strict=True)),
            default=None,
        )
        if peer and peer[0] > 0.9:
            found.append((page, mine[0], f"{peer[1]} {peer[0]:.2f}"))
    return found


def failure_lines(
    pages: list[DevPage], outcome: dict[str, list[Scored]], worst: int, show_heldout: bool
) -> list[str]:
    """The project's failures by class, worst first: dev pages named, held-out pages counted."""
    shown = [i for i, p in enumerate(pages) if show_heldout or p.split == "dev"]
    hidden = [i for i, p in enumerate(pages) if not (show_heldout or p.split == "dev")]
    mine = outcome["project"]
    below = collapsed(pages, outcome) if len(outcome) > 1 else []
    lines: list[str] = []

    def block(
        name: str,
        chosen: Callable[[int], bool],
        row: Callable[[int], str],
        order: Callable[[int], Any] = lambda i: 0,
    ) -> None:
        hits = sorted((i for i in shown if chosen(i)), key=order)
        hid = sum(1 for i in hidden if chosen(i))
        extra = f"; held-out: {hid} more" if hidden else ""
        lines.append(
            f"{name}: {len(hits)} {'pages' if not show_heldout else 'pages (dev + held-out)'}{extra}"
        )
        for i in hits[:worst]:
            tag = " [H]" if pages[i].split == "heldout" else ""
            lines.append(f"  {pages[i].file}{tag}  {row(i)}")
        if len(hits) > worst:
            lines.append(f"  … {len(hits) - worst} more")

    block(
        "CRASHED (an exception in a stage: a bug, not a refusal)",
        lambda i: mine[i].result.reason.startswith("CRASH"),
        lambda i: _short(mine[i].result.reason, 100),
    )
    block(
        "title wrong",
        lambda i: mine[i].title is False,
        lambda i: (
            f"got {_short(mine[i].result.title)} | want {_short(pages[i].label_text['title'])}"
            f" ({pages[i].label_from['title']})"
        ),
    )
    block(
        "published day wrong",
        lambda i: mine[i].day is False,
        lambda i: (
            f"got {_when(mine[i].result.published)} | "
            f"want {pages[i].label_text['published']} ({pages[i].label_from['published']})"
        ),
    )
    block(
        "author wrong",
        lambda i: mine[i].author is False,
        lambda i: (
            f"got {_short(mine[i].result.author, 24)} | want {_short(pages[i].label_text['author'], 30)}"
            f" ({pages[i].label_from['author']})"
        ),
    )
    block(
        "body F1 < 0.5 while a peer's > 0.9 (people-made labels)",
        lambda i: any(page is pages[i] for page, _, _ in below),
        lambda i: next(f"F1 {f1:.2f} | {peer}" for page, f1, peer in below if page is pages[i]),
    )
    block(
        "articles wrongly refused",
        lambda i: pages[i].kind == "article" and mine[i].result.rejected,
        lambda i: _short(mine[i].result.reason, 90),
    )
    block(
        "non-articles kept",
        lambda i: pages[i].kind != "article" and not mine[i].result.rejected,
        lambda i: (
            f"{pages[i].kind}; title {_short(mine[i].result.title)}, {len(_squash(mine[i].result.body))} ch."
        ),
    )
    block(
        "body F1 < 0.9, people-made labels (low precision P = extra text, low recall R = text missing)",
        lambda i: pages[i].origin == "annotation" and mine[i].f1 is not None and mine[i].f1[0] < 0.9,
        lambda i: (
            "F1 {:.2f} P {:.2f} R {:.2f}".format(*mine[i].f1)
            + "".join(
                f" | {n} {outcome[n][i].f1[0]:.2f}" for n in outcome if n != "project" and outcome[n][i].f1
            )
        ),
        order=lambda i: mine[i].f1[0],
    )
    block(
        "body F1 < 0.8, extractor-output labels (cx etc.: their label keeps related-news tails)",
        lambda i: pages[i].origin != "annotation" and mine[i].f1 is not None and mine[i].f1[0] < 0.8,
        lambda i: (
            "F1 {:.2f} P {:.2f} R {:.2f}".format(*mine[i].f1)
            + "".join(
                f" | {n} {outcome[n][i].f1[0]:.2f}" for n in outcome if n != "project" and outcome[n][i].f1
            )
        ),
        order=lambda i: mine[i].f1[0],
    )
    return lines


def show_pages(pages: list[DevPage], outcome: dict[str, list[Scored]], wanted: list[str]) -> None:
    """--page FILE: every extractor's fields next to the labels (for looking at one page)."""
    for i, page in enumerate(pages):
        if page.file not in wanted and not any(w in page.file for w in wanted):
            continue
        print(f"\n== {page.file}  ({page.source}, {page.kind}, {page.origin}, {page.split})")
        print(f"   labels: {page.label_text} (from {page.label_from})")
        for name, scored in outcome.items():
            r = scored[i].result
            f1 = "F1 {:.2f} P {:.2f} R {:.2f}".format(*scored[i].f1) if scored[i].f1 else ""
            print(f"   {name:12} refused={r.rejected} {r.reason}")
            print(f"   {'':12} title {r.title!r} | published {r.published} | author {r.author!r} | {f1}")
            print(f"   {'':12} body {_short(r.body, 120)!s} … {_short(r.body[-60:], 60)}")


def news_dev(args: argparse.Namespace) -> int:
    if not NEWS_DEV.is_dir():
        print(f"news-dev: skipped: the shared corpus is not at {NEWS_DEV} (needs ../shared beside the repo)")
        return 0
    if args.write_split:
        files = {lab["file"]: (lab["file"].split("__", 1)[0], lab["page_type"]) for lab in read_dev_labels()}
        parts = split_of(files)
        DEV_SPLIT.write_text(
            json.dumps(
                {
                    "_about": " ".join((split_of.__doc__ or "").split("\n\n", 1)[1].split()),
                    **parts,
                },
                ensure_ascii=False,
                indent=1,
            )
            + "\n",
            "utf-8",
        )
        print(
            f"wrote {DEV_SPLIT.relative_to(ROOT)}: dev {len(parts['dev'])}, held-out {len(parts['heldout'])}"
        )
    pages = load_dev()
    with_peers = not args.project_only
    outcome, rates = run_dev(pages, args.repeats, with_peers)
    if with_peers:
        if PEERS:
            save_peers(pages, outcome, rates)
    elif not load_peers(pages, outcome, rates):
        print("(no cached peer figures: run once without --project-only to compare)")
    if args.page:
        show_pages(pages, outcome, args.page)
        return 0
    if args.dev_only:
        index = [i for i, p in enumerate(pages) if p.split == "dev"]
        pages = [pages[i] for i in index]
        outcome = {name: [scored[i] for i in index] for name, scored in outcome.items()}
    kinds = Counter(p.kind for p in pages)
    dev = [p for p in pages if p.split == "dev"]
    bodies = [p for p in pages if p.body is not None and p.kind == "article"]
    gold_pages = sum(1 for p in pages if "gold" in p.label_from.values())
    print(
        f"## news-dev: {len(pages)} pages ({kinds['article']} articles, {kinds['list']} list pages, "
        f"{kinds['forum']} forum threads) from {NEWS_DEV}"
    )
    print(
        f"Split ({DEV_SPLIT.relative_to(ROOT)}): dev {len(dev)}, held-out {len(pages) - len(dev)}. "
        f"Labels: the datasets', and bench/gold/news-dev.json on {gold_pages} pages. "
        f"Labelled articles: title {sum(bool(p.titles) for p in pages)}, "
        f"published {sum(p.scores_date for p in pages)}, "
        f"author {sum(p.scores_author for p in pages)}, "
        f"body {len(bodies)} ({sum(p.origin == 'annotation' for p in bodies)} people-made)."
    )
    if not with_peers:
        print(f"(peers from {PEER_CACHE.relative_to(ROOT)}, not run now)")
    print()
    parts = (
        (("dev", "dev"),)
        if args.dev_only
        else (("all", "all pages"), ("dev", "dev"), ("heldout", "held-out"))
    )
    for part, label in parts:
        index = [i for i, p in enumerate(pages) if part == "all" or p.split == part]
        subset = [pages[i] for i in index]
        chosen = {name: [scored[i] for i in index] for name, scored in outcome.items()}
        print(
            dev_table(
                f"news-dev, {label} ({len(subset)} pages)",
                subset,
                chosen,
                rates if part == parts[0][0] else None,
            )
        )
        print()
    print(per_source_table(pages, outcome))
    print()
    print("### targets (issue 13; project on all news-dev pages, dev / held-out in brackets)")
    print()
    print("```")
    print("\n".join(target_lines(pages, outcome, rates)))
    print("```")
    print()
    print("### the project's failures by class (dev pages named; bench/gold labels marked gold)")
    print()
    print("```")
    print("\n".join(failure_lines(pages, outcome, args.worst, args.show_heldout)))
    print("```")
    return 0


# ============================================================================================
# news-pages and the replica
# ============================================================================================


def _same_date(found: datetime | None, label: str | None) -> bool:
    if label is None:
        return found is None
    if found is None:
        return False
    found = china(found)
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


@dataclass
class Input:
    """One page for the old sets: bytes and headers for the project, decoded text for the peers."""

    raw: bytes
    url: str
    headers: dict[str, str]
    text: str
    answer: Any


def compare(
    inputs: list[Input], score: Callable[[Any, Result], dict[str, float]], repeats: int
) -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    runners: dict[str, Callable[[], list[Result]]] = {}

    def project() -> list[Result]:
        chain = ProductChain()
        return [chain.run(i.raw, i.url, i.headers) for i in inputs]

    runners["project"] = project
    for name, run in PEERS.items():
        runners[name] = lambda run=run: [run(i.text, "") for i in inputs]
    for name, runner in runners.items():
        passes, results = [], []
        for attempt in range(repeats):
            start = time.perf_counter()
            found = runner()
            passes.append(time.perf_counter() - start)
            results = found if attempt == 0 else results
        scores: dict[str, list[float]] = {}
        for item, result in zip(inputs, results, strict=True):
            for key, value in score(item.answer, result).items():
                scores.setdefault(key, []).append(value)
        rows[name] = {key: f"{sum(v) / len(v):.0%}" for key, v in scores.items()}
        rows[name]["pages/s"] = f"{best_rate(passes, len(inputs)):.1f}"
    return rows


def news_pages(args: argparse.Namespace) -> int:
    from crawler.text.decoding import decode_page

    if not CORPUS.is_dir() or not GOLD.is_file():
        print(f"news-pages: skipped: the shared corpus is not at {CORPUS} (needs ../shared beside the repo)")
        return 0
    labels = json.loads(GOLD.read_text("utf-8"))["pages"]
    inputs = []
    for label in labels:
        path = CORPUS / label["file"]
        raw = path.read_bytes()
        inputs.append(Input(raw, path.resolve().as_uri(), {}, decode_page(raw, None).text, label))
    articles = sum(1 for label in labels if not label.get("not_article"))
    print(f"## news-pages: {articles} labelled articles + {len(labels) - articles} list pages from {CORPUS}")
    print()
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
    print(
        table(f"news-pages corpus ({len(labels)} pages)", columns, compare(inputs, score_gold, args.repeats))
    )
    return 0


def replica(args: argparse.Namespace) -> int:
    from crawler.text.decoding import decode_page
    from replica.model import MAIN
    from replica.site import build_site

    site = build_site(80)
    inputs = []
    for entry in site.articles():
        if entry.host != MAIN:
            continue
        page = site.pages[(entry.host, entry.path)]
        headers = {"Content-Type": page.content_type}
        text = decode_page(page.body, page.content_type).text
        inputs.append(Input(page.body, f"http://127.0.0.1:8921{entry.path}", headers, text, entry))
    columns = ["title", "published", "day", "author", "source", "recall", "precision", "pages/s"]
    print(f"## replica: {len(inputs)} article pages (main host), the manifest as the answer")
    print()
    print(
        table(
            f"replica article pages ({len(inputs)} pages, main host)",
            columns,
            compare(inputs, score_replica, args.repeats),
        )
    )
    return 0


PARTS = {"news-dev": news_dev, "news-pages": news_pages, "replica": replica}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.extraction", description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--part", action="append", choices=sorted(PARTS), help="only this page set (repeatable)"
    )
    parser.add_argument(
        "--repeats", type=int, default=REPEATS, help="timed passes per extractor (best counts)"
    )
    parser.add_argument(
        "--project-only", action="store_true", help="news-dev: reuse the peers' cached results"
    )
    parser.add_argument("--worst", type=int, default=8, help="news-dev: pages listed per failure class")
    parser.add_argument(
        "--show-heldout", action="store_true", help="news-dev: name held-out pages in failure lists"
    )
    parser.add_argument(
        "--dev-only",
        action="store_true",
        help="news-dev: print dev pages only (held-out pages are run, cached for the peers, never shown)",
    )
    parser.add_argument(
        "--page", action="append", help="news-dev: show every extractor's output for this file"
    )
    parser.add_argument(
        "--write-split", action="store_true", help="news-dev: rewrite bench/gold/news-dev-split.json"
    )
    args = parser.parse_args(argv)
    PEERS.update(installed_peers())
    if args.page:
        args.part = ["news-dev"]
    status = 0
    for name in args.part or list(PARTS):
        status |= PARTS[name](args)
        print()
    print("Definitions (bench/extraction.py; label conventions in bench/README.md):")
    print("```")
    print("news-dev scores" + (__doc__ or "").split("news-dev scores", 1)[1].rstrip())
    print("```")
    return status


if __name__ == "__main__":
    sys.exit(main())
