"""THE chain: a raw page -> an Article or a Refusal, with typed cleaning facts.

`build_article(page, options)` runs the steps in order, each composing the rules that live in
crawler.text and crawler.extract (this module copies none of them):

1. decode    refuse what is not a page (too large, binary, undecodable); decode from the evidence
2. extract   parse once; check the site profile's selectors on that parse (a profile that no
             longer fits hands the page to layout detection, or keeps a re-checked stored
             article as stored); pull out the raw fields, or refuse (too deep, not an article)
3. normalize repair mojibake, remove inline pinyin, Traditional -> Simplified (one script
             decision per page); fold runs of spaces in title and body
4. junk      SEO junk and page chrome out of the body
5. metadata  published_at (+08:00), source, author, editor, regions

What each step did is recorded as typed facts (crawler/facts.py: `Fact` and its subclasses). They
are turned into the stored `flags` strings in one place, `flags_of`, and read back from stored
rows by `facts_of`, its inverse. The crawl's pipeline (pipelines/article.py), `scrapy extract`,
`scrapy reclean`, the benchmarks and the fuzz tests all call `build_article`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from crawler.extract import Extracted, NotAnArticle
from crawler.extract.limits import MAX_CHARS, MAX_DEPTH, PageRefused, binary_signature, printable
from crawler.extract.page import parse_page
from crawler.facts import (
    DateFromUrl,
    DateMissing,
    DecodeErrors,
    EncodingEvidence,
    Fact,
    JunkRemoved,
    OtherFlag,
    facts_of,
    flags_of,
    is_damaged,
    text_fact,
)
from crawler.text.byline import Byline, author_from_dateline, parse_byline, split_credits, split_editor
from crawler.text.clean import clean_text, page_is_traditional
from crawler.text.dates import date_from_url, parse_published
from crawler.text.decoding import PLAUSIBLE, decode_page, plausibility
from crawler.text.junk import remove_junk
from crawler.text.pinyin import strip_ruby
from crawler.text.regions import find_regions

NOISE = PLAUSIBLE / 2  # a detected decoding this implausible is noise, not a language
MAX_DECODE_ERRORS = 16  # replaced bytes a page may have and still be read

# --- the input ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawPage:
    """A fetched page as the spider hands it on, with the context the chain may use."""

    body: bytes = field(repr=False)
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    status: int = 200
    fetched_at: datetime | None = None
    spider: str = ""
    profile: str | None = None  # the spider's layout (crawler.extract.profiles); None: detect
    recheck: bool = False  # a stored article fetched again: a layout that no longer fits keeps it
    edition: str | None = None  # e-paper page (版)
    issue_date: date | None = None  # e-paper issue day

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> RawPage:
        """The raw page of a spider's article item (crawler.items.Article, or a dict of its fields)."""
        return cls(
            body=item["raw_body"],
            url=item.get("url") or "",
            headers=item.get("raw_headers") or {},
            status=int(item.get("status") or 200),
            fetched_at=item.get("fetched_at"),
            spider=item.get("spider") or "",
            profile=item.get("profile"),
            recheck=bool(item.get("recheck")),
            edition=item.get("edition"),
            issue_date=item.get("issue_date"),
        )

    @property
    def content_type(self) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == "content-type"), None)


@dataclass(frozen=True)
class Options:
    """The chain's limits and switches (crawler/settings.py HARVEST_EXTRACT_* and HARVEST_*_ENABLED)."""

    max_bytes: int = MAX_CHARS  # a page over this is refused unparsed (0: no limit)
    max_depth: int = MAX_DEPTH  # markup nested deeper is refused unparsed (0: no limit)
    max_decode_errors: int = MAX_DECODE_ERRORS  # more replaced bytes: undecodable
    forums: bool = False  # keep forum and Q&A threads as articles
    normalize: bool = True  # step 3
    junk: bool = True  # step 4
    metadata: bool = True  # step 5

    @classmethod
    def from_settings(cls, settings: Any) -> Options:
        """The options a Scrapy Settings object gives."""
        return cls(
            max_bytes=settings.getint("HARVEST_EXTRACT_MAX_BYTES"),
            max_depth=settings.getint("HARVEST_EXTRACT_MAX_DEPTH"),
            max_decode_errors=settings.getint("HARVEST_EXTRACT_MAX_DECODE_ERRORS"),
            forums=settings.getbool("HARVEST_EXTRACT_FORUMS"),
            normalize=settings.getbool("HARVEST_NORMALIZE_ENABLED"),
            junk=settings.getbool("HARVEST_JUNK_ENABLED"),
            metadata=settings.getbool("HARVEST_METADATA_ENABLED"),
        )


DEFAULTS = Options()


# --- the outcome --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    """A cleaned article: typed fields, the facts of its cleaning, and the page it came from."""

    page: RawPage
    encoding: str
    profile: str  # the layout read: a profile's name, "generic" or "text"
    title: str
    body: list[str]
    subtitle: str = ""
    meta_lines: list[str] = field(default_factory=list)
    editor_lines: list[str] = field(default_factory=list)
    published_at: datetime | None = None  # China time (+08:00); None if not found
    source: str | None = None
    author: str | None = None
    editor: str | None = None
    regions: list[dict[str, str]] = field(default_factory=list)
    facts: tuple[Fact, ...] = ()
    layout_hit: bool | None = None  # the page profile's selectors matched (None: no profile given)

    @property
    def flags(self) -> list[str]:
        return flags_of(self.facts)

    @property
    def damaged(self) -> bool:
        return is_damaged(self.facts)


class RefusalKind(StrEnum):
    # the fault ledger's kinds (crawler.harvest.faults): the page is not a usable page
    TOO_LARGE = "too_large"
    BINARY = "binary"
    UNDECODABLE = "undecodable"
    TOO_DEEP = "too_deep"
    # a usable page that gives no article
    NOT_ARTICLE = "not_article"  # `detail`: forum, list or other (crawler.extract.NotAnArticle.kind)
    LAYOUT_CHANGED = "layout_changed"  # a re-checked stored article whose layout no longer fits
    NO_BODY = "no_body"
    NO_TITLE = "no_title"


FAULTS = frozenset({RefusalKind.TOO_LARGE, RefusalKind.BINARY, RefusalKind.UNDECODABLE, RefusalKind.TOO_DEEP})


@dataclass(frozen=True)
class Refusal:
    """A page that gives no article: why (`kind`, `message`), and the facts found before it."""

    page: RawPage
    kind: RefusalKind
    message: str  # the drop reason, e.g. "not an article: paywall", "no body after junk removal"
    detail: str = ""  # NOT_ARTICLE: forum, list or other
    facts: tuple[Fact, ...] = ()
    layout_hit: bool | None = None

    @property
    def is_fault(self) -> bool:
        """A fault the ledger counts (harvest/errors/<kind>), not just a page without an article."""
        return self.kind in FAULTS


# --- the chain ----------------------------------------------------------------------------------


TEXT_FIELDS = ("title", "subtitle")
LIST_FIELDS = ("meta_lines", "editor_lines", "body")
FOLDED_FIELDS = ("title", "subtitle", "body")  # meta lines keep their gaps for the metadata step
_SPACE_RUNS = re.compile(r" {2,}")


@dataclass
class _Draft:
    """The article while the steps work on it."""

    page: RawPage
    options: Options
    text: str = ""
    encoding: str = ""
    profile: str = ""
    title: str = ""
    subtitle: str = ""
    meta_lines: list[str] = field(default_factory=list)
    editor_lines: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    source: str | None = None
    author: str | None = None
    editor: str | None = None
    regions: list[dict[str, str]] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    layout_hit: bool | None = None

    def refuse(self, kind: RefusalKind, message: str, detail: str = "") -> Refusal:
        return Refusal(self.page, kind, message, detail, tuple(self.facts), self.layout_hit)

    def article(self) -> Article:
        return Article(
            page=self.page, encoding=self.encoding, profile=self.profile, title=self.title, body=self.body,
            subtitle=self.subtitle, meta_lines=self.meta_lines, editor_lines=self.editor_lines,
            published_at=self.published_at, source=self.source, author=self.author, editor=self.editor,
            regions=self.regions, facts=tuple(self.facts), layout_hit=self.layout_hit,
        )  # fmt: skip


def _decode(draft: _Draft) -> Refusal | None:
    """Refuse what is not a page, unparsed; decode the rest from the evidence."""
    body, limits = draft.page.body, draft.options
    if limits.max_bytes and len(body) > limits.max_bytes:
        message = f"too large: {len(body):,} bytes (limit {limits.max_bytes:,})"
        return draft.refuse(RefusalKind.TOO_LARGE, message)
    if signature := binary_signature(body):
        return draft.refuse(RefusalKind.BINARY, f"binary: {signature} served as a page")
    decoded = decode_page(body, draft.page.content_type)
    facts = facts_of(decoded.flags)
    errors = sum(fact.count for fact in facts if isinstance(fact, DecodeErrors))
    if errors > limits.max_decode_errors:
        message = f"undecodable: {errors} invalid bytes in {decoded.encoding}"
        return draft.refuse(RefusalKind.UNDECODABLE, message)
    if EncodingEvidence("detected") in facts and plausibility(decoded.text) < NOISE:
        return draft.refuse(RefusalKind.UNDECODABLE, f"undecodable: reads as noise in {decoded.encoding}")
    draft.text, draft.encoding = decoded.text, decoded.encoding
    draft.facts += facts
    return None


def _extract(draft: _Draft) -> Refusal | None:
    """Parse once, check the profile's selectors on that parse, pull out the raw fields."""
    limits, hint = draft.options, draft.page.profile
    try:
        parsed = parse_page(
            strip_ruby(printable(draft.text)), max_chars=limits.max_bytes, max_depth=limits.max_depth
        )
        if hint:
            draft.layout_hit = parsed.matches(hint)
            if not draft.layout_hit and draft.page.recheck:
                # a stored article whose layout changed: keep the stored text, not a weaker reading
                message = f"layout changed: the {hint} selectors no longer match (the stored text is kept)"
                return draft.refuse(RefusalKind.LAYOUT_CHANGED, message)
        fields = parsed.extract(hint if draft.layout_hit else None, forums=limits.forums)
    except PageRefused as refused:
        return draft.refuse(RefusalKind(refused.kind), str(refused))
    except NotAnArticle as reason:
        return draft.refuse(RefusalKind.NOT_ARTICLE, f"not an article: {reason}", reason.kind)
    _take(draft, fields)
    return None


def _take(draft: _Draft, fields: Extracted) -> None:
    draft.profile, draft.title, draft.subtitle = fields.profile, fields.title, fields.subtitle
    draft.meta_lines, draft.editor_lines, draft.body = fields.meta_lines, fields.editor_lines, fields.body


def _normalize(draft: _Draft) -> Refusal | None:
    """Clean every text field (one script decision per page), recording each repair."""
    texts = [draft.title, draft.subtitle, *(line for name in LIST_FIELDS for line in getattr(draft, name))]
    traditional = page_is_traditional(texts)

    def clean(text: str, where: str, name: str) -> str:
        result = clean_text(text, traditional=traditional)
        draft.facts += [text_fact(where, flag) or OtherFlag(f"{where}:{flag}") for flag in result.flags]
        return _SPACE_RUNS.sub(" ", result.text) if name in FOLDED_FIELDS else result.text

    for name in TEXT_FIELDS:
        if text := getattr(draft, name):
            setattr(draft, name, clean(text, name, name))
    for name in LIST_FIELDS:
        lines = [clean(line, f"{name}[{i}]", name) for i, line in enumerate(getattr(draft, name))]
        setattr(draft, name, [line for line in lines if line])
    return None


def _junk(draft: _Draft) -> Refusal | None:
    """SEO junk and page chrome out of the body; a body with nothing left is refused."""
    draft.body, removed = remove_junk(draft.body)
    draft.facts += [JunkRemoved(kind, count) for kind, count in sorted(removed.items())]
    if not split_editor(draft.body)[0]:
        return draft.refuse(RefusalKind.NO_BODY, "no body after junk removal")
    return None


def _metadata(draft: _Draft) -> Refusal | None:
    """published_at, source, author, editor and regions from what the page says.

    The header (meta lines) speaks first, then the credit lines at the body's edges (taken
    out of the body: `来源：X 责任编辑：Y`, `（记者 张三）`, `编辑 X｜审核 Y`), then the
    reporters' dateline opening the body. A 来源 or an organisation is never the author.
    """
    meta = "  ".join(draft.meta_lines)
    published = parse_published(meta)
    if published is None and (published := date_from_url(draft.page.url)):
        draft.facts.append(DateFromUrl())
    draft.published_at = published
    if published is None:
        draft.facts.append(DateMissing())
    body, credits = split_credits(draft.body)
    header = parse_byline(meta)
    found = [header, *(parse_byline(line) for line in [*draft.editor_lines, *credits])]
    draft.body = body
    draft.source = _first(found, "source")
    draft.author = (
        _first([byline for byline in found if not byline.guessed], "author")
        or _dateline(body)
        or _first(found, "author")
    )
    draft.editor = _first([*found[1:], header], "editor")
    draft.regions = find_regions(draft.title, body)
    return None


def _dateline(body: list[str]) -> str | None:
    """The reporters of a dateline opening the body (its first two paragraphs) or closing it."""
    if not body:
        return None
    opening = (author_from_dateline(paragraph) for paragraph in body[:2])
    return next((names for names in opening if names), None) or author_from_dateline(body[-1], closing=True)


def _first(bylines: list[Byline], name: str) -> str | None:
    return next((value for byline in bylines if (value := getattr(byline, name))), None)


Step = Callable[[_Draft], "Refusal | None"]
# (name, step, the Options switch that turns it off, if any): the chain, in order
STEPS: tuple[tuple[str, Step, str | None], ...] = (
    ("decode", _decode, None),
    ("extract", _extract, None),
    ("normalize", _normalize, "normalize"),
    ("junk", _junk, "junk"),
    ("metadata", _metadata, "metadata"),
)


def build_article(
    page: RawPage, options: Options = DEFAULTS, *, timer: Callable[[str, float], None] | None = None
) -> Article | Refusal:
    """The article a raw page holds, or why it holds none (THE chain: see the module's docstring).

    `timer`, if given, is called with each step's name and the CPU seconds its thread took.
    """
    draft = _Draft(page, options)
    for name, step, switch in STEPS:
        if switch is not None and not getattr(options, switch):
            continue
        if timer is None:
            refusal = step(draft)
        else:
            started = time.thread_time()
            refusal = step(draft)
            timer(name, time.thread_time() - started)
        if refusal is not None:
            return refusal
    if not draft.title:
        return draft.refuse(RefusalKind.NO_TITLE, "no title after cleaning")
    draft.body = [paragraph for paragraph in draft.body if paragraph]
    if not draft.body:
        return draft.refuse(RefusalKind.NO_BODY, "no body after cleaning")
    return draft.article()


def item_fields(article: Article) -> dict[str, Any]:
    """The Article item's fields (crawler.items) the chain fills: what storage and feeds read."""
    return {
        "encoding": article.encoding, "profile": article.profile, "title": article.title,
        "subtitle": article.subtitle, "meta_lines": article.meta_lines, "editor_lines": article.editor_lines,
        "body": article.body, "published_at": article.published_at, "source": article.source,
        "author": article.author, "editor": article.editor, "regions": article.regions,
        "facts": list(article.facts), "flags": article.flags,
    }  # fmt: skip
