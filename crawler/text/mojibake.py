"""Repair of the GBK one-byte-shift damage some mirrors leave in their pages.

How the damage happens (field notes, section 3): the page was decoded one byte off, the
annotator wrote pinyin after a garbage character, and the text was decoded again in step.
The pinyin's ``(`` then sits between a character's two bytes: the lead byte and the ``(``
come out as ``?``, the rest of the pinyin dangles (``?yōu)``), and the following
characters are read one byte off (``楫a``) until a trail byte in the ASCII range turns up
as a Latin letter. A byte may also be lost outright and shown as ``?``.

The repair finds such a span, turns it back into GBK bytes with each ``?`` as an unknown
byte, re-reads the bytes in step and keeps a candidate only when every character it yields
is common and every pinyin left in the span is a reading of its character. A pinyin that
falls inside a character of the candidate is the annotator's, written after the garbage
character read one byte off; it must be a reading of that garbage character. An unknown
byte is restored as part of a Han character only when a pinyin checks it, otherwise only as
punctuation (``?，F(xiàn)`` -> ``。現(xiàn)``); a span needs at least one pinyin confirming the
re-alignment, and a `?` that may have swallowed an ASCII character is left alone. When not
exactly one candidate survives, the span stays as it is and is flagged with its offset.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from crawler.text.pinyin import HAN, SYLLABLE_CHARS, is_reading
from crawler.text.script import FULL_WIDTH_PUNCTUATION, is_common, script_counts

logger = logging.getLogger(__name__)

UNKNOWN = "?\ufffd"
MAX_SPAN = 12  # characters read after an unknown byte before giving up
MAX_UNKNOWNS = 3
MAX_SOLUTIONS = 64
ASCII_TO_FULL_WIDTH = {",": "，", ".": "。", "!": "！", ":": "：", ";": "；"}
LEAD_BYTES = range(0x81, 0xFF)
TRAIL_BYTES = [*range(0x40, 0x7F), *range(0x80, 0xFF)]

# an unknown byte after Han text or Chinese punctuation (the evidence is weighed in code)
_UNKNOWN_RE = re.compile(rf"(?<=[{HAN}）)“”‘’《》「」，。、；：！,.])[{UNKNOWN}]|\ufffd")
_HAN_AT_RE = re.compile(rf"[{HAN}]")
_CLEAN_FAST_RE = re.compile(rf"[{UNKNOWN}]")
_DANGLING_RE = re.compile(rf"(?P<syllable>[{SYLLABLE_CHARS}]{{1,7}})\)")
_ANNOTATION_RE = re.compile(rf"(?P<open>[(（])(?P<syllable>[{SYLLABLE_CHARS}]{{1,7}})(?P<close>[)）])")


@dataclass(frozen=True)
class Annotation:
    """A pinyin found in a span: where it sits in the byte stream and how it was written."""

    offset: int  # byte offset after which it was written
    syllable: str
    text: str  # as written, to put back when it belongs to a repaired character


@dataclass
class Span:
    """A damaged stretch of text turned into bytes, ``None`` standing for an unknown byte."""

    start: int
    end: int
    stream: list[int | None]
    annotations: list[Annotation]
    evidence: bool  # pinyin, a second unknown byte or a rare character says it is damage
    ambiguous: bool  # an unknown byte may also have swallowed an ASCII character


@lru_cache(maxsize=65536)
def gbk_char(lead: int, trail: int) -> str | None:
    """Decode one GBK byte pair, or None when it is not a character."""
    try:
        return bytes((lead, trail)).decode("gbk")
    except UnicodeDecodeError:
        return None


@lru_cache(maxsize=8192)
def gbk_bytes(char: str) -> bytes | None:
    """Encode one character to GBK (folded ASCII punctuation as its full-width form)."""
    try:
        return ASCII_TO_FULL_WIDTH.get(char, char).encode("gbk")
    except UnicodeEncodeError:
        return None


def _read_span(text: str, start: int) -> Span | None:
    """Tokenise the damaged span starting at an unknown byte into a byte stream.

    The span ends at the token where reading falls back in step: a Latin letter (a trail
    byte in the ASCII range) or a second unknown byte.
    """
    stream: list[int | None] = []
    annotations: list[Annotation] = []
    position = start
    unknowns = 0
    evidence = text[start] == "\ufffd"
    ambiguous = False
    for _ in range(MAX_SPAN):
        if position >= len(text):
            break
        char = text[position]
        position += 1
        resync = False
        if char in UNKNOWN:
            unknowns += 1
            if unknowns > MAX_UNKNOWNS:
                return None
            stream.append(None)
            evidence = evidence or unknowns > 1 or char == "\ufffd"
            resync = unknowns > 1
            dangling = _DANGLING_RE.match(text, position)
            if dangling:  # the `?` swallowed the annotation's `(`
                syllable = dangling.group("syllable")
                annotations.append(Annotation(len(stream), syllable, f"({syllable})"))
                position = dangling.end()
            elif resync:  # it ended the shifted run, maybe swallowing an ASCII character
                ambiguous = True
        elif ("\x40" <= char <= "\x7e" and char.isalpha()) or char in "@[]^_`{|}~":
            stream.append(ord(char))
            resync = True
            # a lowercase letter alone inside Han text is out of place (A股, X光 are not)
            evidence = evidence or (char.islower() and _HAN_AT_RE.match(text, position) is not None)
        else:
            encoded = gbk_bytes(char)
            if encoded is None or len(encoded) != 2:
                return None
            evidence = evidence or not is_common(char)
            stream.extend(encoded)
        annotation = _ANNOTATION_RE.match(text, position)
        if annotation:
            annotations.append(Annotation(len(stream), annotation.group("syllable"), annotation.group()))
            position = annotation.end()
        if resync:
            evidence = evidence or bool(annotations)
            return Span(start, position, stream, annotations, evidence, ambiguous)
    return None


def _fits(annotations: list[Annotation], end: int, char: str, values: list[int]) -> bool:
    """Check the pinyin written at or inside the character that ends at byte ``end``."""
    for annotation in annotations:
        if annotation.offset == end:
            reader = char
        elif annotation.offset == end - 1:  # the annotator's, read one byte off
            reader = (gbk_char(values[end - 3], values[end - 2]) if end >= 3 else None) or ""
        else:
            continue
        if not is_reading(reader, annotation.syllable):
            return False
    return True


def _candidates(span: Span, context: bytes) -> list[tuple[list[str], list[int]]] | None:
    """Every in-step reading of the span's bytes made of common characters whose pinyin fits.

    Returns (characters, end offsets) per candidate, or None when there are too many.
    """
    offset = len(context)
    stream = [*context, *span.stream]
    annotations = [Annotation(a.offset + offset, a.syllable, a.text) for a in span.annotations]
    found: list[tuple[list[str], list[int]]] = []

    def walk(index: int, values: list[int], chars: list[str], ends: list[int]) -> bool:
        if len(found) > MAX_SOLUTIONS:
            return False
        if index == len(stream):
            found.append((chars, ends))
            return True
        lead = stream[index]
        if (lead is not None and lead < 0x80) or index + 1 == len(stream):
            return True  # a lone byte inside Han text: not a repair
        trail = stream[index + 1]
        for lead_byte in LEAD_BYTES if lead is None else (lead,):
            for trail_byte in TRAIL_BYTES if trail is None else (trail,):
                char = gbk_char(lead_byte, trail_byte)
                if char is None or not is_common(char):
                    continue
                now = [*values, lead_byte, trail_byte]
                if not _fits(annotations, index + 2, char, now):
                    continue
                if not walk(index + 2, now, [*chars, char], [*ends, index + 2 - offset]):
                    return False
        return True

    if not walk(offset, list(context), [], []):
        return None
    return found


def _supported(span: Span, chars: list[str], ends: list[int], traditional: bool | None) -> bool:
    """True when every character holding an unknown byte is backed by more than frequency.

    A Han character is restored only when a pinyin checks each of its unknown bytes; without
    one, only a punctuation mark is (a lost byte of ``。`` shows as ``?，``). A character of
    the other script than the text's is never restored.
    """
    checked = {a.offset + shift for a in span.annotations for shift in (-2, -1)}
    for char, end in zip(chars, ends, strict=True):
        unknown = {i for i in (end - 2, end - 1) if span.stream[i] is None}
        if not unknown:
            continue
        trad, simp = script_counts(char)
        if (traditional is True and simp) or (traditional is False and trad):
            return False
        if not (unknown <= checked or char in FULL_WIDTH_PUNCTUATION):
            return False
    return True


def _resolve(span: Span, context: bytes, traditional: bool | None) -> str | None:
    """Return the repaired text of a span when exactly one candidate survives every check."""
    candidates = _candidates(span, context)
    if not candidates:
        return None
    candidates = [candidate for candidate in candidates if _supported(span, *candidate, traditional)]
    if len(candidates) != 1:
        return None
    chars, ends = candidates[0]
    pieces: list[str] = []
    for char, end in zip(chars, ends, strict=True):
        pieces.append(char)
        pieces.extend(a.text for a in span.annotations if a.offset == end)
    return "".join(pieces)


def _context_bytes(text: str, start: int) -> bytes:
    """The GBK bytes of the character before a span (the annotator may have read across it)."""
    if start == 0:
        return b""
    return gbk_bytes(text[start - 1]) or b""


def repair_mojibake(text: str) -> tuple[str, list[str]]:
    """Repair GBK byte-shift damage; flags name each span repaired or left (offset in input)."""
    if not _CLEAN_FAST_RE.search(text):
        return text, []
    flags: list[str] = []
    pieces: list[str] = []
    done = seen = 0
    trad, simp = script_counts(text)
    traditional = None if trad == simp else trad > simp
    for match in _UNKNOWN_RE.finditer(text):
        start = match.start()
        if start < seen:
            continue
        span = _read_span(text, start)
        if span is None:
            if text[start] == "\ufffd" or text[start + 1 : start + 2] in {"?", "\ufffd"}:
                flags.append(f"mojibake-unrepaired:{start}")
            continue
        if not span.evidence:
            continue  # a question mark, not damage
        repaired = None
        if span.annotations and not span.ambiguous:  # a pinyin must confirm the re-alignment
            repaired = _resolve(span, _context_bytes(text, start), traditional)
        if repaired is None:
            flags.append(f"mojibake-unrepaired:{start}")
            logger.debug("mojibake left at %s: %r", start, text[start : span.end])
            seen = span.end
            continue
        pieces.append(text[done:start])
        pieces.append(repaired)
        done = seen = span.end
        flags.append(f"mojibake-repaired:{start}")
    if not pieces:
        return text, flags
    pieces.append(text[done:])
    return "".join(pieces), flags
