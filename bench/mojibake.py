"""Mirror repair measured on simulated damage (run: .venv/bin/python -m bench.mojibake).

Clean text: the replica's hand-written articles (``replica/content``, the seed's clean text
first) and, when ``../shared`` is present, the article bodies labelled in
``../shared/corpus/news-dev/labels.jsonl`` (third-party text, read in place), in the two parts
of ``bench/gold/news-dev-split.json``: **dev**, which the repair was tuned on, and
**held-out**, which it was not, reported apart. Every paragraph of 20 characters or more is
converted and damaged the way the mirrors do it (``replica/mojibake.py``: Traditional with
pinyin, then one byte-shift event at a random character; the replica's three times over,
news-dev's once), and repaired with ``repair_mojibake``. Per span: **exact** (the mirror's
undamaged text comes back), **left** (the span stays as it was; by the reason flagged) or
**wrong** (changed into something else: the rate that must stay near zero), per source and
for all.
Clean text (the Simplified paragraphs, their undamaged mirror versions, and the bodies the
extractor finds in ``../shared/corpus/news-pages``) must come back unchanged. Times: per
2,000 characters of undamaged text (the fast path) and of damaged paragraphs only (one span
in each paragraph), best of several runs.

``--show-left N`` prints N spans left per reason, from the replica and news-dev's dev part only
(never held-out): the damaged text beside what the mirror served, to see why the repair stopped.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections import Counter
from pathlib import Path

from crawler.text.mojibake import repair_mojibake
from replica.model import load_pool
from replica.mojibake import Damaged, damage_once

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SPLIT = Path(__file__).resolve().parent / "gold" / "news-dev-split.json"
MIN_CHARS = 20
COPIES = {"replica": 3, "news-dev dev": 1, "news-dev held-out": 1}  # damaged versions of each paragraph
TARGET_CHARS = 2000
REPEATS = 5
SPANS_PER_ARTICLE = 3  # "a few characters per page" (field notes)


def replica_paragraphs() -> list[str]:
    return [p for story in load_pool() for p in [story.title, *story.paragraphs] if len(p) >= MIN_CHARS]


def news_dev_paragraphs() -> dict[str, list[str]]:
    """news-dev's labelled paragraphs by part of the split: ``dev`` (tuned on) and ``heldout``."""
    labels = SHARED / "news-dev" / "labels.jsonl"
    if not labels.exists():
        return {}
    split = json.loads(SPLIT.read_text(encoding="utf-8"))
    part = {name: key for key in ("dev", "heldout") for name in split[key]}
    found: dict[str, list[str]] = {"dev": [], "heldout": []}
    for line in labels.read_text(encoding="utf-8").splitlines():
        label = json.loads(line)
        body = label.get("body") or ""
        paragraphs = [p.strip() for p in body.split("\n") if len(p.strip()) >= MIN_CHARS]
        found[part[label["file"]]].extend(paragraphs)
    return found


def news_pages_bodies() -> list[str]:
    pages = SHARED / "news-pages"
    if not pages.is_dir():
        return []
    from crawler.extract import extract_page
    from crawler.text.decoding import decode_page

    found = []
    for path in sorted(pages.glob("*.html")):
        try:
            found.extend(extract_page(decode_page(path.read_bytes(), None).text).body)
        except Exception:  # noqa: BLE001 - a page the extractor refuses has no body to check
            continue
    return found


def _around(damaged: Damaged) -> str:
    """The damaged stretch of a text beside the mirror's, with a few characters either side."""
    text, mirror = damaged.damaged, damaged.mirror
    start = next((i for i, (a, b) in enumerate(zip(text, mirror, strict=False)) if a != b), 0)
    tail = 0
    while tail < min(len(text), len(mirror)) - start and text[-1 - tail] == mirror[-1 - tail]:
        tail += 1
    left = max(0, start - 4)
    return f"{text[left : len(text) - tail + 4]}  (mirror: {mirror[left : len(mirror) - tail + 4]})"


def measure(
    paragraphs: list[str], rng: random.Random, copies: int
) -> tuple[Counter[str], list[str], list[str], dict[str, list[str]]]:
    """Damage each paragraph ``copies`` times and repair it.

    Returns the outcomes, the wrong repairs, the damaged texts and the spans left by reason.
    """
    outcomes: Counter[str] = Counter()
    wrong: list[str] = []
    damaged_texts: list[str] = []
    left: dict[str, list[str]] = {}
    for paragraph in paragraphs:
        for _ in range(copies):
            damaged = damage_once(paragraph, rng)
            if damaged is None:
                continue
            damaged_texts.append(damaged.damaged)
            outcomes[f"spans ({damaged.kind})"] += 1
            repaired, flags = repair_mojibake(damaged.damaged)
            if repaired == damaged.mirror:
                outcomes["exact"] += 1
                outcomes[f"exact ({damaged.kind})"] += 1
            elif repaired == damaged.damaged:
                reasons = [f.split(":")[2] for f in flags if f.startswith("mojibake-unrepaired")]
                reason = reasons[0] if reasons else "not found"
                outcomes[f"left: {reason}"] += 1
                left.setdefault(reason, []).append(_around(damaged))
            else:
                outcomes["wrong"] += 1
                pairs = zip(damaged.mirror, repaired, strict=False)
                at = max(0, next((i for i, (a, b) in enumerate(pairs) if a != b), 0) - 4)
                wrong.append(f"{damaged.mirror[at : at + 8]} -> {repaired[at : at + 8]}")
    return outcomes, wrong, damaged_texts, left


def articles_of(paragraphs: list[str]) -> list[list[str]]:
    """Consecutive paragraphs grouped into articles of at least TARGET_CHARS characters."""
    articles: list[list[str]] = [[]]
    for paragraph in paragraphs:
        articles[-1].append(paragraph)
        if sum(map(len, articles[-1])) >= TARGET_CHARS:
            articles.append([])
    return [article for article in articles if sum(map(len, article)) >= TARGET_CHARS]


def per_article_ms(articles: list[list[str]]) -> float:
    """Median time of repair_mojibake over the paragraphs of an article, per 2,000 characters."""
    times = []
    for article in articles:
        best = float("inf")
        for _ in range(REPEATS):
            start = time.perf_counter()
            for paragraph in article:
                repair_mojibake(paragraph)
            best = min(best, time.perf_counter() - start)
        times.append(best * 1e3 * TARGET_CHARS / sum(map(len, article)))
    return statistics.median(times) if times else float("nan")


def mirror_pages(mirrors: list[Damaged]) -> list[str]:
    """Mirror paragraphs in order, the first SPANS_PER_ARTICLE of every article damaged."""
    paragraphs: list[str] = []
    chars = damaged = 0
    for item in mirrors:
        if chars >= TARGET_CHARS:
            chars = damaged = 0
        paragraphs.append(item.damaged if damaged < SPANS_PER_ARTICLE else item.mirror)
        damaged += 1
        chars += len(paragraphs[-1])
    return paragraphs


def main() -> None:
    """Print the outcome per span, the clean-text check and the times."""
    parser = argparse.ArgumentParser(description="Mirror repair measured on simulated damage.")
    parser.add_argument("--show-left", type=int, default=0, metavar="N", help="spans left, per reason")
    args = parser.parse_args()
    rng = random.Random(14)
    replica = replica_paragraphs()
    parts = news_dev_paragraphs()
    news_dev = [paragraph for paragraphs in parts.values() for paragraph in paragraphs]
    start = time.perf_counter()
    repair_mojibake("突?l")
    print(f"one-time warm-up (wordfreq word table): {time.perf_counter() - start:.2f} s")
    sets = [("replica", replica)]
    if parts:
        sets += [("news-dev dev", parts["dev"]), ("news-dev held-out", parts["heldout"])]
    else:
        print(f"(../shared not found at {SHARED}: replica text only)")
    total: Counter[str] = Counter()
    damaged_texts: list[str] = []
    for name, paragraphs in sets:
        outcomes, wrong, texts, left_spans = measure(paragraphs, rng, COPIES[name])
        damaged_texts += texts
        total.update(outcomes)
        spans = outcomes["spans (lost)"] + outcomes["spans (shift)"]
        exact, wrong_share = outcomes["exact"] / spans, outcomes["wrong"] / spans
        left = 1 - exact - wrong_share
        print(
            f"{name}: {len(paragraphs)} paragraphs x {COPIES[name]}, {spans} spans: "
            f"exact {exact:.1%}, left {left:.1%}, wrong {wrong_share:.2%}"
        )
        if name == "replica":  # our own text: the wrong repairs may be shown
            for line in wrong:
                print(f"  wrong: {line}")
        if args.show_left and name != "news-dev held-out":  # held-out is measured, never looked at
            for reason, spans_left in sorted(left_spans.items()):
                for line in spans_left[: args.show_left]:
                    print(f"  left ({reason}): {line}")
    spans = total["spans (lost)"] + total["spans (shift)"]
    print(f"\nall {spans} spans:")
    for key, count in sorted(total.items()):
        print(f"  {key:<28} {count:>6}  {count / spans:6.1%}")
    clean = replica + news_dev + news_pages_bodies()
    mirrors = [damaged for damaged in (damage_once(text, rng) for text in replica + news_dev) if damaged]
    clean += [damaged.mirror for damaged in mirrors]
    changed = sum(repair_mojibake(text)[0] != text for text in clean)
    print(f"\nclean paragraphs changed: {changed} of {len(clean)} (Simplified, mirror versions, news-pages)")
    print("repair_mojibake per 2,000 characters (median article):")
    for label, articles in (
        ("undamaged text (fast path)", articles_of(clean)),
        (f"mirror text, {SPANS_PER_ARTICLE} damaged spans per article", articles_of(mirror_pages(mirrors))),
        ("a damaged span in every paragraph", articles_of(damaged_texts)),
    ):
        print(f"  {label:<40} {per_article_ms(articles):7.3f} ms")


if __name__ == "__main__":
    main()
