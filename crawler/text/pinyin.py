"""Inline pinyin annotations written by the spam mirrors: ``聯(lián)``, ``聯（lián）``, ``習(xi) 近平``.

A bracket right after a Han character is an annotation only when its content is one
Mandarin syllable AND a reading of that character (any of its heteronyms, from pypinyin's
dictionary). Everything else stays: ``(合作社)``, ``(DEA)``, ``(1a)``, ``(B&R, in short)``.
The toneless variant also takes the one space that follows it.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import unicodedata
from functools import lru_cache

from crawler.text.packages import package_file

logger = logging.getLogger(__name__)

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# letters a syllable may contain: a-z, ü, tone-marked vowels and the odd combining mark
SYLLABLE_CHARS = r"a-zêüāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿếề\u0300\u0301\u0304\u030c"
ANNOTATION_RE = re.compile(
    rf"(?P<char>[{HAN}])[(（](?P<syllable>[{SYLLABLE_CHARS}]{{1,7}})[)）](?P<space> )?"
)
_TONE_MARKS = {"\u0300", "\u0301", "\u0304", "\u030c"}
_RUBY_NOISE_RE = re.compile(
    r"<(?P<tag>rt|rp)\b[^>]*>.*?(?:</(?P=tag)\s*>|(?=<(?:rt|rp|rb|rtc)\b|</ruby\s*>))",
    re.IGNORECASE | re.DOTALL,
)
_RTC_RE = re.compile(r"<rtc\b[^>]*>.*?</rtc\s*>", re.IGNORECASE | re.DOTALL)


@lru_cache(maxsize=1)
def _pinyin_dict() -> dict[int, str]:
    """pypinyin's readings by code point (its module ``pinyin_dict``), loaded on first use.

    The module is loaded by itself: importing it the usual way runs the package's __init__,
    which also loads pypinyin's phrase dictionary (0.3 s and 44 MB of memory this never reads).
    """
    path = package_file("pypinyin", "pinyin_dict.py")
    spec = importlib.util.spec_from_file_location("crawler.text._pypinyin_table", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    table: dict[int, str] = module.pinyin_dict
    return table


def toneless(syllable: str) -> str:
    """Drop the tone marks of a syllable, keeping ü: ``lǜ`` -> ``lü``."""
    decomposed = unicodedata.normalize("NFD", syllable)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))


def has_tone_mark(syllable: str) -> bool:
    """True when a syllable carries a tone mark."""
    return toneless(syllable) != syllable


@lru_cache(maxsize=16384)
def readings(char: str) -> frozenset[str]:
    """Every reading of a character, tone-marked and toneless (``ü`` also written ``v``)."""
    marked = _pinyin_dict().get(ord(char))
    if not marked:
        return frozenset()
    forms: set[str] = set()
    for reading in marked.split(","):
        plain = toneless(reading)
        forms.update((reading, plain, plain.replace("ü", "v")))
    return frozenset(forms)


@lru_cache(maxsize=1)
def syllables() -> frozenset[str]:
    """Every valid Mandarin syllable, tone-marked and toneless."""
    found: set[str] = set()
    for marked in _pinyin_dict().values():
        for reading in marked.split(","):
            plain = toneless(reading)
            found.update((reading, plain, plain.replace("ü", "v")))
    return frozenset(found)


def is_reading(char: str, syllable: str) -> bool:
    """True when a syllable is one valid Mandarin syllable and a reading of the character."""
    return len(char) == 1 and syllable in syllables() and syllable in readings(char)


def _replace(match: re.Match[str]) -> str:
    """Keep the character; drop the annotation (and a toneless one's trailing space)."""
    char, syllable = match.group("char"), match.group("syllable")
    if not is_reading(char, syllable):
        return match.group()
    if match.group("space") and has_tone_mark(syllable):
        return char + " "
    return char


def strip_pinyin(text: str) -> tuple[str, int]:
    """Remove inline pinyin annotations; return the text and how many were removed."""
    if "(" not in text and "（" not in text:
        return text, 0
    removed = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal removed
        kept = _replace(match)
        if kept != match.group():
            removed += 1
        return kept

    stripped = ANNOTATION_RE.sub(replace, text)
    return (stripped, removed) if removed else (text, 0)


def strip_ruby(html: str) -> str:
    """Drop ``<rt>``/``<rp>`` (and ``<rtc>``) elements with their content from HTML."""
    if "<r" not in html and "<R" not in html:
        return html
    return _RUBY_NOISE_RE.sub("", _RTC_RE.sub("", html))
