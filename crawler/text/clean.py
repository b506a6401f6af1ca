"""The normalize chain for one text field: mojibake repair, pinyin strip, script conversion.

The order matters: the mojibake repair needs the pinyin (it checks each against its
character), and the pinyin strip needs the original characters (``乾(qián)`` would no
longer match once converted to ``干``), so script conversion comes last.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from crawler.text.mojibake import repair_mojibake
from crawler.text.pinyin import strip_pinyin
from crawler.text.script import convert_to_simplified, is_traditional, texts_are_traditional

logger = logging.getLogger(__name__)


@dataclass
class Cleaned:
    """A cleaned field and the name of every repair made to it."""

    text: str
    flags: list[str] = field(default_factory=list)


def clean_text(text: str, *, traditional: bool | None = None) -> Cleaned:
    """Clean one field; ``traditional`` is the page's script (None: detect on this text)."""
    text = text.strip()
    text, flags = repair_mojibake(text, traditional)
    text, removed = strip_pinyin(text)
    if removed:
        flags.append(f"pinyin-removed:{removed}")
    if traditional is None:
        traditional = is_traditional(text)
    if traditional:
        converted = convert_to_simplified(text)
        if converted != text:
            flags.append("script:t2s")
            text = converted
    return Cleaned(text.strip(), flags)


def page_is_traditional(texts: Iterable[str]) -> bool:
    """Decide once per page, from all its text, whether it is written in Traditional."""
    return texts_are_traditional(texts)
