"""The tokens of the search index, the same on SQLite and PostgreSQL (pure functions, no database).

Chinese has no spaces, and FTS5's trigram tokenizer cannot find one- or two-character words
(茶, 油茶, 党建). So the index is built from tokens computed here, in Python, when a row is
written (crawler.db.store keeps it in step in the same transaction as the upsert):

- title and body: overlapping character bigrams of every run of Chinese characters
  (乡村振兴 -> 乡村 村振 振兴) and whole lower-cased words of Latin letters and digits. A
  word of two or more characters is looked up as the phrase of its bigrams: the candidates,
  which SQL or the query's rule then narrows to the texts holding the word.
- each distinct Chinese character of the title, and of the whole article, once. A
  one-character query matches these (title hits rank first).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from operator import add

from crawler.db.query import HAN_CHARS, Pattern, is_han

_RUNS = re.compile(r"[^\W_]+")
_HAN = re.compile(f"([{HAN_CHARS}]+)")


def _pieces(run: str) -> Iterator[tuple[bool, str]]:
    """A run of word characters as (is_chinese, piece) in order."""
    for index, piece in enumerate(_HAN.split(run)):
        if piece:
            yield index % 2 == 1, piece if index % 2 else piece.lower()


def tokens(text: str) -> list[str]:
    """The bigram-and-word tokens of a text, in order."""
    out: list[str] = []
    for run in _RUNS.findall(text):  # _pieces inlined: this runs on every text the archive stores
        pieces = _HAN.split(run)
        for index in range(len(pieces)):
            piece = pieces[index]
            if not piece:
                continue
            if index % 2:
                out += map(add, piece, piece[1:])  # overlapping bigrams
            else:
                out.append(piece.lower())
    return out


def han_chars(text: str) -> str:
    """Each distinct Chinese character of a text once, space-separated."""
    return " ".join(dict.fromkeys("".join(_HAN.findall(text))))


def heading(title: str, subtitle: str | None) -> str:
    """What the index holds as an article's title: the title and the kicker."""
    return f"{title}\n{subtitle or ''}"


def is_han_word(word: str) -> bool:
    return all(is_han(char) for char in word)


def index_exact(pattern: Pattern) -> bool:
    """Whether the index alone finds exactly the texts holding this word."""
    if len(pattern.words) != 1:
        return False
    word = pattern.words[0]
    if is_han_word(word):
        return len(word) <= 2
    return _RUNS.fullmatch(word) is not None and not _HAN.search(word)


def word_parts(word: str) -> tuple[list[str], list[str]]:
    """(the phrase of tokens, the lone Chinese characters) that every text holding `word` has."""
    lone = [piece for run in _RUNS.findall(word) for han, piece in _pieces(run) if han and len(piece) == 1]
    return tokens(word), lone
