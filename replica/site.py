"""Build the replica: every page of the e-paper, the news site and the mirror, in memory.

`build_site()` is deterministic for a given (articles, end_date, seed): it returns a `Site`
whose `pages` map (host, path) to a rendered `Page`, and whose `manifest` lists every article
with the clean fields a harvest of it must produce. Tests assert against the manifest, never
against hard-coded counts.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from replica import templates
from replica.damage import to_mirror_text

CONTENT_DIR = Path(__file__).parent / "content"
SEED_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "seed"
SEED_NAME = "000_08909e7ef7bbc5dc"

MAIN, MIRROR = "main", "mirror"  # the two hosts: the paper's own, and a spam mirror
EPAPER_PREFIX, NEWS_PREFIX = "/epaper/", "/news/"
CHANNELS = {"xczx": "乡村振兴", "jcdj": "基层党建", "cgzc": "村官之窗"}
PAGE_NAMES = ["要闻", "乡村振兴", "基层治理", "村官之窗"]
LIST_PAGE_SIZE = 20

# The county-name run spam mirrors append (the seed's own run, reshuffled per page).
_SEED_JUNK = [
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


@dataclass
class Story:
    """One article as its author wrote it (clean, Simplified)."""

    key: str
    title: str
    kicker: str
    source: str
    author: str
    editor: str
    channel: str
    paragraphs: list[str]


@dataclass
class Page:
    status: int
    body: bytes
    content_type: str


@dataclass
class ManifestEntry:
    """What a harvest of one article page must produce."""

    site: str  # "epaper" | "news" | "mirror"
    host: str  # MAIN | MIRROR
    path: str
    title: str
    subtitle: str
    published_at: str  # ISO 8601 with +08:00
    source: str
    author: str
    editor: str
    body: list[str]
    charset: str  # how the page is served, e.g. "utf-8", "gbk labelled gb2312"
    edition: str = ""
    paywalled: bool = False
    story: str = ""


@dataclass
class Site:
    pages: dict[tuple[str, str], Page] = field(default_factory=dict)
    manifest: list[ManifestEntry] = field(default_factory=list)
    issue_days: list[date] = field(default_factory=list)
    faults: dict[tuple[str, str], FaultEntry] = field(default_factory=dict)  # (host, path) -> fault
    endless: tuple[str, int, bytes] | None = None  # endless list: folder, first trap page, its HTML

    def articles(self, site: str | None = None, *, stored_only: bool = True) -> list[ManifestEntry]:
        """Manifest entries, optionally of one site, without paywalled pages by default."""
        return [
            e for e in self.manifest if (site is None or e.site == site) and not (stored_only and e.paywalled)
        ]

    def manifest_json(self) -> str:
        return json.dumps(
            {
                "issue_days": [d.isoformat() for d in self.issue_days],
                "articles": [asdict(e) for e in self.manifest],
                "faults": [asdict(f) for f in sorted(self.faults.values(), key=lambda f: (f.host, f.path))],
                "expected_errors": expected_errors(self),
            },
            ensure_ascii=False,
            indent=1,
        )


def load_pool() -> list[Story]:
    """The hand-written articles, the seed's clean text first."""
    expected = json.loads((SEED_DIR / f"{SEED_NAME}.expected.json").read_text("utf-8"))
    seed = Story(
        key="seed",
        title=expected["title"],
        kicker="",
        source=expected["source"],
        author=expected["author"],
        editor=expected["editor"],
        channel="xczx",
        paragraphs=expected["body"].split("\n"),
    )
    written = json.loads((CONTENT_DIR / "articles.json").read_text("utf-8"))
    stories = [
        Story(
            key=a["slug"],
            title=a["title"],
            kicker=a["kicker"],
            source=a["source"],
            author=a["author"],
            editor=a["editor"],
            channel=a["channel"],
            paragraphs=a["paragraphs"],
        )
        for a in written
    ]
    return [seed, *stories]


_DIGITS = re.compile(r"\d+")


def _synthetic(n: int, pool: list[Story], rng: random.Random) -> Story:
    """A new story mixed from paragraphs of several hand-written ones (for scaling the site)."""
    donors = rng.sample(pool[1:], k=min(4, len(pool) - 1))
    paragraphs = [rng.choice(d.paragraphs) for d in donors[: rng.randint(2, 4)]]
    # Change the figures so no two synthetic stories are the same text.
    paragraphs = [_DIGITS.sub(lambda m: str(int(m.group()) + rng.randint(1, 97)), p) for p in paragraphs]
    base = donors[0]
    return Story(
        key=f"synthetic-{n}",
        title=f"{base.title}（{n}）",
        kicker="",
        source=base.source,
        author=base.author,
        editor=base.editor,
        channel=base.channel,
        paragraphs=paragraphs,
    )


def build_site(articles: int = 120, end_date: date | None = None, seed: int = 2021) -> Site:
    """Render every page of the replica; `articles` counts distinct stories (mirror copies extra)."""
    end_date = end_date or date.today()
    rng = random.Random(seed)
    pool = load_pool()
    stories = pool[:articles] + [_synthetic(n, pool, rng) for n in range(len(pool), articles)]
    site = Site()

    seed_story, rest = stories[0], stories[1:]
    # The long story with a GB18030-only character goes to the news site, served as GB18030.
    epaper_stories = [
        s for i, s in enumerate(rest) if i % 5 in (1, 3) and "𠮷" not in s.title + "".join(s.paragraphs)
    ]
    news_stories = [seed_story] + [s for s in rest if s not in epaper_stories]
    _build_epaper(site, epaper_stories, end_date, rng)
    news_entries = _build_news(site, news_stories, end_date, rng)
    _build_mirror(site, news_entries, rng)
    for host in (MAIN, MIRROR):
        site.pages[(host, "/robots.txt")] = Page(200, b"User-agent: *\nAllow: /\n", "text/plain")
    return site


# --- e-paper ------------------------------------------------------------------------------


def _build_epaper(site: Site, stories: list[Story], end_date: date, rng: random.Random) -> None:
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
    _render_lists(site, MAIN, by_channel, lambda t: t)
    return entries


def _render_lists(
    site: Site, host: str, by_channel: dict[str, list[tuple[str, str, datetime]]], text
) -> None:
    nav = [(f"{c}/index.html", text(name)) for c, name in CHANNELS.items()]
    site.pages[(host, NEWS_PREFIX + "index.html")] = _utf8(templates.news_home(nav, text))
    for channel, items in by_channel.items():
        items = sorted(items, key=lambda item: item[2], reverse=True)
        chunks = [items[i : i + LIST_PAGE_SIZE] for i in range(0, len(items), LIST_PAGE_SIZE)] or [[]]
        for n, chunk in enumerate(chunks):
            name = "index.html" if n == 0 else f"index_{n}.html"
            next_name = f"index_{n + 1}.html" if n + 1 < len(chunks) else None
            links = [(rel.split("/", 1)[1], title, published) for rel, title, published in chunk]
            html = templates.news_list(text(CHANNELS[channel]), links, next_name, nav)
            site.pages[(host, f"{NEWS_PREFIX}{channel}/{name}")] = _utf8(html)


def _utf8(html: str) -> Page:
    return Page(200, html.encode("utf-8"), "text/html; charset=utf-8")


# --- spam mirror --------------------------------------------------------------------------


def _build_mirror(site: Site, news: list[ManifestEntry], rng: random.Random) -> None:
    """Copies of every fourth news article (and the seed), damaged the way mirrors do."""
    by_channel: dict[str, list[tuple[str, str, datetime]]] = {c: [] for c in CHANNELS}
    for index, entry in enumerate(news):
        if entry.story != "seed" and index % 4 != 1:
            continue
        published = datetime.fromisoformat(entry.published_at).replace(tzinfo=None)
        junk = rng.sample(_SEED_JUNK, k=len(_SEED_JUNK))
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
        site.pages[(MIRROR, entry.path)] = _utf8(html)
        by_channel[rel.split("/", 1)[0]].append((rel, title, published))
        site.manifest.append(
            ManifestEntry(**{**asdict(entry), "site": "mirror", "host": MIRROR, "charset": "utf-8"})
        )
    _render_lists(site, MIRROR, by_channel, lambda t: to_mirror_text(t, random.Random(0), rate=0))


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


# --- a site that moves on: newer articles, corrected ones ------------------------------------

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
    stories = [_synthetic(100_000 + n, pool, rng) for n in range(count)]
    for story in stories:
        story.key = f"added-{story.key}"
    to_epaper = [s for i, s in enumerate(stories) if i % 5 in (1, 3)][:EXTRA_EPAPER_MAX]
    to_news = [s for s in stories if s not in to_epaper]

    issue = Site()
    last_issue = end_date - timedelta(days=(end_date.weekday() - 4) % 7)
    _build_epaper(issue, to_epaper, last_issue + timedelta(days=7), rng)
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
        site.pages[(MAIN, NEWS_PREFIX + rel)] = _utf8(html)
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
        site.pages[(MAIN, entry.path)] = _utf8(templates.news_article(story, published, "utf-8"))
    return corrected


def _rerender_news_lists(site: Site) -> None:
    by_channel: dict[str, list[tuple[str, str, datetime]]] = {c: [] for c in CHANNELS}
    for entry in site.manifest:
        if entry.site == "news":
            rel = entry.path[len(NEWS_PREFIX) :]
            published = datetime.fromisoformat(entry.published_at).replace(tzinfo=None)
            by_channel[rel.split("/", 1)[0]].append((rel, entry.title, published))
    _render_lists(site, MAIN, by_channel, lambda t: t)


# --- a hostile web: faulty pages and crawl traps ---------------------------------------------

# Each fault the replica can put on a page, and the harvester error kind it must be counted
# under (crawler.harvest.faults). Several faults may share a kind.
PAGE_FAULTS: dict[str, str] = {
    "truncate": "truncated",  # chunked body cut half-way, then the connection closes
    "length": "truncated",  # a Content-Length twice the body, then the connection closes
    "close": "connection",  # the connection closes before any answer
    "gzip": "decompression",  # Content-Encoding: gzip whose data fails to inflate
    "binary": "binary",  # random bytes served as text/html
    "huge": "too_large",  # 20 MB + 1 byte (over DOWNLOAD_MAXSIZE), streamed without a Content-Length
    "big": "too_large",  # an 8 MB page: under DOWNLOAD_MAXSIZE, over the extractor's limit
    "deep": "too_deep",  # the article inside 10,000 nested <div>
    "charset": "undecodable",  # invalid bytes in the charset the page declares
    "loop": "redirect_loop",  # a redirect to itself with a new query, forever
    "offsite": "offsite",  # a redirect to another host
    "stall": "timeout",  # 30 s before the first byte
}
TRAP_KINDS = {"epaper_dates": "date_bound", "endless_list": "pagination_trap"}
TRAP_CHANNEL = "jcdj"  # the channel whose list pages go on forever
TRAP_DAYS = (timedelta(days=3650), timedelta(days=-36500))  # far future, far past


@dataclass(frozen=True)
class FaultEntry:
    """One fault the replica serves: where, what, and the kind a harvester must count it as."""

    host: str
    path: str
    fault: str
    kind: str
    count: int = 1  # how many errors of `kind` a bounded harvester records for it


def plan_faults(site: Site, rate: float, seed: int, kinds: list[str] | None = None) -> None:
    """Put a fault on `rate` of the article pages, chosen with `seed`, kinds dealt in turn."""
    kinds = list(kinds or PAGE_FAULTS)
    unknown = set(kinds) - set(PAGE_FAULTS)
    if unknown:
        raise ValueError(f"unknown faults {sorted(unknown)}; known: {sorted(PAGE_FAULTS)}")
    rng = random.Random(seed)
    candidates = [e for e in site.manifest if not e.paywalled]
    chosen = rng.sample(candidates, k=min(len(candidates), round(rate * len(candidates))))
    rng.shuffle(kinds)
    for n, entry in enumerate(sorted(chosen, key=lambda e: (e.host, e.path))):
        fault = kinds[n % len(kinds)]
        site.faults[(entry.host, entry.path)] = FaultEntry(entry.host, entry.path, fault, PAGE_FAULTS[fault])


def add_traps(site: Site) -> None:
    """Crawl traps: e-paper page lists linking days far away, a channel list that never ends."""
    newest = max(site.issue_days)
    far = [newest + delta for delta in TRAP_DAYS]
    prefix = f"{EPAPER_PREFIX}pc/layout/{newest:%Y%m}/{newest:%d}/"
    for (host, path), page in list(site.pages.items()):
        if host == MAIN and path.startswith(prefix):
            links = "".join(
                f'<p><a href="{_trap_layout_href(day, prefix)}">第01版：要闻</a></p>' for day in far
            )
            html = page.body.decode("utf-8").replace(
                '\n</div>\n<div class="paper">', f'\n{links}\n</div>\n<div class="paper">', 1
            )
            site.pages[(host, path)] = Page(200, html.encode("utf-8"), page.content_type)
    for day in far:
        path = f"{EPAPER_PREFIX}pc/layout/{day:%Y%m}/{day:%d}/node_1.html"
        site.faults[(MAIN, path)] = FaultEntry(MAIN, path, "epaper_dates", TRAP_KINDS["epaper_dates"])
    # The channel's last list page gets a 下一页 to pages that repeat its first page, forever.
    folder = f"{NEWS_PREFIX}{TRAP_CHANNEL}/"
    lists = sorted(
        (path for host, path in site.pages if host == MAIN and path.startswith(folder) and "/index" in path),
        key=_list_number,
    )  # fmt: skip
    last = lists[-1]
    nxt = f"index_{_list_number(last) + 1}.html"
    html = site.pages[(MAIN, last)].body.decode("utf-8")
    if 'class="next"' not in html:
        html = html.replace(
            "</ul>\n", f'</ul>\n<div class="page"><a class="next" href="{nxt}">下一页</a></div>', 1
        )
    site.pages[(MAIN, last)] = _utf8(html)
    site.endless = (
        f"{NEWS_PREFIX}{TRAP_CHANNEL}/",
        _list_number(last) + 1,
        site.pages[(MAIN, lists[0])].body,
    )
    path = f"{NEWS_PREFIX}{TRAP_CHANNEL}/{nxt}"
    site.faults[(MAIN, path)] = FaultEntry(MAIN, path, "endless_list", TRAP_KINDS["endless_list"])


def _trap_layout_href(day: date, prefix: str) -> str:
    return f"../../../layout/{day:%Y%m}/{day:%d}/node_1.html"


def _list_number(path: str) -> int:
    name = path.rsplit("/", 1)[1]
    return 0 if name == "index.html" else int(name[len("index_") : -len(".html")])


_TRAP_LAYOUT = re.compile(r"^/epaper/pc/layout/(\d{4})(\d{2})/(\d{2})/node_1\.html$")
_ENDLESS = re.compile(r"^index_(\d+)\.html$")


def trap_page(site: Site, host: str, path: str) -> Page | None:
    """A page of a crawl trap, made up on request (there are infinitely many), or None."""
    if host != MAIN or not site.faults:
        return None
    if (match := _TRAP_LAYOUT.match(path)) and site.issue_days:
        day = date(int(match[1]), int(match[2]), int(match[3]))
        newest = max(site.issue_days)
        future, past = (newest + delta for delta in TRAP_DAYS)
        if past < day < future:
            return None  # a day of the real calendar: an issue, or a 404
        step = timedelta(days=1 if day > newest else -1)
        article = next(e for e in site.manifest if e.site == "epaper" and not e.paywalled)
        href = f"../../../con/{article.path.split('/con/', 1)[1]}"
        html = templates.epaper_layout(day, 1, ["第01版：要闻"], [(href, article.title)]).replace(
            '<p><a href="node_1.html"',
            f'<p><a href="../../../layout/{day + step:%Y%m}/{day + step:%d}/node_1.html">第01版：要闻</a></p>'
            '<p><a href="node_1.html"',
        )
        return _utf8(html)
    if site.endless is not None and path.startswith(site.endless[0]):
        match = _ENDLESS.match(path[len(site.endless[0]) :])
        if match and int(match[1]) >= site.endless[1]:
            html = site.endless[2].decode("utf-8")
            nxt = f"index_{int(match[1]) + 1}.html"
            if 'class="next"' in html:
                html = re.sub(r'class="next" href="[^"]*"', f'class="next" href="{nxt}"', html)
            else:
                html = html.replace(
                    "</ul>\n", f'</ul>\n<div class="page"><a class="next" href="{nxt}">下一页</a></div>', 1
                )
            return _utf8(html)
    return None


def expected_errors(site: Site) -> dict[str, int]:
    """Errors per kind a bounded harvest of the faulty site must count."""
    counts: dict[str, int] = {}
    for entry in site.faults.values():
        counts[entry.kind] = counts.get(entry.kind, 0) + entry.count
    return dict(sorted(counts.items()))
