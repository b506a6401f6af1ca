"""Cost of the text-cleaning stages per article (run: .venv/bin/python -m bench.clean_text).

Articles: the seed body, synthetic ~2,000-character articles built from it (damaged
Traditional with pinyin, as the mirrors serve them, and clean Simplified), each a list of
paragraphs. Per article: one page_is_traditional() decision, then clean_text() on every
paragraph. Decoding is timed separately. Figures are medians over articles, each article
timed as the best of several runs after a warm-up (caches filled, as in a running crawl).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from crawler.extract import extract_page
from crawler.text.clean import clean_text, page_is_traditional
from crawler.text.decoding import decode_page
from replica.model import MAIN, MIRROR
from replica.site import build_site

SEED = Path(__file__).parents[1] / "tests" / "fixtures" / "seed" / "000_08909e7ef7bbc5dc"
TARGET_CHARS = 2000
REPEATS = 20


def seed_paragraphs() -> tuple[list[str], list[str]]:
    """The seed's damaged body paragraphs and their expected clean versions."""
    lines = SEED.with_suffix(".txt").read_text(encoding="utf-8").splitlines()
    damaged = [line.strip() for line in lines if line.startswith("  ") and line.strip()]
    clean = json.loads(SEED.with_suffix(".expected.json").read_text(encoding="utf-8"))["body"]
    return damaged, clean.split("\n")


def synthetic(paragraphs: list[str], count: int, target: int = TARGET_CHARS) -> list[list[str]]:
    """Build ``count`` articles of about ``target`` characters by rotating the paragraphs."""
    articles = []
    for shift in range(count):
        article: list[str] = []
        index = shift
        while sum(map(len, article)) < target:
            article.append(paragraphs[index % len(paragraphs)])
            index += 1
        articles.append(article)
    return articles


def replica_articles(host: str) -> list[list[str]]:
    """The body paragraphs of the replica's article pages on one host, as extracted from them."""
    site = build_site(200, date(2026, 11, 27))
    articles = []
    for entry in site.articles():
        if entry.host == host:
            page = site.pages[(host, entry.path)]
            articles.append(extract_page(decode_page(page.body, page.content_type).text).body)
    return articles


def clean_article(paragraphs: list[str]) -> list[str]:
    """Run every cleaning stage on one article's paragraphs."""
    traditional = page_is_traditional(paragraphs)
    return [clean_text(paragraph, traditional=traditional).text for paragraph in paragraphs]


def best_time(function: Callable[[], object], repeats: int = REPEATS) -> float:
    """Best wall time of a call, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def report(name: str, articles: list[list[str]]) -> None:
    """Print the median cost per article and per 2,000 characters."""
    per_article = []
    per_2000 = []
    for article in articles:
        seconds = best_time(lambda article=article: clean_article(article))
        chars = sum(map(len, article))
        per_article.append(seconds)
        per_2000.append(seconds * TARGET_CHARS / chars)
    chars = statistics.median(sum(map(len, article)) for article in articles)
    print(
        f"{name:<40} {len(articles):>3} articles, median {chars:>5.0f} chars: "
        f"{statistics.median(per_article) * 1e3:7.3f} ms/article, "
        f"{statistics.median(per_2000) * 1e3:7.3f} ms per 2,000 chars"
    )


def report_decoding(name: str, articles: list[list[str]], header: str | None) -> None:
    """Print the median cost of decode_page on the articles encoded as GBK."""
    bodies = ["\n".join(article).encode("gbk") for article in articles]
    seconds = statistics.median(best_time(lambda b=body: decode_page(b, header), 5) for body in bodies)
    print(f"{name:<40} {len(bodies):>3} articles: {seconds * 1e3:7.3f} ms/article")


def main() -> None:
    """Warm the caches, then print the figures."""
    damaged, clean = seed_paragraphs()
    start = time.perf_counter()
    clean_article(damaged)
    clean_article(clean)
    decode_page("\n".join(damaged).encode("gbk"))
    print(
        f"one-time warm-up (jieba table, OpenCC, pinyin, script classes): {time.perf_counter() - start:.2f} s"
    )
    assert clean_article(damaged) == clean, "the seed no longer cleans to its expected body"

    report("seed body (damaged Traditional + pinyin)", [damaged])
    report("synthetic damaged Traditional + pinyin", synthetic(damaged, 8))
    report("synthetic clean Simplified (fast path)", synthetic(clean, 8))
    report("all articles", [damaged, *synthetic(damaged, 8), *synthetic(clean, 8)])
    report("replica news + e-paper articles", replica_articles(MAIN))
    report("replica mirror articles (damaged)", replica_articles(MIRROR))
    print("decoding (excluded above):")
    report_decoding("  GBK declared gb2312 in the header", synthetic(damaged, 8), "text/html; charset=gb2312")
    report_decoding("  GBK undeclared (statistical check)", synthetic(damaged, 8), None)


if __name__ == "__main__":
    main()
