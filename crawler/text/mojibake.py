"""Repair of the GBK one-byte-shift damage some mirrors leave in their pages.

How the damage happens (field notes, section 3; simulated by ``replica/mojibake.py``): in the
GBK bytes of a page either a character's lead byte is lost and shown as ``?``, or the
annotator read the bytes one byte off and wrote pinyin after a garbage character, between a
real character's two bytes, whose lead byte and the ``(`` then come out as ``?`` with the rest
of the pinyin dangling (``?yōu)``). Either way the characters after it are read one byte off
(``楫a``) until reading falls back in step:

- at a trail byte in the ASCII range, shown as a Latin letter or symbol (``?l``, ``}(tí)``);
- at an ASCII byte after a trail byte: ``?`` that swallowed it, usually the ``(`` of the
  next pinyin (``?yán)``), or a byte pair that is no character, ``?`` for one byte;
- at the end of the text, ``?``.

The repair turns such a span back into GBK bytes with each ``?`` an unknown byte, re-reads
them in step and chooses among the readings by the words they form: each candidate is scored
with wordfreq's word frequencies (``crawler/text/words.py``) in the context of the characters
around the span, with a bonus for each pair of characters the rest of the text also has (a
page repeats its words: 群眾 once, 群眾 again) and a smaller one for each restored character
it has. What the mirrors do is evidence too:

- a pinyin at a character's end must be a reading of it, and of a character their conversion
  changed (they annotate no other: 滯(zhì), never 之(zhì)); one inside a character is the
  annotator's and must be a reading of the garbage character it was written after, which
  narrows the lost lead byte;
- on a Traditional page a character their converter never writes (爲, 纔: it writes 為, 才)
  is unlikely;
- marks stand where marks stand: no ，， or “，, no ” that nothing opened, no text ending in
  ， or 《.

A candidate is kept only with a clear margin over the runner-up and over the text as it
stands, a wider one when a character with both bytes lost could only be guessed among common
characters; a ``?`` before Han text may also have swallowed a lone ASCII character (角色/權限),
and that reading must trail too. Otherwise the span stays as it is and is flagged with its
offset and the reason (``mojibake-unrepaired:OFFSET:REASON``, see ``REASONS``): a wrong
repair is worse than a span left. On simulated damage (``bench/mojibake.py``) about three
spans in four come back exact and fewer than one in a hundred is changed wrongly; most of the
rest are left because a unigram word model cannot tell 金山 from 火山 or 的 from 從.
"""

from __future__ import annotations

import itertools
import logging
import math
import operator
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from crawler.text.pinyin import HAN, SYLLABLE_CHARS, has_tone_mark, is_reading, readings
from crawler.text.script import (
    FULL_WIDTH_PUNCTUATION,
    char_converter,
    char_rank,
    converter,
    script_counts,
    simplified_char,
)
from crawler.text.words import (
    Reading,
    reading_score,
    simple_word_score,
    simple_word_scores,
    simplified,
    word_list,
)

logger = logging.getLogger(__name__)

UNKNOWN = "?\ufffd"
MAX_SPAN = 30  # characters read after an unknown byte before giving up
CONTEXT = 3  # characters either side of a span that its candidates are scored with
KEEP = 6  # candidates kept per unknown character before scoring both ends together
MARGIN = 4.0  # log-probability lead the chosen reading needs over the runner-up (~55x)
LONE_ASCII = math.log(0.005)  # an ASCII character alone in Chinese text (a / or a space): 1 in 200
GUESSED_MARGIN = 6.0  # ... when a character with both bytes lost is chosen among common ones only
AS_IS_MARGIN = 4.0  # ... and over the text as it stands, unless dangling pinyin proves damage
ECHO = 2.0  # score added for each character pair a reading shares with the rest of the text
SINGLE = -1.5  # score added for each character that forms no word with its neighbours
CHAR_ECHO = 2.0  # score added for a restored character the rest of the text also has
VARIANT = -8.0  # score added on a Traditional page for a character its converter never writes (爲, 纔)
MISPLACED = -8.0  # score added for a mark where none stands: ，， “， an unopened ” or a text ending in ，
KNOWN_RANK = 9000  # a restored character must rank among jieba's commonest characters
FREQUENT_RANK = 300  # a character with both bytes lost may be one of these (or a neighbour's)
ROUNDING = 1e-6  # far more than the rounding error of a sum of a few scores (about 1e-14)
SEPARATORS = frozenset("。，、；：？！")
FINAL = frozenset("。！？…”’）》〉】」』—")  # marks a text or a quotation may end with
CLOSERS = {"”": "“", "’": "‘", "）": "（", "》": "《", "〉": "〈", "】": "【", "」": "「", "』": "『"}
OPENERS = {opener: closer for closer, opener in CLOSERS.items()}
ASCII_TO_FULL_WIDTH = {",": "，", ".": "。", "!": "！", ":": "：", ";": "；"}
LEAD_BYTES = range(0x81, 0xFF)
HIGH_BYTES = range(0x80, 0xFF)  # a trail byte that was read as a lead byte
TRAIL_BYTES = (*range(0x40, 0x7F), *range(0x80, 0xFF))
REASONS = {
    "ascii-lost": "a `?` swallowed an ASCII character that nothing tells",
    "both-bytes-lost": "both bytes of a character are unknown and nothing names it",
    "pinyin-mismatch": "a pinyin in the span reads no character the damage could have made",
    "no-reading": "no re-reading is made of common characters",
    "unsure": "the best reading does not lead the runner-up (or the text as it is) by the margin",
    "as-is": "the text reads as well as it stands, yet two `?` or a stray letter say it is damaged",
    "unread": "reading does not fall back in step within the span length",
}

# an unknown byte at the start of a text, after Han text, punctuation, a digit or a pinyin
_AFTER = "0-9）)“”‘’《》「」，。、；：！,.\"'\\[(<>/-"
_TRIGGER_RE = re.compile(rf"(?:(?<=[{HAN}{_AFTER}])|(?<=\) )|^)[{UNKNOWN}]|\ufffd")
_FAST_RE = re.compile(rf"[{UNKNOWN}]")
_DANGLING_RE = re.compile(rf"(?P<syllable>[{SYLLABLE_CHARS}]{{1,7}})\)")
_ANNOTATION_RE = re.compile(rf"[(（](?P<syllable>[{SYLLABLE_CHARS}]{{1,7}})[)）]")
_STRIP_RE = re.compile(rf"[(（][{SYLLABLE_CHARS}]{{1,7}}[)）] ?")  # an annotation, as the context skips it
_CONTEXT_RE = re.compile(rf"[{HAN}{''.join(FULL_WIDTH_PUNCTUATION)}]")


@dataclass(frozen=True)
class Annotation:
    """A pinyin found in a span: the byte offset it was written after, and the text as written."""

    offset: int
    syllable: str
    text: str


@dataclass
class Span:
    """A damaged stretch of text turned into bytes, ``None`` standing for an unknown byte."""

    start: int
    end: int
    stream: list[int | None]
    annotations: list[Annotation]
    closing: str  # how reading fell back in step: letter, pinyin, unmappable, end, swallowed
    next_lead: int | None  # the lead byte after an unmappable pair
    dangling: bool  # a pinyin lost its `(`: proof of damage

    @property
    def length(self) -> int:
        """Characters in the repaired reading."""
        return len(self.stream) // 2


@dataclass(frozen=True)
class Outcome:
    """The repaired text of a span, or the reason it is left."""

    text: str | None
    reason: str = ""
    margin: float = 0.0  # over the runner-up


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


@lru_cache(maxsize=1)
def _double_byte_chars() -> tuple[tuple[int, int, str], ...]:
    """Every GBK double-byte character with its bytes."""
    found = []
    for lead in LEAD_BYTES:
        for trail in TRAIL_BYTES:
            char = gbk_char(lead, trail)
            if char is not None:
                found.append((lead, trail, char))
    return tuple(found)


def _chars_read(syllable: str) -> tuple[tuple[int, int, str], ...]:
    """Every GBK character with its bytes that has a reading ``syllable`` (in GBK order)."""
    return _by_reading().get(syllable, ())


@lru_cache(maxsize=1)
def _by_reading() -> dict[str, tuple[tuple[int, int, str], ...]]:
    """The GBK characters with their bytes by each of their readings, built once.

    About 50 ms: what checking every GBK character for one syllable cost, once for every new
    syllable a crawl met (the first pass over bench.mojibake's material took ten times a warm one).
    """
    found: dict[str, list[tuple[int, int, str]]] = {}
    for entry in _double_byte_chars():
        for syllable in readings(entry[2]):
            found.setdefault(syllable, []).append(entry)
    return {syllable: tuple(entries) for syllable, entries in found.items()}


@lru_cache(maxsize=1)
def _word_neighbours() -> dict[str, frozenset[str]]:
    """For each character, the characters next to it in two-character dictionary words.

    Each character is one string object wherever it stands (``word[0]`` makes a new one every
    time for a Chinese character): 29 MB for the sets where they took 54.
    """
    found: dict[str, set[str]] = {}
    one: dict[str, str] = {}  # each character's one string
    for word in word_list():
        if len(word) == 2:
            first, second = one.setdefault(word[0], word[0]), one.setdefault(word[1], word[1])
            found.setdefault(">" + first, set()).add(second)
            found.setdefault("<" + second, set()).add(first)
    return {key: frozenset(chars) for key, chars in found.items()}


@lru_cache(maxsize=1)
def _gbk_by_simplified() -> dict[str, tuple[tuple[int, int, str], ...]]:
    """Every GBK double-byte character by its Simplified form."""
    found: dict[str, list[tuple[int, int, str]]] = {}
    for entry in _double_byte_chars():
        found.setdefault(simplified_char(entry[2]), []).append(entry)
    return {char: tuple(entries) for char, entries in found.items()}


@lru_cache(maxsize=4096)
def _neighbours(left: str, right: str) -> tuple[tuple[int, int, str], ...]:
    """GBK characters that form a two-character word with the character before or after."""
    table = _word_neighbours()
    after_left = table.get(">" + simplified_char(left), frozenset())
    simple = after_left | table.get("<" + simplified_char(right), frozenset())
    by_simplified = _gbk_by_simplified()
    return tuple(entry for char in simple for entry in by_simplified.get(char, ()))


@lru_cache(maxsize=1)
def _frequent() -> tuple[tuple[int, int, str], ...]:
    """The commonest GBK characters and punctuation, with their bytes."""
    return tuple(
        entry
        for entry in _double_byte_chars()
        if entry[2] in FULL_WIDTH_PUNCTUATION or char_rank(entry[2]) < FREQUENT_RANK
    )


@lru_cache(maxsize=16384)
def _restorable(char: str) -> bool:
    """True for a character a repair may produce: full-width punctuation or a known Han one."""
    return char in FULL_WIDTH_PUNCTUATION or char_rank(char) < KNOWN_RANK


def _pinyin_end(text: str, match: re.Match[str]) -> int:
    """End of a pinyin annotation, with the space a toneless one is written with."""
    end = match.end()
    if text[end : end + 1] == " " and not has_tone_mark(match.group("syllable")):
        end += 1
    return end


def _read_span(text: str, start: int) -> Span | None:
    """Tokenise the damaged span starting at an unknown byte into a byte stream."""
    stream: list[int | None] = [None]
    annotations: list[Annotation] = []
    position = start + 1
    dangling = _DANGLING_RE.match(text, position)
    if dangling:  # the annotator's, its `(` swallowed with the lead byte
        end = _pinyin_end(text, dangling)
        annotations.append(Annotation(1, dangling.group("syllable"), f"({text[position:end]}"))
        position = end
    for _ in range(MAX_SPAN):
        if position >= len(text):
            return None
        char = text[position]
        position += 1
        if char in UNKNOWN:
            stream.append(None)
            closing, next_lead = "swallowed", None
            found = _DANGLING_RE.match(text, position)
            if found:
                end = _pinyin_end(text, found)
                annotations.append(Annotation(len(stream), found.group("syllable"), f"({text[position:end]}"))
                position, closing = end, "pinyin"
            elif position == len(text):
                closing = "end"
            elif text[position] >= "\x80":  # a byte pair that was no character: `?` for one byte
                following = gbk_bytes(text[position])
                if following is not None and len(following) == 2:
                    closing, next_lead = "unmappable", following[0]
            return Span(start, position, stream, annotations, closing, next_lead, bool(dangling or found))
        if "\x40" <= char <= "\x7e":  # a trail byte in the ASCII range: back in step
            stream.append(ord(char))
            found = _ANNOTATION_RE.match(text, position)
            if found:
                end = _pinyin_end(text, found)
                annotations.append(Annotation(len(stream), found.group("syllable"), text[position:end]))
                position = end
            return Span(start, position, stream, annotations, "letter", None, bool(dangling))
        encoded = gbk_bytes(char)
        if encoded is None or len(encoded) != 2:
            return None
        stream.extend(encoded)
        found = _ANNOTATION_RE.match(text, position)
        if found:  # after a garbage character: the annotator's
            end = _pinyin_end(text, found)
            annotations.append(Annotation(len(stream), found.group("syllable"), text[position:end]))
            position = end
    return None


@lru_cache(maxsize=512)
def _entries(lead: int | None, trail: int | None) -> tuple[tuple[int, int, str], ...]:
    """The restorable characters with one byte known (an unknown trail was read as a lead byte)."""
    leads = LEAD_BYTES if lead is None else (lead,)
    trails = HIGH_BYTES if trail is None else (trail,)
    pairs = ((lb, tb, gbk_char(lb, tb)) for lb in leads for tb in trails)
    return tuple((lb, tb, char) for lb, tb, char in pairs if char is not None and _restorable(char))


@lru_cache(maxsize=4096)
def _leads_read(before: int, syllable: str) -> frozenset[int]:
    """The lead bytes that, read one byte off after ``before``, make a character read ``syllable``."""
    return frozenset(lead for lead in LEAD_BYTES if is_reading(gbk_char(before, lead) or "", syllable))


@lru_cache(maxsize=16384)
def _script(char: str) -> bool | None:
    """True for a Traditional-only character, False for a Simplified-only one, else None.

    Judged by the mirrors' own converter (Taiwan forms): 群 stays 群 in their Traditional.
    """
    simplified_only: bool = char_converter("s2tw").convert(char) != char
    traditional_only: bool = converter().convert(char) != char
    if simplified_only == traditional_only:
        return None
    return traditional_only


@lru_cache(maxsize=16384)
def _variant(char: str, traditional: bool | None) -> bool:
    """True on a Traditional page for a character its converter does not write (爲: it writes 為)."""
    if not traditional or char in FULL_WIDTH_PUNCTUATION:
        return False
    return bool(char_converter("s2tw").convert(simplified_char(char)) != char)


@lru_cache(maxsize=16384)
def _converted(char: str) -> bool:
    """True for a character a Simplified -> Traditional conversion writes for another (聯, 著)."""
    return bool(converter().convert(char) != char)


def _options(
    span: Span, index: int, before: int | None, traditional: bool | None, neighbours: tuple[str, str]
) -> list[str] | None:
    """The characters the span's ``index``-th character can be; None when pinyin rules it out.

    A character with both bytes unknown is one its pinyin names, or else one that forms a
    two-character word with the character before or after the span (``neighbours``), or a
    common one.
    """
    lead, trail = span.stream[2 * index], span.stream[2 * index + 1]
    ends_here = tuple(a.syllable for a in span.annotations if a.offset == 2 * index + 2)
    if lead is not None and trail is not None:  # read as it is: only its pinyin is checked
        char = gbk_char(lead, trail)
        return [char] if char and all(is_reading(char, syllable) for syllable in ends_here) else None
    inside = [a.syllable for a in span.annotations if a.offset == 1] if index == 0 else []
    leads = _leads_read(before, inside[0]) if inside and before is not None else None
    guessed = lead is None and trail is None and not ends_here and leads is None
    unmappable = trail is None and span.closing == "unmappable"
    return list(
        _char_options(
            lead,
            trail,
            ends_here,
            leads,
            traditional,
            neighbours if guessed else None,
            unmappable,
            span.next_lead if unmappable else None,
        )
    )


@lru_cache(maxsize=4096)
def _char_options(
    lead: int | None,
    trail: int | None,
    ends_here: tuple[str, ...],
    leads: frozenset[int] | None,
    traditional: bool | None,
    neighbours: tuple[str, str] | None,
    unmappable: bool,
    next_lead: int | None,
) -> tuple[str, ...]:
    """``_options`` for a character with a byte unknown, by all that decides them.

    Kept: the same bytes, pinyin and neighbours come back from span to span, and each time
    thousands of characters would be checked again. ``neighbours`` is given only for a
    character that nothing but its neighbours can name, ``next_lead`` only for an unmappable
    closing (``unmappable``).
    """
    if lead is None and trail is None:
        if ends_here:
            entries = _chars_read(ends_here[0])
        elif leads is not None:
            entries = tuple(entry for lead_byte in sorted(leads) for entry in _entries(lead_byte, None))
        else:  # a guess: not every character it could be
            assert neighbours is not None
            entries = _neighbours(*neighbours) + _frequent()
    else:
        entries = _entries(lead, trail)
    other_script = None if traditional is None else not traditional
    options = []
    for lead_byte, trail_byte, char in entries:
        if leads is not None and lead_byte not in leads:
            continue  # the garbage character the annotator read ends with this lead byte
        if trail is None and trail_byte < 0x80:  # it was read as a lead byte
            continue
        if other_script is not None and _script(char) is other_script:
            continue
        if unmappable and (next_lead is None or gbk_char(trail_byte, next_lead) is not None):
            continue  # the byte pair read one off must have been no character
        if ends_here and not (_converted(char) and all(is_reading(char, syllable) for syllable in ends_here)):
            continue  # the mirrors annotate only characters their conversion changed
        if _restorable(char):
            options.append(char)
    return tuple(dict.fromkeys(options))  # a character both a neighbour's and a common one


def _guessed(span: Span, before: int | None) -> bool:
    """True when a character of the span has both bytes unknown and no pinyin names or narrows it."""
    for index in range(span.length):
        if span.stream[2 * index] is None and span.stream[2 * index + 1] is None:
            offsets = {a.offset for a in span.annotations}
            if 2 * index + 2 not in offsets and not (index == 0 and 1 in offsets and before is not None):
                return True
    return False


def _fixed_pinyin_fits(span: Span) -> bool:
    """Check every pinyin written inside a known garbage character (the annotator's)."""
    for annotation in span.annotations:
        if annotation.offset % 2 == 0 or annotation.offset == 1:
            continue
        garbage = gbk_char(span.stream[annotation.offset - 2] or 0, span.stream[annotation.offset - 1] or 0)
        if garbage is None or not is_reading(garbage, annotation.syllable):
            return False
    return True


def _context(text: str, start: int, end: int) -> tuple[str, str]:
    """Up to CONTEXT characters of Han text or punctuation before and after a span."""
    before = _STRIP_RE.sub("", text[max(0, start - 10 * CONTEXT) : start])
    left = ""
    for char in reversed(before):
        if len(left) == CONTEXT or not _CONTEXT_RE.match(char):
            break
        left = char + left
    after = _STRIP_RE.sub("", text[end : end + 10 * CONTEXT])
    right = ""
    for char in after.lstrip(" "):
        if len(right) == CONTEXT or not _CONTEXT_RE.match(char):
            break
        right += char
    return left, right


def _word_pairs(first: list[str], last: list[str]) -> list[tuple[str, str]]:
    """The pairs of a first and a last option that make a two-character word (in no order)."""
    table = _word_neighbours()
    firsts, lasts = _by_simplified(first), _by_simplified(last)
    pairs: list[tuple[str, str]] = []
    if len(firsts) <= len(lasts):  # the fewer characters are looked up, in sets that intersect fast
        followers = frozenset(lasts)
        for simple, chars in firsts.items():
            for follower in table.get(">" + simple, frozenset()) & followers:
                pairs.extend(itertools.product(chars, lasts[follower]))
    else:
        leaders = frozenset(firsts)
        for simple, chars in lasts.items():
            for leader in table.get("<" + simple, frozenset()) & leaders:
                pairs.extend(itertools.product(firsts[leader], chars))
    return pairs


def _by_simplified(chars: list[str]) -> dict[str, list[str]]:
    """Characters by their Simplified form."""
    found: dict[str, list[str]] = {}
    for char, simple in zip(chars, map(simplified_char, chars), strict=True):
        found.setdefault(simple, []).append(char)
    return found


def _score(text: str) -> float:
    return reading_score(text, SINGLE)


def _best(scored: list[tuple[float, str]], keep: int) -> list[tuple[float, str]]:
    return sorted(scored, reverse=True)[:keep]


def _echo(echo_text: str, window: str) -> float:
    """A bonus for each pair of characters in the window (Simplified) that ``echo_text`` also has."""
    return ECHO * sum(map(echo_text.__contains__, map(operator.add, window, window[1:])))


def _clash(first: str, second: str) -> bool:
    """Two marks that do not stand side by side: ，， “， ，”."""
    if first in SEPARATORS:
        return second in SEPARATORS or (second in CLOSERS and first not in FINAL)
    return first in OPENERS and (second in SEPARATORS or second in CLOSERS)


@dataclass(frozen=True)
class _Marks:
    """The paired marks open before a span and closed after it, and whether the text ends there."""

    opened: frozenset[str]
    closed: frozenset[str]
    at_end: bool

    @classmethod
    def around(cls, text: str, span: Span) -> _Marks:
        before, after = text[: span.start], text[span.end :]
        present = [(c, o) for c, o in CLOSERS.items() if c in text or o in text]  # others count 0
        return cls(
            frozenset(o for c, o in present if before.count(o) > before.count(c)),
            frozenset(o for c, o in present if after.count(c) > after.count(o)),
            not after.strip(),
        )

    def misplaced(self, restored: tuple[str, ...], reading: str) -> int:
        """Marks out of place: a closing one not opened, an opening one not closed, a clash, a last comma."""
        count = sum(CLOSERS[char] not in self.opened for char in restored if char in CLOSERS)
        count += sum(char not in self.closed for char in restored if char in OPENERS)
        count += sum(_clash(first, second) for first, second in itertools.pairwise(reading))
        last = reading[-1]
        return count + (self.at_end and last in FULL_WIDTH_PUNCTUATION and last not in FINAL)


def _most_added(combos: list[tuple[str, ...]]) -> float:
    """The most that echoes, bonuses and marks add to the reading score of any of ``combos``, and a little.

    Each option has a window of echoes around it, of a pair more than its characters (one,
    as a rule), and a bonus; marks only take away. The little is for the rounding of the
    sums (far below it): a combination that cannot reach another's score by this much never
    would, and need not be scored in full.
    """
    if MISPLACED > 0:  # marks that add: no bound short of counting them
        return math.inf
    options = max(map(len, combos))
    pairs = max(map(len, itertools.chain.from_iterable(combos))) + 1
    return options * (pairs * max(ECHO, 0.0) + max(CHAR_ECHO, 0.0) + max(VARIANT, 0.0)) + ROUNDING


def _echo_text(text: str, simple: str) -> str:
    """The text whose pairs of adjacent characters echo: ``simple``, the text Simplified, pinyin left out."""
    kept, start = [], 0
    for match in _ANNOTATION_RE.finditer(text):  # where it stands in both: one character for one
        kept.append(simple[start : match.start()])
        start = match.end()
    kept.append(simple[start:])
    return "".join(kept)


def _resolve(text: str, span: Span, traditional: bool | None, simple: str, echo_text: str) -> Outcome:
    """Choose the reading of a span by the words it forms, or say why it is left.

    ``simple`` is the text Simplified (``words.simplified``: one character for one),
    ``echo_text`` the same without its pinyin (``_echo_text``).
    """
    if span.closing == "swallowed":
        return Outcome(None, "ascii-lost")
    if not _fixed_pinyin_fits(span):
        return Outcome(None, "pinyin-mismatch")
    before = gbk_bytes(text[span.start - 1]) if span.start else None
    before_trail = before[-1] if before and len(before) == 2 else None
    left, right = _context(text, span.start, span.end)
    neighbours = (left[-1:] or " ", right[:1] or " ")
    per_char: list[list[str]] = []
    for index in range(span.length):
        options = _options(span, index, before_trail, traditional, neighbours)
        if options is None:
            return Outcome(None, "pinyin-mismatch")
        if not options:
            lost = span.stream[2 * index] is None and span.stream[2 * index + 1] is None
            return Outcome(None, "both-bytes-lost" if lost else "no-reading")
        per_char.append(options)
    middle = "".join(options[0] for options in per_char[1:-1])
    first, last = per_char[0], per_char[-1]
    marks = _Marks.around(text, span)

    # Candidates are scored in Simplified, the way reading_score reads them, and the context
    # before them is segmented once (words.Reading): the same scores, not computed again.
    simple_left, simple_middle = simplified(left), simplified(middle)  # one character for one
    simple_head, simple_tail = simple_middle[:CONTEXT], simple_middle[-CONTEXT:]
    left_end, middle_start, middle_end = simple_left[-1:], simple_middle[:1], simple_middle[-1:]
    after_left, after_tail = Reading(simple_left, SINGLE), Reading(simple_tail, SINGLE)
    after_first: dict[str, Reading] = {}  # the context, a first character and the middle
    marked = not FULL_WIDTH_PUNCTUATION.isdisjoint(left[-1:] + middle)
    bonuses: dict[str, float] = {}

    def bonus(char: str) -> float:
        if char not in bonuses:
            # the text has its Simplified form outside the span (one character, as every text's)
            form = simplified_char(char)
            found = simple.find(form, 0, span.start) >= 0 or simple.find(form, span.end) >= 0
            echo = len(form) == 1 and found
            bonuses[char] = VARIANT * _variant(char, traditional) + CHAR_ECHO * echo
        return bonuses[char]

    def readings(combos: list[tuple[str, ...]], simple_right: str) -> list[float]:
        """How well each combination reads in its context (``_score``, the middle between)."""
        if len(per_char) == 1:
            return after_left.scores([simplified_char(char) for (char,) in combos], simple_right)
        firsts = {char: simplified_char(char) for char, _ in combos}
        lasts = {char: simplified_char(char) for _, char in combos}
        if len(middle) >= 2 * CONTEXT:  # the ends are scored apart: no word spans the middle
            heads = dict(zip(firsts, after_left.scores(list(firsts.values()), simple_head), strict=True))
            tails = dict(zip(lasts, after_tail.scores(list(lasts.values()), simple_right), strict=True))
            return [heads[first] + tails[last] for first, last in combos]
        following: dict[str, list[str]] = {}
        for first, last in combos:
            following.setdefault(first, []).append(last)
        scores: dict[tuple[str, ...], float] = {}
        for first, chars in following.items():
            if first not in after_first:
                after_first[first] = after_left.then(firsts[first] + simple_middle)
            ends = after_first[first].scores([lasts[char] for char in chars], simple_right)
            scores.update(((first, char), score) for char, score in zip(chars, ends, strict=True))
        return [scores[combo] for combo in combos]

    def ranked(
        first: list[str], last: list[str], right: str, *, pairs: bool = True
    ) -> list[tuple[float, tuple[str, ...]]]:
        """The best two combinations of a first and a last option, with their scores."""
        simple_right = simplified(right)
        right_start = simple_right[:1]
        if not pairs:  # a rough cut first: the character with the one before it
            before = left_end if len(per_char) == 1 else simple_tail[-1:]
            alone = simple_word_score(before) + SINGLE
            simple = list(map(simplified_char, last))
            paired, lone = simple_word_scores(map(before.__add__, simple)), simple_word_scores(simple)
            # max(word, alone + score + SINGLE) for each, in C
            rough_scores = map(max, paired, map(SINGLE.__radd__, map(alone.__add__, lone)))
            rough = list(zip(rough_scores, last, strict=True))
            last = [c for _, c in _best(rough, KEEP)]
            first = last if len(per_char) == 1 else first
        if len(per_char) > 1 and len(first) * len(last) > KEEP * KEEP:
            words = _word_pairs(first, last) if len(per_char) == 2 and pairs else []
            heads = after_left.scores(list(map(simplified_char, first)), simple_head)
            tails = after_tail.scores(list(map(simplified_char, last)), simple_right)
            first = [c for _, c in _best(list(zip(heads, first, strict=True)), KEEP)]
            last = [c for _, c in _best(list(zip(tails, last, strict=True)), KEEP)]
            combos: list[tuple[str, ...]] = list({*itertools.product(first, last), *words})
        else:
            combos = [(c,) for c in first] if len(per_char) == 1 else list(itertools.product(first, last))
        marked_here = marked or not FULL_WIDTH_PUNCTUATION.isdisjoint(right[:1])
        # the echoes of a first character with what stands before and after it, of a last one
        firsts: dict[str, float] = {}
        lasts: dict[str, float] = {}

        def echo(char: str, before: str, after: str, echoes: dict[str, float]) -> float:
            if char not in echoes:
                echoes[char] = _echo(echo_text, before + simplified_char(char) + after)
            return echoes[char]

        def score(combo: tuple[str, ...], reading: float) -> float:
            if len(combo) == 1:
                fit = reading + echo(combo[0], left_end, right_start, firsts)
            else:
                echoes = echo(combo[0], left_end, middle_start, firsts)
                echoes += echo(combo[1], middle_end, right_start, lasts)
                fit = reading + echoes
            value = fit + sum(map(bonus, combo))
            if marked_here or not FULL_WIDTH_PUNCTUATION.isdisjoint(combo):
                text = left[-1:] + combo[0] + middle + "".join(combo[1:]) + right[:1]
                value += MISPLACED * marks.misplaced(combo, text)
            return value

        # The full score is the reading's and at most _most_added(...) more: combinations are
        # scored in full best reading first, until no other can reach the second best.
        scores = readings(combos, simple_right)
        most = _most_added(combos)
        best: list[tuple[float, tuple[str, ...]]] = []
        for index in sorted(range(len(combos)), key=scores.__getitem__, reverse=True):
            if len(best) == 2 and scores[index] + most < best[1][0]:
                break
            combo = combos[index]
            best = sorted([*best, (score(combo, scores[index]), combo)], reverse=True)[:2]
        return best

    scored = ranked(per_char[0], per_char[-1], right)
    best_score, best = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else float("-inf")
    margin = GUESSED_MARGIN if _guessed(span, before_trail) else MARGIN
    if span.closing == "unmappable" and best_score - runner_up >= margin:
        # or the `?` swallowed an ASCII character, a lone / or space: the same reading scored so
        swallowed = replace(span, closing="swallowed")
        last = _options(swallowed, span.length - 1, before_trail, traditional, neighbours) or []
        first = last if span.length == 1 else [best[0]]
        if last:
            alone = ranked(first, last, "", pairs=False)[0][0] + LONE_ASCII + _score(right)
            runner_up = max(runner_up, alone)
    if best_score - runner_up < margin:
        return Outcome(None, "unsure", best_score - runner_up)
    chars = [best[0], *middle, *best[1:]]
    if not span.dangling:
        raw = _ANNOTATION_RE.sub("", text[span.start : span.end])
        repaired, as_is = (after_left.then(simplified(x + right)).score for x in ("".join(chars), raw))
        if repaired - as_is < AS_IS_MARGIN:
            return Outcome(None, "as-is")
    pieces: list[str] = []
    for index, char in enumerate(chars):
        pieces.append(char)
        pieces.extend(a.text for a in span.annotations if a.offset == 2 * index + 2)
    return Outcome("".join(pieces), "", best_score - runner_up)


def _looks_damaged(span: Span) -> bool:
    """Two unknown bytes, or a lowercase letter closing a run inside Han text, are no prose."""
    last = span.stream[-1]
    return span.stream.count(None) > 1 or (last is not None and chr(last).islower())


def repair_mojibake(text: str, traditional: bool | None = None) -> tuple[str, list[str]]:
    """Repair GBK byte-shift damage; flags name each span repaired or left (offset in input).

    ``traditional`` is the page's script (None: judged on this text); a restored character
    is never of the other script.
    """
    if not _FAST_RE.search(text):
        return text, []
    flags: list[str] = []
    pieces: list[str] = []
    done = seen = 0
    if traditional is None:
        trad, simp = script_counts(text)
        traditional = None if trad == simp else trad > simp
    simple = simplified(text)
    echo_text = _echo_text(text, simple)
    for match in _FAST_RE.finditer(text):  # where _TRIGGER_RE matches: it is slower to search with
        start = match.start()
        if start < seen or not _TRIGGER_RE.match(text, start):
            continue
        span = _read_span(text, start)
        if span is None:
            if text[start] == "\ufffd" or text[start + 1 : start + 2] in {"?", "\ufffd"}:
                flags.append(f"mojibake-unrepaired:{start}:unread")
            continue
        outcome = _resolve(text, span, traditional, simple, echo_text)
        if outcome.reason == "as-is" and not _looks_damaged(span):
            continue  # it reads as well as it stands: a question mark, not damage
        seen = span.end
        if outcome.text is None:
            flags.append(f"mojibake-unrepaired:{start}:{outcome.reason}")
            logger.debug("mojibake left at %s (%s): %r", start, outcome.reason, text[start : span.end])
            continue
        pieces.append(text[done:start])
        pieces.append(outcome.text)
        done = span.end
        flags.append(f"mojibake-repaired:{start}")
    if not pieces:
        return text, flags
    pieces.append(text[done:])
    return "".join(pieces), flags
