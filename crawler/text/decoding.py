"""Decide a page's encoding from the evidence and decode it.

Evidence, in order:

1. a byte-order mark (UTF-8, UTF-16);
2. the charset of the HTTP ``Content-Type`` header;
3. ``<meta charset>`` / ``<meta http-equiv="Content-Type">`` (or an XML declaration)
   in the first 4 KB;
4. a statistical check of the bytes, used when nothing is declared, when the declared
   charset fails to decode, or when it decodes to implausible text (a lying header, an
   undeclared GBK page). Candidates are UTF-8, GB18030, Big5-HKSCS and charset-normalizer's
   guess; each strict decoding is scored by the share of its characters that are plausible
   (ASCII, common Han characters, CJK punctuation).

``gb2312``/``gbk`` labels decode as GB18030 and ``big5`` as Big5-HKSCS (their supersets).
A page that no candidate decodes cleanly is decoded with replacement characters (U+FFFD)
and flagged ``decode-errors:N``; it is never dropped. A single-byte code page that a guess
names (ptcp154, cp1251 …) is taken only when no Chinese reading of the bytes is plausible: a
GBK page with a few broken bytes is GB18030 with those bytes replaced.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass
from functools import lru_cache

import charset_normalizer

from crawler.text.script import common_chars

logger = logging.getLogger(__name__)
# charset_normalizer makes a DEBUG record at every step of every guess; in a crawl (Scrapy leaves
# every logger at NOTSET, its handler filters) those records cost 1.8 ms of a 2.4 ms guess.
logging.getLogger("charset_normalizer").setLevel(logging.WARNING)

SNIFF_BYTES = 4096
PLAUSIBLE = 0.85  # share of plausible non-ASCII characters a decoding needs
MIN_EVIDENCE = 8  # fewer non-ASCII characters than this are always plausible
SAMPLE_CHARS = 4000  # plausibility is judged on about this many characters spread over the text
SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
    "latin-1": "cp1252",  # as browsers do (WHATWG)
    "ascii": "utf-8",
}
LABEL_ALIASES = {"x-gbk": "gbk", "x-x-big5": "big5", "x-euc-tw": "big5"}  # labels Python lacks
DETECTION_CANDIDATES = ("utf-8", "gb18030", "big5hkscs")
# Codecs a statistical guess may name that are not single-byte code pages. A single-byte guess
# (ptcp154, cp1251, koi8-r …) decodes any bytes; it never wins over a plausible Chinese reading.
MULTI_BYTE = frozenset(
    {"utf-8", "gb18030", "big5hkscs", "euc_jp", "shift_jis", "cp932", "euc_kr", "cp949", "iso2022_jp"}
)
BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_HEADER_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_META_CHARSET_RE = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_ENCODING_RE = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)""")
_PLAUSIBLE_RANGES = (
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0xFF00, 0xFFEF),  # full-width forms
    (0x2010, 0x2027),  # dashes, quotes, ellipsis
    (0x00B7, 0x00B7),  # middle dot
)
PINYIN_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"  # tone marks: mirrors write pinyin into the text


@dataclass(frozen=True)
class Decoded:
    """A decoded page, the codec used and the evidence for it."""

    text: str
    encoding: str  # codec actually used, e.g. "utf-8", "gb18030", "big5hkscs"
    flags: tuple[str, ...]


def normalize_label(label: str) -> str | None:
    """Map a declared charset label to the codec we decode with (None if unknown)."""
    try:
        cleaned = label.strip().lower()
        name = codecs.lookup(LABEL_ALIASES.get(cleaned, cleaned)).name
    except LookupError:
        return None
    return SUPERSETS.get(name, name)


def header_charset(content_type: str | None) -> str | None:
    """The charset label of an HTTP Content-Type value."""
    if not content_type:
        return None
    match = _HEADER_CHARSET_RE.search(content_type)
    return match.group(1) if match else None


def meta_charset(body: bytes) -> str | None:
    """The charset label declared inside the document (meta tag or XML declaration)."""
    head = body[:SNIFF_BYTES]
    match = _XML_ENCODING_RE.search(head) or _META_CHARSET_RE.search(head)
    return match.group(1).decode("ascii") if match else None


@lru_cache(maxsize=1)
def _implausible_only() -> dict[int, None]:
    """A str.translate table deleting ASCII and every plausible character (common Han, CJK punctuation)."""
    keep_out = set(range(0x80)) | {ord(char) for char in common_chars() | set(PINYIN_VOWELS)}
    for low, high in _PLAUSIBLE_RANGES:
        keep_out.update(range(low, high + 1))
    return dict.fromkeys(keep_out)


def plausibility(text: str) -> float:
    """Share of the non-ASCII characters of a text that are plausible (1.0 when few)."""
    text = text[:: max(1, len(text) // SAMPLE_CHARS)]  # an even sample gives the verdict cheaply
    rest = len(text) - len(text.encode("ascii", "ignore"))
    if rest < MIN_EVIDENCE:
        return 1.0
    return 1 - len(text.translate(_implausible_only())) / rest


def _strict(body: bytes, codec: str) -> str | None:
    """Decode strictly, or None when the bytes are not valid in that codec."""
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(body: bytes) -> tuple[str, str] | None:
    """Pick the candidate whose strict decoding is the most plausible: (codec, text)."""
    candidates = list(DETECTION_CANDIDATES)
    best_guess = charset_normalizer.from_bytes(body).best()
    if best_guess is not None:
        guessed = normalize_label(best_guess.encoding)
        if guessed and guessed not in candidates:
            candidates.append(guessed)
    scored: list[tuple[float, int, str, str]] = []
    for order, codec in enumerate(candidates):
        text = _strict(body, codec)
        if text is not None:
            scored.append((plausibility(text), -order, codec, text))
    if not scored:
        return None
    _, _, codec, text = max(scored)
    return codec, text


def _with_replacements(body: bytes) -> Decoded:
    """Decode with the candidate whose readable part is the most plausible, marking errors U+FFFD."""
    scored: list[tuple[float, int, str, str]] = []
    for codec in DETECTION_CANDIDATES:
        text = body.decode(codec, errors="replace")
        errors = text.count("\ufffd")
        scored.append((plausibility(text.replace("\ufffd", "")), -errors, codec, text))
    _, errors, codec, text = max(scored)
    logger.info("no clean decoding; %s with %d replacement characters", codec, -errors)
    return Decoded(text, codec, (f"encoding:{codec}", "encoding-from:detected", f"decode-errors:{-errors}"))


def decode_page(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode a page (HTML or plain text) from its bytes and HTTP Content-Type header."""
    for bom, marked in BOMS:
        if body.startswith(bom):
            unmarked = body[len(bom) :].decode(marked, errors="replace")
            found = [f"encoding:{marked}", "encoding-from:bom"]
            errors = unmarked.count("\ufffd")
            if errors:
                found.append(f"decode-errors:{errors}")
            return Decoded(unmarked, marked, tuple(found))

    flags: list[str] = []
    declared = (
        ("http-header", header_charset(content_type)),
        ("meta", meta_charset(body)),
    )
    for source, label in declared:
        if label is None:
            continue
        codec = normalize_label(label)
        if codec is None:
            flags.append(f"encoding-label-unknown:{label}")
            continue
        text = _strict(body, codec)
        # Valid UTF-8 is evidence enough (other charsets' Chinese bytes almost never are);
        # GB18030 and Big5 decode nearly any bytes, so their text must also look like Chinese.
        if text is not None and (codec == "utf-8" or plausibility(text) >= PLAUSIBLE):
            return Decoded(text, codec, (f"encoding:{codec}", f"encoding-from:{source}", *flags))
        flags.append(f"encoding-{'header' if source == 'http-header' else 'meta'}-lied:{label}")

    if not body.strip(b"\t\n\r\x0c ") or body.isascii():
        return Decoded(body.decode("utf-8"), "utf-8", ("encoding:utf-8", "encoding-from:default"))
    detected = _detect(body)
    if detected is None or detected[0] not in MULTI_BYTE:
        fallback = _with_replacements(body)
        readable = fallback.text.replace("\ufffd", "")
        if detected is None or plausibility(readable) >= PLAUSIBLE:
            return Decoded(fallback.text, fallback.encoding, (*fallback.flags, *flags))
    codec, text = detected
    return Decoded(text, codec, (f"encoding:{codec}", "encoding-from:detected", *flags))
