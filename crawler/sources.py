"""The registry of sources: which sites to harvest, with what spider, how politely, how often.

A source is data, one TOML table per site (crawler/sources.toml, or the file named by
HARVEST_SOURCES or `scrapy harvest --sources FILE`):

    [sources.some_county]
    kind = "discover"
    start = ["http://www.example.gov.cn/xwzx/"]

`kind` picks the spider family (KINDS); the rest is optional. Each source runs as its own
spider named after the entry, so runs, bookmarks and articles are kept per source. A malformed
entry raises SourceError naming the entry and the field, before anything starts.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cssselect import SelectorError
from parsel import Selector

from crawler.harvest.schedule import parse_interval

DEFAULT_FILE = Path(__file__).with_name("sources.toml")

# kind -> (spider family, what it walks)
KINDS: dict[str, tuple[str, str]] = {
    "founder_epaper": ("xcgb_epaper", "a Founder (方正) e-paper: issue days, pages (版), articles"),
    "cms_list": ("xcgb_news", "a CMS with channel lists: home, channels, paginated lists, articles"),
    "sitemap": ("site", "the articles listed in sitemap(s): the start URLs are sitemaps"),
    "feed": ("site", "the articles of RSS/Atom feed(s): the start URLs are feeds"),
    "discover": ("site", "the start host walked generically: sitemaps, feeds, lists, articles"),
}
# Selectors a cms_list source may override (the xcgb_news spider's class attributes).
SELECTORS = {"channels": "channel_links", "articles": "article_links", "next": "next_page"}
# Spider arguments a source may give, by kind (strings, as `-a NAME=VALUE` would).
ARGUMENTS: dict[str, tuple[str, ...]] = {
    "founder_epaper": ("since", "until"),
    "cms_list": ("channels",),
    "sitemap": ("since", "max_pages", "allow", "deny"),
    "feed": ("since", "max_pages", "allow", "deny"),
    "discover": ("since", "depth", "max_pages", "allow", "deny"),
}
_FIELDS = {"kind", "start", "hosts", "selectors", "delay", "concurrency", "schedule", "note"}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class SourceError(ValueError):
    """A registry that cannot be used; the message names the file, the entry and the field."""


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    start: tuple[str, ...]
    hosts: tuple[str, ...] = ()  # besides the start URLs' own hosts
    selectors: Mapping[str, str] = field(default_factory=dict)
    delay: float | None = None  # DOWNLOAD_DELAY for this source
    concurrency: int | None = None  # CONCURRENT_REQUESTS_PER_DOMAIN for this source
    schedule: float | None = None  # seconds between runs under `harvest --every`; None: every round
    arguments: Mapping[str, str] = field(default_factory=dict)
    note: str = ""

    @property
    def spider(self) -> str:
        """The spider family that walks this kind of source."""
        return KINDS[self.kind][0]

    def spider_arguments(self) -> dict[str, str]:
        """The `-a` arguments of the spider run: where to start, plus the entry's own."""
        if self.spider != "site":
            return {"base_url": ",".join(self.start), **self.arguments}
        only_listed = {"probe": "0", "depth": "0"} if self.kind in ("sitemap", "feed") else {}
        return {"start": ",".join(self.start), **only_listed, **self.arguments}

    def spider_attributes(self) -> dict[str, Any]:
        """Class attributes of this source's spider: its name, hosts, selectors, politeness."""
        attributes: dict[str, Any] = {"name": self.name, "source": self}
        if self.hosts:
            attributes["allowed_domains"] = list(self.hosts)
        attributes.update({SELECTORS[key]: css for key, css in self.selectors.items()})
        settings: dict[str, Any] = {}
        if self.delay is not None:
            settings["DOWNLOAD_DELAY"] = self.delay
        if self.concurrency is not None:
            settings["CONCURRENT_REQUESTS_PER_DOMAIN"] = self.concurrency
        if settings:
            attributes["custom_settings"] = settings
        return attributes


def registry_path(settings: Any, option: str | None = None) -> Path:
    """The registry file: `--sources FILE`, else HARVEST_SOURCES, else crawler/sources.toml."""
    return Path(option or settings.get("HARVEST_SOURCES") or DEFAULT_FILE)


def load_sources(path: Path) -> dict[str, Source]:
    """Every source of a registry file, validated; SourceError on the first problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SourceError(f"{path}: cannot read the registry: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SourceError(f"{path}: not valid TOML: {error}") from None
    return parse_sources(data, str(path))


def parse_sources(data: Mapping[str, Any], origin: str = "registry") -> dict[str, Source]:
    """Validate a parsed registry ({"sources": {name: entry}})."""
    unknown = set(data) - {"sources"}
    if unknown:
        raise SourceError(f"{origin}: unknown table(s) {', '.join(sorted(unknown))} (only [sources.NAME])")
    entries = data.get("sources")
    if not isinstance(entries, dict) or not entries:
        raise SourceError(f"{origin}: no [sources.NAME] entries")
    return {name: parse_source(name, entry, origin) for name, entry in entries.items()}


def parse_source(name: str, entry: Any, origin: str = "registry") -> Source:
    """One validated entry."""

    def fail(field_name: str, problem: str) -> SourceError:
        return SourceError(f"{origin}: [sources.{name}] {field_name}: {problem}")

    if not _NAME.match(name):
        raise fail("name", "use lowercase letters, digits and _ (it names the spider and its runs)")
    if not isinstance(entry, dict):
        raise fail("entry", "must be a table")
    kind = entry.get("kind")
    if kind is None:
        raise fail("kind", f"missing (one of {', '.join(KINDS)})")
    if kind not in KINDS:
        raise fail("kind", f"unknown kind {kind!r} (one of {', '.join(KINDS)})")
    allowed = _FIELDS | set(ARGUMENTS[kind])
    for key in entry:
        if key not in allowed:
            raise fail(key, f"not a field of a {kind} source (fields: {', '.join(sorted(allowed))})")
    start = entry.get("start")
    if isinstance(start, str):
        start = [start]
    if not start:
        raise fail("start", "missing (give at least one http(s) URL)")
    if not isinstance(start, list) or not all(isinstance(u, str) for u in start):
        raise fail("start", "must be a list of URLs")
    for url in start:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise fail("start", f"not an http(s) URL: {url!r}")
    hosts = entry.get("hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
        raise fail("hosts", "must be a list of host names")
    selectors = entry.get("selectors", {})
    if not isinstance(selectors, dict):
        raise fail("selectors", "must be a table")
    if selectors and kind != "cms_list":
        raise fail("selectors", "only cms_list sources take selectors")
    for key, css in selectors.items():
        if key not in SELECTORS:
            raise fail(f"selectors.{key}", f"unknown selector (known: {', '.join(SELECTORS)})")
        if not isinstance(css, str) or not css.strip():
            raise fail(f"selectors.{key}", "must be a CSS selector")
        _check_css(css, lambda problem, key=key: fail(f"selectors.{key}", problem))
    delay = _number(entry, "delay", float, fail)
    concurrency = _number(entry, "concurrency", int, fail)
    if concurrency is not None and concurrency < 1:
        raise fail("concurrency", "must be 1 or more")
    schedule = None
    if "schedule" in entry:
        try:
            schedule = parse_interval(str(entry["schedule"]))
        except ValueError as error:
            raise fail("schedule", str(error)) from None
    arguments = {}
    for key in ARGUMENTS[kind]:
        if key in entry:
            value = entry[key]
            if key in ("allow", "deny"):
                value = _patterns(value, lambda problem, key=key: fail(key, problem))
            elif key in ("since", "until"):
                value = _day(value, lambda problem, key=key: fail(key, problem))
            elif key in ("depth", "max_pages") and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise fail(key, "must be a whole number of 0 or more")
            arguments[key] = str(value)
    return Source(
        name=name,
        kind=kind,
        start=tuple(start),
        hosts=tuple(h.lower() for h in hosts),
        selectors=dict(selectors),
        delay=delay,
        concurrency=concurrency,
        schedule=schedule,
        arguments=arguments,
        note=str(entry.get("note", "")),
    )


def _number(entry: Mapping[str, Any], key: str, kind: type, fail: Any) -> Any:
    if key not in entry:
        return None
    value = entry[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise fail(key, "must be a number of 0 or more")
    return kind(value)


def _patterns(value: Any, fail: Any) -> str:
    """allow/deny: one regex or a list of them, checked; kept as one alternation."""
    patterns = [value] if isinstance(value, str) else value
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise fail("must be a regular expression or a list of them")
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise fail(f"bad regular expression {pattern!r}: {error}") from None
    return "|".join(f"(?:{p})" for p in patterns)


def _day(value: Any, fail: Any) -> str:
    """since/until: a TOML date or YYYY-MM-DD."""
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise fail(f"not a day: {value!r} (YYYY-MM-DD)") from None


def _check_css(css: str, fail: Any) -> None:
    try:
        Selector(text="<html></html>").css(css)
    except (SelectorError, ValueError) as error:
        raise fail(f"not a CSS selector: {error}") from None


def choose(sources: Mapping[str, Source], names: list[str]) -> list[Source]:
    """The sources to run: those named (each must exist), else all of them."""
    for name in names:
        if name not in sources:
            raise SourceError(f"no source named {name!r} (known: {', '.join(sorted(sources))})")
    return [sources[n] for n in names] if names else list(sources.values())
