"""Typed cleaning facts: what the chain (crawler.article) found or did to a page, and their stored form.

Each fact is a frozen dataclass. `flags_of` turns facts into the strings stored in an article's
`flags` column (the one place that writes them) and `facts_of` reads stored flags back (its
inverse). Kept apart from the chain so that what reads stored flags (`scrapy stats`, storage's
`damaged` column) needs none of the chain's models.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar


class Fact:
    """Something the chain found or did to a page (its stored form: `flags_of`)."""


@dataclass(frozen=True)
class EncodingUsed(Fact):
    codec: str


@dataclass(frozen=True)
class EncodingEvidence(Fact):
    source: str  # bom, http-header, meta, default, detected


@dataclass(frozen=True)
class DecodeErrors(Fact):
    count: int  # bytes replaced by U+FFFD


@dataclass(frozen=True)
class EncodingLabelUnknown(Fact):
    label: str


@dataclass(frozen=True)
class EncodingLied(Fact):
    declared_in: str  # "header" or "meta"
    label: str


@dataclass(frozen=True)
class TextFact(Fact):
    """A repair made to one text field: `field` is title, subtitle, body[3], meta_lines[0] …"""

    field: str
    KIND: ClassVar[str] = ""  # the stored name, also the `harvest/normalize/<KIND>` stat


@dataclass(frozen=True)
class MojibakeRepaired(TextFact):
    offset: int = 0
    KIND: ClassVar[str] = "mojibake-repaired"


@dataclass(frozen=True)
class MojibakeLeft(TextFact):
    offset: int = 0
    reason: str | None = None  # crawler.text.mojibake's reason (ascii-lost, pinyin-mismatch …)
    KIND: ClassVar[str] = "mojibake-unrepaired"


@dataclass(frozen=True)
class PinyinRemoved(TextFact):
    count: int = 0
    KIND: ClassVar[str] = "pinyin-removed"


@dataclass(frozen=True)
class ScriptConverted(TextFact):
    """Traditional converted to Simplified."""

    KIND: ClassVar[str] = "script"


@dataclass(frozen=True)
class JunkRemoved(Fact):
    kind: str  # crawler.text.junk's kind (place-run, share-widget …)
    count: int


@dataclass(frozen=True)
class DateFromUrl(Fact):
    """No date on the page: published_at is the day the URL names."""


@dataclass(frozen=True)
class DateMissing(Fact):
    """No date found anywhere: published_at is None."""


@dataclass(frozen=True)
class OtherFlag(Fact):
    """A stored flag this version does not know (kept as it is)."""

    flag: str


def is_damaged(facts: Iterable[Fact]) -> bool:
    """A spam mirror's marks on a text: converted to Traditional script, pinyin written inline."""
    return any(isinstance(fact, (ScriptConverted, PinyinRemoved)) for fact in facts)


# --- the stored form of facts: flag strings ------------------------------------------------------


def flags_of(facts: Iterable[Fact]) -> list[str]:
    """The stored `flags` strings of facts (the one serialiser; `facts_of` reads them back)."""
    return [_flag(fact) for fact in facts]


def _flag(fact: Fact) -> str:
    match fact:
        case EncodingUsed(codec):
            return f"encoding:{codec}"
        case EncodingEvidence(source):
            return f"encoding-from:{source}"
        case DecodeErrors(count):
            return f"decode-errors:{count}"
        case EncodingLabelUnknown(label):
            return f"encoding-label-unknown:{label}"
        case EncodingLied(declared_in, label):
            return f"encoding-{declared_in}-lied:{label}"
        case MojibakeRepaired(where, offset):
            return f"{where}:{fact.KIND}:{offset}"
        case MojibakeLeft(where, offset, reason):
            return f"{where}:{fact.KIND}:{offset}" + ("" if reason is None else f":{reason}")
        case PinyinRemoved(where, count):
            return f"{where}:{fact.KIND}:{count}"
        case ScriptConverted(where):
            return f"{where}:{fact.KIND}:t2s"
        case JunkRemoved(kind, count):
            return f"junk:{kind}:{count}"
        case DateFromUrl():
            return "date-from-url"
        case DateMissing():
            return "date-missing"
        case OtherFlag(flag):
            return flag
    raise TypeError(f"not a fact: {fact!r}")


_WHERE = re.compile(r"^((?:title|subtitle)|(?:meta_lines|editor_lines|body)\[\d+\]):(.*)$", re.DOTALL)
_LIED = re.compile(r"^encoding-(header|meta)-lied:(.*)$", re.DOTALL)
_JUNK = re.compile(r"^junk:([^:]+):(0|[1-9][0-9]*)$")
_NUMBER = re.compile(r"0|[1-9][0-9]*")  # as str(int) writes it: a stored flag reads back the same


def facts_of(flags: Iterable[str]) -> list[Fact]:
    """The facts of stored `flags` strings (the inverse of `flags_of`)."""
    return [fact_of(flag) for flag in flags]


def fact_of(flag: str) -> Fact:
    """One stored flag as a fact; a flag this version does not know is an OtherFlag."""
    if where := _WHERE.match(flag):
        return text_fact(where[1], where[2]) or OtherFlag(flag)
    name, colon, value = flag.partition(":")
    if not colon:
        return {"date-from-url": DateFromUrl(), "date-missing": DateMissing()}.get(flag) or OtherFlag(flag)
    if name == "encoding" and value:
        return EncodingUsed(value)
    if name == "encoding-from" and value:
        return EncodingEvidence(value)
    if name == "decode-errors" and _NUMBER.fullmatch(value):
        return DecodeErrors(int(value))
    if name == "encoding-label-unknown":
        return EncodingLabelUnknown(value)
    if lied := _LIED.match(flag):
        return EncodingLied(lied[1], lied[2])
    if junk := _JUNK.match(flag):
        return JunkRemoved(junk[1], int(junk[2]))
    return OtherFlag(flag)


def junk_removed(flags: Iterable[str]) -> list[JunkRemoved]:
    """The JunkRemoved facts of stored flags (the others are not read: archive statistics)."""
    return [
        fact for flag in flags if flag.startswith("junk:") and isinstance(fact := fact_of(flag), JunkRemoved)
    ]


def text_fact(where: str, flag: str) -> TextFact | None:
    """A text rule's flag (crawler.text.clean's `Cleaned.flags`) made to `where`, as a fact."""
    kind, *values = flag.split(":")
    number = int(values[0]) if values and _NUMBER.fullmatch(values[0]) else None
    if kind == MojibakeRepaired.KIND and len(values) == 1 and number is not None:
        return MojibakeRepaired(where, number)
    if kind == MojibakeLeft.KIND and len(values) <= 2 and number is not None:
        return MojibakeLeft(where, number, values[1] if len(values) == 2 else None)
    if kind == PinyinRemoved.KIND and len(values) == 1 and number is not None:
        return PinyinRemoved(where, number)
    if kind == ScriptConverted.KIND and values == ["t2s"]:
        return ScriptConverted(where)
    return None
