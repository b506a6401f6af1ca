"""Turn a decoded page into raw article fields: known profile, generic extractor, or text lines."""

from __future__ import annotations

import re

from parsel import Selector

from crawler.extract.fields import Extracted, NotAnArticle
from crawler.extract.generic import extract_generic
from crawler.extract.limits import MAX_CHARS, MAX_DEPTH, check_markup
from crawler.extract.profiles import PROFILES, Profile

_HTML_MARKERS = re.compile(r"<\s*(?:!doctype|html|head|body|p|div|br)\b", re.IGNORECASE)
_DATE_IN_LINE = re.compile(r"\d{4}\s*[-年/.－／．]\s*\d{1,2}\s*[-月/.－／．]\s*\d{1,2}")
# Line breaks and tabs inside an element become spaces; runs of spaces are kept here: the
# pinyin stripper and the meta-line parser read them (`東(dong)  陸` is 東 + a real space; a
# wide gap ends a 来源 value). The normalize stage folds them in titles and body text.
_BREAKS = re.compile(r"[\t\r\n\f\v]")
GENERIC = "generic"  # the generic extractor, as a layout name


def looks_like_html(text: str) -> bool:
    """True when the text has HTML tags near its start (else it is a plain-text capture)."""
    return bool(_HTML_MARKERS.search(text[:4096]))


def extract_page(
    text: str,
    profile: str | None = None,
    *,
    max_chars: int = MAX_CHARS,
    max_depth: int = MAX_DEPTH,
    forums: bool = False,
) -> Extracted:
    """Extract raw fields from decoded page text; raise NotAnArticle with the reason.

    A page over `max_chars` characters or nested deeper than `max_depth` is refused before it
    is parsed (PageRefused, a NotAnArticle; 0 turns a limit off). Forum and Q&A threads are
    refused (kind "forum") unless `forums` is true. `profile` forces a layout (None: detect).
    """
    return parse_page(text, max_chars=max_chars, max_depth=max_depth).extract(profile, forums=forums)


def parse_page(text: str, *, max_chars: int = MAX_CHARS, max_depth: int = MAX_DEPTH) -> ParsedPage:
    """The page parsed once (after the size and depth checks), for layout checks and extraction."""
    if max_chars and len(text) > max_chars:
        check_markup(text, max_chars, 0)
    if not looks_like_html(text):
        return ParsedPage(text, None)
    check_markup(text, max_chars, max_depth)
    return ParsedPage(text, Selector(text=text))


class ParsedPage:
    """One parse of a decoded page: a layout's selectors are checked and the fields extracted on it."""

    def __init__(self, text: str, selector: Selector | None) -> None:
        self.text = text
        self.selector = selector  # None: a plain-text capture, not markup
        self._matches: dict[str, bool] = {}

    def matches(self, profile: str) -> bool:
        """Whether a profile's title and body selectors both find something on the page."""
        if profile == GENERIC:
            return self.selector is not None
        if profile not in self._matches:
            layout = PROFILES[profile]
            found = (
                self.selector is not None
                and self.selector.css(layout.title)
                and self.selector.css(layout.body)
            )
            self._matches[profile] = bool(found)
        return self._matches[profile]

    def extract(self, profile: str | None = None, *, forums: bool = False) -> Extracted:
        """The raw fields by `profile` (`generic`: the generic extractor), or by the layout detected."""
        if self.selector is None:
            return _from_text_capture(self.text)
        if profile == GENERIC:
            return extract_generic(self.text, max_depth=0, forums=forums)  # depth checked by parse_page
        if profile:
            return _by_profile(self.selector, PROFILES[profile])
        for candidate in PROFILES:
            if self.matches(candidate):
                return _by_profile(self.selector, PROFILES[candidate])
        return extract_generic(self.text, max_depth=0, forums=forums)


def _text_of(selector: Selector) -> str:
    return _BREAKS.sub(" ", "".join(selector.css("::text").getall())).strip()


def _texts(selector: Selector, css: str) -> list[str]:
    if not css:
        return []
    return [text for node in selector.css(css) if (text := _text_of(node))]


def _by_profile(selector: Selector, profile: Profile) -> Extracted:
    body = _texts(selector, profile.body)
    if any(marker in "".join(body) for marker in profile.paywall):
        raise NotAnArticle("paywall")
    titles = _texts(selector, profile.title)
    if not titles:
        raise NotAnArticle(f"no title ({profile.name}: {profile.title})")
    if not body:
        raise NotAnArticle(f"no body ({profile.name}: {profile.body})")
    return Extracted(
        title=titles[0],
        subtitle=" ".join(_texts(selector, profile.subtitle)),
        meta_lines=_texts(selector, profile.meta),
        body=body,
        editor_lines=_texts(selector, profile.editor),
        profile=profile.name,
    )


def _from_text_capture(text: str) -> Extracted:
    """A plain-text capture: title line, meta line(s) up to the dated one, then the body lines."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if len(lines) < 2:
        raise NotAnArticle("text capture with no body")
    title, rest = lines[0], lines[1:]
    meta: list[str] = []
    for index, line in enumerate(rest[:3]):
        if _DATE_IN_LINE.search(line):
            meta, rest = rest[: index + 1], rest[index + 1 :]
            break
    if not rest:
        raise NotAnArticle("text capture with no body")
    return Extracted(title=title, meta_lines=meta, body=rest, profile="text")
