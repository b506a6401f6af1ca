"""Cost of the chain's text-cleaning step per article (run: .venv/bin/python -m bench.clean_text).

Articles: the seed body, synthetic ~2,000-character articles built from it (damaged
Traditional with pinyin, as the mirrors serve them, and clean Simplified), each a list of
paragraphs served as a text page, and the replica's article pages. Each goes through the chain
(crawler.article.build_article) and the CPU time of its `normalize` step is what counts: one
script decision per page, then clean_text() on every field. Decoding (the `decode` step) is
timed separately. Figures are medians over articles, each article timed as the best of several
runs after a warm-up (caches filled, as in a running crawl).
"""

from __future__ import annotations

import json
import statistics
import time
from datetime import date
from pathlib import Path

from crawler.article import Article, Options, RawPage, build_article
from replica.model import MAIN, MIRROR
from replica.site import build_site

SEED = Path(__file__).parents[1] / "tests" / "fixtures" / "seed" / "000_08909e7ef7bbc5dc"
TARGET_CHARS = 2000
REPEATS = 20
CLEANING = Options(junk=False, metadata=False)  # decode, extract, normalize
HEADER = "标题\n2021-01-04\n"  # a text page's title and dated meta line: the paragraphs are its body


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


def text_page(paragraphs: list[str], encoding: str = "utf-8", content_type: str | None = None) -> RawPage:
    """The paragraphs as a plain-text page (a title and a dated line over them)."""
    headers = {"Content-Type": content_type} if content_type else {}
    return RawPage((HEADER + "\n".join(paragraphs)).encode(encoding), "http://bench.invalid/1.html", headers)


def replica_pages(host: str) -> list[RawPage]:
    """The replica's article pages on one host."""
    site = build_site(200, date(2026, 11, 27))
    pages = []
    for entry in site.articles():
        if entry.host == host:
            page = site.pages[(host, entry.path)]
            headers = {"Content-Type": page.content_type} if page.content_type else {}
            pages.append(RawPage(page.body, f"http://{host}{entry.path}", headers))
    return pages


def clean_article(page: RawPage) -> list[str]:
    """The body of a page once the chain has cleaned it."""
    article = build_article(page, CLEANING)
    assert isinstance(article, Article), article
    return article.body


def best_step_time(page: RawPage, step: str, repeats: int = REPEATS) -> float:
    """Best CPU time of one step of the chain on a page, in seconds."""
    times: list[float] = []
    for _ in range(repeats):
        build_article(page, CLEANING, timer=lambda name, seconds: name == step and times.append(seconds))
    return min(times)


def report(name: str, pages: list[RawPage]) -> None:
    """Print the median cost of the normalize step per article and per 2,000 characters."""
    per_article = []
    per_2000 = []
    for page in pages:
        seconds = best_step_time(page, "normalize")
        chars = sum(map(len, clean_article(page)))
        per_article.append(seconds)
        per_2000.append(seconds * TARGET_CHARS / chars)
    chars = statistics.median(sum(map(len, clean_article(page))) for page in pages)
    print(
        f"{name:<40} {len(pages):>3} articles, median {chars:>5.0f} chars: "
        f"{statistics.median(per_article) * 1e3:7.3f} ms/article, "
        f"{statistics.median(per_2000) * 1e3:7.3f} ms per 2,000 chars"
    )


def report_decoding(name: str, articles: list[list[str]], header: str | None) -> None:
    """Print the median cost of the decode step on the articles encoded as GBK."""
    pages = [text_page(article, "gbk", header) for article in articles]
    seconds = statistics.median(best_step_time(page, "decode", 5) for page in pages)
    print(f"{name:<40} {len(pages):>3} articles: {seconds * 1e3:7.3f} ms/article")


def main() -> None:
    """Warm the caches, then print the figures."""
    damaged, clean = seed_paragraphs()
    start = time.perf_counter()
    clean_article(text_page(damaged))
    clean_article(text_page(clean))
    build_article(text_page(damaged, "gbk"), CLEANING)
    print(
        f"one-time warm-up (jieba table, OpenCC, pinyin, script classes): {time.perf_counter() - start:.2f} s"
    )
    assert clean_article(text_page(damaged)) == clean, "the seed no longer cleans to its expected body"

    pages = lambda articles: [text_page(article) for article in articles]  # noqa: E731
    report("seed body (damaged Traditional + pinyin)", pages([damaged]))
    report("synthetic damaged Traditional + pinyin", pages(synthetic(damaged, 8)))
    report("synthetic clean Simplified (fast path)", pages(synthetic(clean, 8)))
    report("all articles", pages([damaged, *synthetic(damaged, 8), *synthetic(clean, 8)]))
    report("replica news + e-paper articles", replica_pages(MAIN))
    report("replica mirror articles (damaged)", replica_pages(MIRROR))
    print("decoding (excluded above):")
    report_decoding("  GBK declared gb2312 in the header", synthetic(damaged, 8), "text/html; charset=gb2312")
    report_decoding("  GBK undeclared (statistical check)", synthetic(damaged, 8), None)


if __name__ == "__main__":
    main()
