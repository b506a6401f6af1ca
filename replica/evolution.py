"""A site that moves on: newer articles published on top, older ones corrected in place."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from replica import templates
from replica.model import (
    CHANNELS,
    MAIN,
    NEWS_PREFIX,
    ManifestEntry,
    Site,
    Story,
    load_pool,
    synthetic_story,
    utf8_page,
)
from replica.site import build_epaper, render_lists

EXTRA_EPAPER_MAX = 12  # the extra issue holds at most this many (one issue's worth)
CORRECTION = "（编者注：本文发布后有更正，以此版本为准。）"


def add_articles(site: Site, count: int, end_date: date, seed: int = 2021) -> None:
    """Publish `count` stories newer than everything on `site` (built with the same end_date).

    The old pages keep their URLs: news stories go on top of their channel lists (which
    shift down), e-paper stories into one new issue a week after end_date. The mirror is
    left as it was.
    """
    if count <= 0:
        return
    rng = random.Random(seed + 1)
    pool = load_pool()
    stories = [synthetic_story(100_000 + n, pool, rng) for n in range(count)]
    for story in stories:
        story.key = f"added-{story.key}"
    to_epaper = [s for i, s in enumerate(stories) if i % 5 in (1, 3)][:EXTRA_EPAPER_MAX]
    to_news = [s for s in stories if s not in to_epaper]

    issue = Site()
    last_issue = end_date - timedelta(days=(end_date.weekday() - 4) % 7)
    build_epaper(issue, to_epaper, last_issue + timedelta(days=7), rng)
    site.pages.update(issue.pages)
    site.manifest[:0] = issue.manifest
    site.issue_days[:0] = issue.issue_days

    news = [e for e in site.manifest if e.site == "news"]
    first_id = 5000 + len(news)
    start = datetime.combine(end_date, time(18, 0))
    entries = []
    for n, story in enumerate(to_news):
        published = start + timedelta(minutes=7 * (n + 1))
        rel = f"{story.channel}/{published:%Y%m}/t{published:%Y%m%d}_{first_id + n}.html"
        html = templates.news_article(story, published, "utf-8")
        site.pages[(MAIN, NEWS_PREFIX + rel)] = utf8_page(html)
        entries.append(
            ManifestEntry(site="news", host=MAIN, path=NEWS_PREFIX + rel, title=story.title, subtitle="",
                          published_at=published.isoformat() + "+08:00", source=story.source,
                          author=story.author, editor=story.editor, body=story.paragraphs,
                          charset="utf-8", story=story.key)
        )  # fmt: skip
    site.manifest.extend(entries)
    _rerender_news_lists(site)


def correct_articles(site: Site, count: int) -> list[ManifestEntry]:
    """Append a correction note to the `count` newest UTF-8 news articles; return their entries."""
    news = [e for e in site.manifest if e.site == "news" and e.charset == "utf-8" and e.story != "seed"]
    corrected = sorted(news, key=lambda e: e.published_at, reverse=True)[:count]
    for entry in corrected:
        entry.body = [*entry.body, CORRECTION]
        story = Story(key=entry.story, title=entry.title, kicker="", source=entry.source,
                      author=entry.author, editor=entry.editor, channel=entry.path.split("/")[2],
                      paragraphs=entry.body)  # fmt: skip
        published = datetime.fromisoformat(entry.published_at).replace(tzinfo=None)
        site.pages[(MAIN, entry.path)] = utf8_page(templates.news_article(story, published, "utf-8"))
    return corrected


def _rerender_news_lists(site: Site) -> None:
    by_channel: dict[str, list[tuple[str, str, datetime]]] = {c: [] for c in CHANNELS}
    for entry in site.manifest:
        if entry.site == "news":
            rel = entry.path[len(NEWS_PREFIX) :]
            published = datetime.fromisoformat(entry.published_at).replace(tzinfo=None)
            by_channel[rel.split("/", 1)[0]].append((rel, entry.title, published))
    render_lists(site, MAIN, by_channel, lambda t: t)
