"""What spam mirrors do to a page: Traditional script with pinyin written after characters.

Used only to render the replica's mirror host. The field notes (section 3) describe the
damage: a Simplified->Traditional converter in Taiwan style that annotates some of the
characters it changed with one pinyin syllable, `聯(lián)`, or toneless with a space, `習(xi) `.
"""

from __future__ import annotations

import random
from functools import lru_cache

import opencc
from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=1)
def _s2tw() -> opencc.OpenCC:
    return opencc.OpenCC("s2tw")


@lru_cache(maxsize=4096)
def _reading(char: str, toned: bool) -> str:
    return lazy_pinyin(char, style=Style.TONE if toned else Style.NORMAL)[0]


def to_mirror_text(text: str, rng: random.Random, *, rate: float = 0.5, toned: bool = True) -> str:
    """Convert to Traditional and annotate about `rate` of the changed characters with pinyin."""
    traditional = _s2tw().convert(text)
    if len(traditional) != len(text):  # a phrase conversion changed the length: no annotations
        return traditional
    out: list[str] = []
    for simplified, char in zip(text, traditional, strict=True):
        out.append(char)
        if char != simplified and rng.random() < rate:
            reading = _reading(char, toned)
            if reading != char:
                out.append(f"({reading})" if toned else f"({reading}) ")
    return "".join(out)
