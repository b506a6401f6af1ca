"""More of the web than the paper's own layouts: a county portal and a redesign of the news site.

- `add_portal(site, count, end_date)`: a county government portal under `/portal/` on the main
  host, in a second CMS layout (TRS style: `index_N.html` pagination, `/YYYYMM/tYYYYMMDD_N.html`
  articles, `TRS_Editor` bodies, `[责任编辑：…]`), with pages that are not articles: an about
  page, a search page, a topic page at an article address that only lists articles, and a link
  to an article that is gone (404). No profile knows it: the generic `site` spider must.
- `drift_news(site)`: the news site after a template change: every list and article page keeps
  its URL and text but changes its markup, so `xcgb_news`'s selectors find nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from replica import templates
from replica.model import (
    CHANNELS,
    LIST_PAGE_SIZE,
    MAIN,
    NEWS_PREFIX,
    ManifestEntry,
    Site,
    Story,
    load_pool,
    synthetic_story,
    utf8_page,
)

PORTAL_PREFIX = "/portal/"
PORTAL_CHANNELS = {"xwzx": "新闻中心", "xczx": "乡村振兴"}
PORTAL_PAGE_SIZE = 10
GONE_ID = 99999  # linked from a list, answers 404
TOPIC_ID = 88888  # an article-shaped address holding a list of articles (a 专题 page)


def add_portal(site: Site, count: int, end_date: date, seed: int = 2021) -> None:
    """Publish a county portal of `count` stories (site "portal" in the manifest)."""
    if count <= 0:
        return
    rng = random.Random(seed + 7)
    pool = load_pool()
    stories = [synthetic_story(200_000 + n, pool, rng) for n in range(count)]
    when = datetime.combine(end_date, time(17, 30))
    by_channel: dict[str, list[tuple[str, str, datetime]]] = {c: [] for c in PORTAL_CHANNELS}
    channels = list(PORTAL_CHANNELS)
    for n, story in enumerate(stories):
        when -= timedelta(hours=rng.randint(5, 30), minutes=rng.randint(0, 59))
        published = when.replace(second=0)
        channel = channels[n % len(channels)]
        path = f"{PORTAL_PREFIX}{channel}/{published:%Y%m}/t{published:%Y%m%d}_{700 + n}.html"
        site.pages[(MAIN, path)] = utf8_page(templates.portal_article(story, published))
        by_channel[channel].append((path, story.title, published))
        site.manifest.append(
            ManifestEntry(site="portal", host=MAIN, path=path, title=story.title, subtitle="",
                          published_at=published.isoformat() + "+08:00", source=story.source,
                          author=story.author, editor=story.editor, body=story.paragraphs,
                          charset="utf-8", story=f"portal-{story.key}")
        )  # fmt: skip
    newest = max(published for items in by_channel.values() for _, _, published in items)
    gone = f"{PORTAL_PREFIX}xwzx/{newest:%Y%m}/t{newest:%Y%m%d}_{GONE_ID}.html"
    topic = f"{PORTAL_PREFIX}xczx/{newest:%Y%m}/t{newest:%Y%m%d}_{TOPIC_ID}.html"
    by_channel["xwzx"].insert(0, (gone, "（已删除）一篇撤下的稿件", newest))
    by_channel["xczx"].insert(0, (topic, "专题：乡村振兴在行动", newest))
    topic_links = [(path, title) for path, title, _ in by_channel["xczx"][1:8]]
    site.pages[(MAIN, topic)] = utf8_page(templates.portal_search(topic_links).replace("搜索结果", "专题"))
    for channel, items in by_channel.items():
        chunks = [items[i : i + PORTAL_PAGE_SIZE] for i in range(0, len(items), PORTAL_PAGE_SIZE)]
        for n, chunk in enumerate(chunks):
            name = "index.html" if n == 0 else f"index_{n}.html"
            next_name = f"index_{n + 1}.html" if n + 1 < len(chunks) else None
            html = templates.portal_list(PORTAL_CHANNELS[channel], chunk, next_name)
            site.pages[(MAIN, f"{PORTAL_PREFIX}{channel}/{name}")] = utf8_page(html)
    blocks = [(PORTAL_CHANNELS[c], [(p, t) for p, t, _ in items[:3]]) for c, items in by_channel.items()]
    site.pages[(MAIN, PORTAL_PREFIX + "index.html")] = utf8_page(templates.portal_home(blocks))
    site.pages[(MAIN, PORTAL_PREFIX + "about.html")] = utf8_page(templates.portal_about())
    search = templates.portal_search([(p, t) for p, t, _ in by_channel["xwzx"][1:6]])
    site.pages[(MAIN, PORTAL_PREFIX + "search.html")] = utf8_page(search)


def drift_news(site: Site) -> None:
    """Re-render the news site's lists and articles in a new template (same URLs, same text)."""
    by_channel: dict[str, list[tuple[str, str, datetime]]] = {c: [] for c in CHANNELS}
    for entry in site.manifest:
        if entry.site != "news":
            continue
        rel = entry.path[len(NEWS_PREFIX) :]
        published = datetime.fromisoformat(entry.published_at).replace(tzinfo=None)
        by_channel[rel.split("/", 1)[0]].append((rel, entry.title, published))
        story = Story(key=entry.story, title=entry.title, kicker="", source=entry.source,
                      author=entry.author, editor=entry.editor, channel=rel.split("/", 1)[0],
                      paragraphs=entry.body)  # fmt: skip
        site.pages[(MAIN, entry.path)] = utf8_page(templates.drifted_news_article(story, published))
        entry.charset = "utf-8"
    nav = [(f"{c}/index.html", name) for c, name in CHANNELS.items()]
    for channel, items in by_channel.items():
        items.sort(key=lambda item: item[2], reverse=True)
        chunks = [items[i : i + LIST_PAGE_SIZE] for i in range(0, len(items), LIST_PAGE_SIZE)] or [[]]
        for n, chunk in enumerate(chunks):
            name = "index.html" if n == 0 else f"index_{n}.html"
            next_name = f"index_{n + 1}.html" if n + 1 < len(chunks) else None
            links = [(rel.split("/", 1)[1], title, published) for rel, title, published in chunk]
            html = templates.drifted_news_list(CHANNELS[channel], links, next_name, nav)
            site.pages[(MAIN, f"{NEWS_PREFIX}{channel}/{name}")] = utf8_page(html)
