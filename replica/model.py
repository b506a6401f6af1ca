"""What the replica is made of: its stories, pages, manifest entries and faults, and the pool of
hand-written stories (no rendering here: replica/site.py builds a Site, replica/templates.py
renders its pages)."""

from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

CONTENT_DIR = Path(__file__).parent / "content"
SEED_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "seed"
SEED_NAME = "000_08909e7ef7bbc5dc"

MAIN, MIRROR = "main", "mirror"  # the two hosts: the paper's own, and a spam mirror
EPAPER_PREFIX, NEWS_PREFIX = "/epaper/", "/news/"
CHANNELS = {"xczx": "乡村振兴", "jcdj": "基层党建", "cgzc": "村官之窗"}
PAGE_NAMES = ["要闻", "乡村振兴", "基层治理", "村官之窗"]
LIST_PAGE_SIZE = 20


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


@dataclass(frozen=True)
class FaultEntry:
    """One fault the replica serves: where, what, and the kind a harvester must count it as."""

    host: str
    path: str
    fault: str
    kind: str
    count: int = 1  # how many errors of `kind` a bounded harvester records for it


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
                "expected_errors": self.expected_errors(),
            },
            ensure_ascii=False,
            indent=1,
        )

    def expected_errors(self) -> dict[str, int]:
        """Errors per kind a bounded harvest of the faulty site must count."""
        counts: dict[str, int] = {}
        for entry in self.faults.values():
            counts[entry.kind] = counts.get(entry.kind, 0) + entry.count
        return dict(sorted(counts.items()))


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


def synthetic_story(n: int, pool: list[Story], rng: random.Random) -> Story:
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


def utf8_page(html: str) -> Page:
    """A page of HTML served as UTF-8."""
    return Page(200, html.encode("utf-8"), "text/html; charset=utf-8")
