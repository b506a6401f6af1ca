"""Damage clean text the way the spam mirrors do (field notes, section 3), for repair tests.

``shift_damage``: the text (GBK bytes) is read one byte off from inside a character; the
annotator writes the pinyin of the garbage character it sees there; the bytes are then read
in step again, so the pinyin's ``(`` lands between the character's two bytes. Reading resumes
one byte off until a trail byte in the ASCII range comes out as a Latin letter.

``lost_byte_damage``: a character's lead byte is lost and shown as ``?``.

Both read the damaged bytes with the mirrors' decoder: a lead byte followed by an ASCII byte
becomes ``?`` and swallows that byte.
"""

from __future__ import annotations

from pypinyin import Style, pinyin


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


def _byte_offset(text: str, at: int) -> int:
    """GBK byte offset of the character at index ``at``."""
    return len(text[:at].encode("gbk"))


def shift_damage(text: str, at: int) -> str:
    """Split character ``at`` with the pinyin of the garbage character read one byte off."""
    data = text.encode("gbk")
    split = _byte_offset(text, at) + 1
    if len(text[at].encode("gbk")) != 2 or split < 3:
        raise ValueError(f"no double-byte character with one before it at {at}")
    try:
        garbage = data[split - 2 : split].decode("gbk")
    except UnicodeDecodeError as error:
        raise ValueError(f"the bytes read one byte off at {at} are no character") from error
    reading = pinyin(garbage, style=Style.TONE, errors=lambda _: [""])[0][0]
    if not reading or not reading.isalpha():
        raise ValueError(f"the garbage character {garbage!r} has no reading")
    annotation = f"({reading})".encode("gbk")
    return mirror_decode(data[:split] + annotation + data[split:])


def lost_byte_damage(text: str, at: int) -> str:
    """Lose the lead byte of character ``at``, shown as ``?``."""
    data = text.encode("gbk")
    start = _byte_offset(text, at)
    if len(text[at].encode("gbk")) != 2:
        raise ValueError(f"no double-byte character at {at}")
    return mirror_decode(data[:start] + b"?" + data[start + 1 :])
