"""Build the replica: every page of the e-paper, the news site and the mirror, in memory.

`build_site()` is deterministic for a given (articles, end_date, seed): it returns a `Site`
whose `pages` map (host, path) to a rendered `Page`, and whose `manifest` lists every article
with the clean fields a harvest of it must produce. Tests assert against the manifest, never
against hard-coded counts. The types are replica/model.py; the site's later life is
replica/evolution.py (newer and corrected articles), replica/faults.py and replica/traps.py
(a hostile web), replica/layouts.py (a portal, a redesign).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime, time, timedelta

from replica import templates
from replica.damage import to_mirror_text
from replica.model import (
    CHANNELS,
    EPAPER_PREFIX,
    LIST_PAGE_SIZE,
    MAIN,
    MIRROR,
    NEWS_PREFIX,
    PAGE_NAMES,
    SEED_DIR,
    SEED_NAME,
    ManifestEntry,
    Page,
    Site,
    Story,
    load_pool,
    synthetic_story,
    utf8_page,
)

# The county-name run spam mirrors append (the seed's own run, reshuffled per page).
SEED_JUNK = [
    "同德县",
    "新竹县",
    "德兴市",
    "湖州市",
    "丰原市",
    "临城县",
    "襄汾县",
    "湟源县",
    "佳木斯市",
    "崇信县",
    "太仓市",
    "平江县",
    "泗阳县",
    "贡觉县",
    "枣庄市",
    "阜康市",
    "福州市",
    "渝中区",
    "景洪市",
    "衡水市",
    "广安市",
    "长武县",
    "改则县",
    "吉木萨尔县",
    "汉川市",
    "永康市",
    "双鸭山市",
    "政和县",
    "故城县",
    "平定县",
    "冷水江市",
    "安国市",
    "武平县",
    "黄龙县",
    "扶绥县",
    "墨江",
    "平罗县",
    "同心县",
    "张掖市",
    "胶州市",
]


def build_site(articles: int = 120, end_date: date | None = None, seed: int = 2021) -> Site:
    """Render every page of the replica; `articles` counts distinct stories (mirror copies extra)."""
    end_date = end_date or date.today()
    rng = random.Random(seed)
    pool = load_pool()
    stories = pool[:articles] + [synthetic_story(n, pool, rng) for n in range(len(pool), articles)]
    site = Site()

    seed_story, rest = stories[0], stories[1:]
    # The long story with a GB18030-only character goes to the news site, served as GB18030.
    epaper_stories = [
        s for i, s in enumerate(rest) if i % 5 in (1, 3) and "𠮷" not in s.title + "".join(s.paragraphs)
    ]
    news_stories = [seed_story] + [s for s in rest if s not in epaper_stories]
    build_epaper(site, epaper_stories, end_date, rng)
    news_entries = _build_news(site, news_stories, end_date, rng)
    _build_mirror(site, news_entries, rng)
    for host in (MAIN, MIRROR):
        site.pages[(host, "/robots.txt")] = Page(200, b"User-agent: *\nAllow: /\n", "text/plain")
    return site


# --- e-paper ------------------------------------------------------------------------------


def build_epaper(site: Site, stories: list[Story], end_date: date, rng: random.Random) -> None:
    """Weekly issues (Fridays) going back from end_date, 4 pages of 3-6 articles each."""
    day = end_date - timedelta(days=(end_date.weekday() - 4) % 7)
    content_id = 1000
    queue = list(stories)
    paywall_done = False
    while queue:
        pages: list[list[Story]] = []
        for _ in PAGE_NAMES:
            take = rng.randint(3, 6)
            pages.append(queue[:take])
            queue = queue[take:]
        pages = [p for p in pages if p]
        site.issue_days.append(day)
        ym, dd = day.strftime("%Y%m"), day.strftime("%d")
        page_labels = [f"第{n:02d}版：{PAGE_NAMES[n - 1]}" for n in range(1, len(pages) + 1)]
        for n, page_stories in enumerate(pages, start=1):
            links = []
            for story in page_stories:
                content_id += 1
                path = f"{EPAPER_PREFIX}pc/con/{ym}/{dd}/content_{content_id}.html"
                links.append((f"../../../con/{ym}/{dd}/content_{content_id}.html", story.title))
                # The second issue back has one paywalled article (its page 2, first article).
                paywalled = not paywall_done and len(site.issue_days) == 2 and n == 2
                paywall_done = paywall_done or paywalled
                published = datetime.combine(day, time(0, 0))
                html = templates.epaper_article(story, day, page_labels[n - 1], paywalled)
                site.pages[(MAIN, path)] = Page(200, html.encode("utf-8"), "text/html; charset=utf-8")
                site.manifest.append(
                    ManifestEntry(
                        site="epaper",
                        host=MAIN,
                        path=path,
                        title=story.title,
                        subtitle=story.kicker,
                        published_at=published.isoformat() + "+08:00",
                        source=story.source,
                        author=story.author,
                        editor="",
                        body=story.paragraphs,
                        charset="utf-8",
                        edition=page_labels[n - 1],
                        paywalled=paywalled,
                        story=story.key,
                    )
                )
            html = templates.epaper_layout(day, n, page_labels, links)
            site.pages[(MAIN, f"{EPAPER_PREFIX}pc/layout/{ym}/{dd}/node_{n}.html")] = Page(
                200, html.encode("utf-8"), "text/html; charset=utf-8"
            )
        day -= timedelta(days=7)


# --- news site ----------------------------------------------------------------------------


def _charset_plan(index: int, story: Story, lied: list[bool]) -> tuple[str, str, str]:
    """(codec, Content-Type header, meta label) for the news page at `index`: the wild's mix."""
    if "𠮷" in story.title + "".join(story.paragraphs):
        return "gb18030", "text/html; charset=gb2312", "gb2312"
    if index % 10 == 3:
        return "gbk", "text/html; charset=gb2312", "gb2312"
    if index % 10 == 6:
        return "gbk", "text/html", ""
    if index % 10 == 9 and not lied:
        lied.append(True)
        return "gbk", "text/html; charset=utf-8", "gbk"
    return "utf-8", "text/html; charset=utf-8", "utf-8"


def _build_news(site: Site, stories: list[Story], end_date: date, rng: random.Random) -> list[ManifestEntry]:
    """Channels with paginated lists (newest first) and CMS article pages."""
    when = datetime.combine(end_date, time(18, 0))
    dated: list[tuple[Story, datetime]] = []
    for story in stories:
        if story.key == "seed":
            dated.append((story, datetime(2021, 1, 4, 14, 54, 0)))
            continue
        when -= timedelta(hours=rng.randint(3, 20), minutes=rng.randint(0, 59), seconds=rng.randint(0, 59))
        dated.append((story, when))
    entries: list[ManifestEntry] = []
    lied: list[bool] = []
    by_channel: dict[str, list[tuple[str, str, datetime]]] = {c: [] for c in CHANNELS}
    for index, (story, published) in enumerate(dated):
        article_id = 5000 + index
        rel = f"{story.channel}/{published:%Y%m}/t{published:%Y%m%d}_{article_id}.html"
        path = NEWS_PREFIX + rel
        codec, content_type, meta_label = _charset_plan(index, story, lied)
        html = templates.news_article(story, published, meta_label)
        site.pages[(MAIN, path)] = Page(200, html.encode(codec), content_type)
        by_channel[story.channel].append((rel, story.title, published))
        label = codec if codec == "utf-8" else f"{codec} labelled {meta_label or 'nothing'} ({content_type})"
        entries.append(
            ManifestEntry(
                site="news",
                host=MAIN,
                path=path,
                title=story.title,
                subtitle="",
                published_at=published.isoformat() + "+08:00",
                source=story.source,
                author=story.author,
                editor=story.editor,
                body=story.paragraphs,
                charset=label,
                story=story.key,
            )
        )
    site.manifest.extend(entries)
    render_lists(site, MAIN, by_channel, lambda t: t)
    return entries


def render_lists(
    site: Site, host: str, by_channel: dict[str, list[tuple[str, str, datetime]]], text: Callable[[str], str]
) -> None:
    """The news home page and every channel's paginated lists (newest first) of `host`."""
    nav = [(f"{c}/index.html", text(name)) for c, name in CHANNELS.items()]
    site.pages[(host, NEWS_PREFIX + "index.html")] = utf8_page(templates.news_home(nav, text))
    for channel, items in by_channel.items():
        items = sorted(items, key=lambda item: item[2], reverse=True)
        chunks = [items[i : i + LIST_PAGE_SIZE] for i in range(0, len(items), LIST_PAGE_SIZE)] or [[]]
        for n, chunk in enumerate(chunks):
            name = "index.html" if n == 0 else f"index_{n}.html"
            next_name = f"index_{n + 1}.html" if n + 1 < len(chunks) else None
            links = [(rel.split("/", 1)[1], title, published) for rel, title, published in chunk]
            html = templates.news_list(text(CHANNELS[channel]), links, next_name, nav)
            site.pages[(host, f"{NEWS_PREFIX}{channel}/{name}")] = utf8_page(html)


# --- spam mirror --------------------------------------------------------------------------


def _build_mirror(site: Site, news: list[ManifestEntry], rng: random.Random) -> None:
    """Copies of every fourth news article (and the seed), damaged the way mirrors do."""
    by_channel: dict[str, list[tuple[str, str, datetime]]] = {c: [] for c in CHANNELS}
    for index, entry in enumerate(news):
        if entry.story != "seed" and index % 4 != 1:
            continue
        published = datetime.fromisoformat(entry.published_at).replace(tzinfo=None)
        junk = rng.sample(SEED_JUNK, k=len(SEED_JUNK))
        junk.insert(rng.randint(5, len(junk) - 5), "收藏")
        if entry.story == "seed":
            html, title = _seed_mirror_page()
        else:
            toned = index % 3 != 0
            damage = lambda t, toned=toned: to_mirror_text(t, rng, toned=toned)  # noqa: E731
            title = damage(entry.title)
            html = templates.mirror_article(
                title=title,
                info=damage(f"{published:%Y-%m-%d %H:%M:%S}  来源:{entry.source}  作者:{entry.author}"),
                share=[
                    damage("1"),
                    damage("乡村干部报网"),
                    damage("微信公众号"),
                    damage("乡村干部报网"),
                    damage("官方微博"),
                ],
                paragraphs=[damage(p) for p in entry.body],
                editor=damage(f"责编:{entry.editor}"),
                junk="| ".join(junk) + "|",
            )
        rel = entry.path[len(NEWS_PREFIX) :]
        site.pages[(MIRROR, entry.path)] = utf8_page(html)
        by_channel[rel.split("/", 1)[0]].append((rel, title, published))
        site.manifest.append(
            ManifestEntry(**{**asdict(entry), "site": "mirror", "host": MIRROR, "charset": "utf-8"})
        )
    render_lists(site, MIRROR, by_channel, lambda t: to_mirror_text(t, random.Random(0), rate=0))


def _seed_mirror_page() -> tuple[str, str]:
    """The seed capture as the mirror served it: the same lines, in the CMS template."""
    lines = (SEED_DIR / f"{SEED_NAME}.txt").read_text("utf-8").splitlines()
    title, info = lines[0].strip(), lines[1].strip()
    paragraphs = [line.strip() for line in lines if line.startswith("  ") and line.strip()]
    editor = next(line.strip() for line in lines if line.startswith("責"))
    share = [
        line.strip()
        for line in lines[2 : lines.index(next(x for x in lines if x.startswith("  ")))]
        if line.strip()
    ]
    junk = lines[-1].strip()
    html = templates.mirror_article(
        title=title, info=info, share=share, paragraphs=paragraphs, editor=editor, junk=junk
    )
    return html, title
