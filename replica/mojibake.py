"""Byte-shift mojibake the way the spam mirrors make it (field notes, section 3): a simulator.

The repair in ``crawler/text/mojibake.py`` is measured against this model, by the tests on a
few hundred spans and by ``bench/mojibake.py`` on thousands. It lives in ``replica/`` beside
``damage.py`` (the mirrors' Traditional conversion and pinyin), because it is the same model
of what the mirrors do: the tests and the bench both import it, the crawler never does.

How a page is damaged, in order:

1. ``to_mirror_text``: Simplified -> Traditional (OpenCC ``s2tw``), pinyin written after
   some converted characters, ``(lián)`` or toneless ``(xi) ``.
2. The text is encoded to GBK and one event happens at a character:

   - **shift**: the annotator read the bytes one byte off from inside the character and
     wrote the pinyin of the garbage character it saw (the previous character's trail byte
     and this one's lead byte) right after it, i.e. between this character's two bytes;
   - **lost byte**: the character's lead byte is lost and shown as ``?``.

   Either way the bytes after it are read one byte off until an ASCII byte; the annotator
   keeps going over that garbage and annotates some of its Traditional characters too.
3. The bytes are decoded the way the mirrors decode: a lead byte followed by an ASCII byte is
   ``?`` and swallows that byte (``變?yōu)``), any other byte pair that is no GBK character is
   ``?`` for one byte, and a lead byte at the end of the text is ``?``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

import opencc
from pypinyin import Style, lazy_pinyin

from replica.damage import to_mirror_text

KINDS = ("shift", "lost")


def mirror_decode(data: bytes) -> str:
    """Decode GBK the way the mirrors do: a bad pair becomes ``?`` (an ASCII trail is swallowed)."""
    out: list[str] = []
    index = 0
    while index < len(data):
        byte = data[index]
        if byte < 0x80:
            out.append(chr(byte))
            index += 1
            continue
        pair = data[index : index + 2]
        try:
            out.append(pair.decode("gbk"))
            index += 2
        except UnicodeDecodeError:
            out.append("?")
            index += 2 if len(pair) == 2 and pair[1] < 0x80 else 1
    return "".join(out)


@lru_cache(maxsize=16384)
def _reading(char: str, toned: bool) -> str:
    """The annotator's pinyin of a character ('' when it has none)."""
    if not ("\u3400" <= char <= "\u9fff"):
        return ""
    reading = lazy_pinyin(char, style=Style.TONE if toned else Style.NORMAL, errors=lambda _: [""])[0]
    return reading if reading.isalpha() else ""


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=16384)
def _annotated_kind(char: str) -> bool:
    """True for a Traditional character (the kind the mirrors' converter annotates)."""
    return _t2s().convert(char) != char


def _annotation(reading: str, toned: bool) -> bytes:
    return (f"({reading})" if toned else f"({reading}) ").encode("gbk")


def _byte_offset(text: str, at: int) -> int:
    """GBK byte offset of the character at index ``at``."""
    return len(text[:at].encode("gbk"))


def _annotate_run(
    data: bytes, position: int, rng: random.Random | None, rate: float, toned: bool
) -> list[tuple[int, bytes]]:
    """The annotator's pinyin over the garbage read one byte off from ``position``.

    Returns (byte offset, annotation) insertions; reading stops at the first ASCII byte or
    byte pair that is no character, where the decoder falls back in step.
    """
    insertions: list[tuple[int, bytes]] = []
    while position + 1 < len(data) and data[position] >= 0x80:
        try:
            garbage = data[position : position + 2].decode("gbk")
        except UnicodeDecodeError:
            break
        position += 2
        if rng is not None and _annotated_kind(garbage) and rng.random() < rate:
            reading = _reading(garbage, toned)
            if reading:
                insertions.append((position, _annotation(reading, toned)))
    return insertions


def _insert(data: bytes, insertions: list[tuple[int, bytes]]) -> bytes:
    for offset, inserted in sorted(insertions, reverse=True):
        data = data[:offset] + inserted + data[offset:]
    return data


def shift_damage(
    text: str, at: int, *, rng: random.Random | None = None, rate: float = 0.5, toned: bool = True
) -> str:
    """Split character ``at`` with the pinyin of the garbage character read one byte off.

    With ``rng`` the annotator also annotates about ``rate`` of the Traditional garbage
    characters that follow, until reading falls back in step.
    """
    data = text.encode("gbk")
    split = _byte_offset(text, at) + 1
    if len(text[at].encode("gbk")) != 2 or split < 3 or data[split - 2] < 0x80:
        raise ValueError(f"no double-byte character with one before it at {at}")
    try:
        garbage = data[split - 2 : split].decode("gbk")
    except UnicodeDecodeError as error:
        raise ValueError(f"the bytes read one byte off at {at} are no character") from error
    reading = _reading(garbage, toned)
    if not reading:
        raise ValueError(f"the garbage character {garbage!r} has no reading")
    insertions = [(split, _annotation(reading, toned))]
    insertions += _annotate_run(data, split, rng, rate, toned)
    return mirror_decode(_insert(data, insertions))


def lost_byte_damage(
    text: str, at: int, *, rng: random.Random | None = None, rate: float = 0.5, toned: bool = True
) -> str:
    """Lose the lead byte of character ``at``, shown as ``?``; the annotator may follow."""
    data = text.encode("gbk")
    start = _byte_offset(text, at)
    if len(text[at].encode("gbk")) != 2:
        raise ValueError(f"no double-byte character at {at}")
    insertions = _annotate_run(data, start + 1, rng, rate, toned)
    return mirror_decode(_insert(data[:start] + b"?" + data[start + 1 :], insertions))


@dataclass(frozen=True)
class Damaged:
    """One clean text damaged once: the repair should give back ``mirror``."""

    clean: str  # Simplified, as written
    mirror: str  # as the mirror serves it undamaged: Traditional with pinyin
    damaged: str
    kind: str
    at: int  # character index in ``mirror``


def damage_once(
    clean: str, rng: random.Random, *, lost_share: float = 0.5, toned: bool | None = None
) -> Damaged | None:
    """Convert a clean Simplified text as a mirror does and damage it at one random character.

    Returns None when the text has no character the event can happen at.
    """
    if toned is None:
        toned = rng.random() < 0.8
    mirror = to_mirror_text(clean, rng, toned=toned)
    kind = "lost" if rng.random() < lost_share else "shift"
    damage = lost_byte_damage if kind == "lost" else shift_damage
    positions = [i for i, char in enumerate(mirror) if "\u3400" <= char <= "\u9fff" and i > 0]
    rng.shuffle(positions)
    for at in positions[:20]:
        try:
            damaged = damage(mirror, at, rng=rng, toned=toned)
        except (ValueError, UnicodeEncodeError):
            continue
        if damaged != mirror:
            return Damaged(clean, mirror, damaged, kind, at)
    return None
