"""Guards checked before a page is parsed: binary bodies, oversized pages, absurd nesting, controls.

A hostile or broken server can send anything as `text/html`. These checks are cheap scans
that run before lxml sees the page, so a 20 MB page or 10,000 nested `<div>` cost a refusal,
not the memory or the stack of the process. lxml's HTML parser itself stops building the
tree 256 levels down (libxml2's limit) and silently drops what lies deeper, so a page nested
deeper than that is not read correctly anyway.
"""

from __future__ import annotations

import re

from crawler.extract.fields import NotAnArticle

MAX_CHARS = 5 * 1024 * 1024  # a news page is a few hundred KB; 5 M characters is not an article
MAX_DEPTH = 256  # libxml2's HTML parser keeps no more levels than this
SNIFF_BYTES = 4096

# Signatures of formats that are not text (images, archives, PDF, office files, executables).
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\x1f\x8b\x08", "gzip"),
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"\x7fELF", "elf"),
    (b"MZ", "exe"),
    (b"RIFF", "riff"),
    (b"\x00\x00\x01\x00", "ico"),
    (b"BM", "bmp"),
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CONTROL = bytes(c for c in range(32) if c not in (9, 10, 12, 13))  # \t \n \f \r are text
_TEXT_START = re.compile(rb"^\s*<", re.ASCII)

# Tags whose end is optional or that have none: they never nest by themselves (HTML's rules).
_NO_NESTING = frozenset(
    (
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
        "track", "wbr", "keygen", "basefont", "frame", "p", "li", "dt", "dd", "tr", "td", "th", "thead",
        "tbody", "tfoot", "option", "optgroup", "colgroup", "caption", "rp", "rt", "rb", "rtc", "html",
        "head", "body",
    )
)  # fmt: skip
# [^<>]: a stray "<" ends the attempt, so the scan stays linear on hostile input.
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*?(/?)>")


# C0 controls but tab, newline and carriage return; DEL and C1; lone surrogates; noncharacters.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def printable(text: str) -> str:
    """The text without control characters, lone surrogates or noncharacters (never in an article)."""
    return _UNPRINTABLE.sub("", text)


class PageRefused(NotAnArticle):
    """A page refused before parsing; `kind` names the limit (binary, too_large, too_deep)."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind


def binary_signature(body: bytes) -> str | None:
    """What a body is when it is not text: a format's name, "control-bytes", or None for text."""
    head = body[:SNIFF_BYTES]
    if head.startswith(_UTF16_BOMS):
        return None  # UTF-16 text has NULs by nature
    if not _TEXT_START.match(head):  # text pages can start with "MZ…" or "BM…"; markup can't
        for magic, name in _MAGIC:
            if head.startswith(magic):
                return name
    if b"\x00" in head:
        return "nul-bytes"
    controls = sum(head.count(bytes([c])) for c in _CONTROL)
    if head and controls > 0.05 * len(head):
        return "control-bytes"
    return None


def markup_depth(text: str, stop_at: int = MAX_DEPTH) -> int:
    """How deep the elements of an HTML text nest (tags whose end tag is optional not counted).

    A cheap scan, no parsing (tags inside comments and scripts count too, which only errs on
    the deep side); stops and returns as soon as the depth passes `stop_at`.
    """
    depth = deepest = 0
    for match in _TAG.finditer(text):
        closing, name, self_closing = match.groups()
        if self_closing or name.lower() in _NO_NESTING:
            continue
        if closing:
            depth = max(0, depth - 1)
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if deepest > stop_at:
                break
    return deepest


def check_markup(text: str, max_chars: int = MAX_CHARS, max_depth: int = MAX_DEPTH) -> None:
    """Raise PageRefused when a decoded page is too large or nests too deep to be parsed safely."""
    if max_chars and len(text) > max_chars:
        raise PageRefused("too_large", f"too large: {len(text):,} characters (limit {max_chars:,})")
    if max_depth and markup_depth(text, max_depth) > max_depth:
        raise PageRefused("too_deep", f"nested too deep: over {max_depth} levels")
