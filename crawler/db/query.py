"""The query language of the archive: one parser for `scrapy search`, `scrapy export --query` and the
Datasette plugin, and the exact rule of what a query matches.

    乡村 治理            both words (words side by side: AND)
    油茶 OR 茶油         either (OR binds looser than AND: `a b OR c` is (a AND b) OR c)
    乡村 -旅游           乡村 but not 旅游 (a leading `-` excludes)
    "乡村 治理"          the phrase: these words in this order, only spaces or punctuation between
    90后 2.3万亩 5G基站  one word each, matched as one contiguous string

A word is a run of letters, digits and Chinese characters; a `.` or `,` between two digits stays
inside it (2.3万亩, 1,000元); other punctuation separates words (乡村振兴，党建 is two words). A
query matches a text (title, kicker and body joined by newlines) where each word occurs as a
substring, case-insensitively, except that an end of the word that is a Latin letter or digit
must not touch another Latin letter or digit: 5G does not match 15G or 5GB, 2.3万亩 does not
match 12.3万亩; Chinese characters around a word are fine (建5G基站 holds 5G基站).

`Query.matches` is that rule, in Python: the search index only narrows the candidates
(crawler/db/search/), and tests compare both on every stored text. No parentheses; AND,
NOT, NEAR, `*`, `:` are plain words or separators. A malformed query raises BadQuery, whose
message is one line for the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

HAN_CHARS = (  # Chinese characters (CJK ideographs, their extensions, 〇 々 and Suzhou numerals)
    "\u3005\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
)
_HAN = re.compile(f"[{HAN_CHARS}]")
_WORDS = re.compile(r"(?:\d[.,](?=\d)|[^\W_])+")  # a run of word characters, 2.3 and 1,000 kept whole
_LATIN = f"[^\\W_{HAN_CHARS}]"  # a letter or digit that is not Chinese
_GAP = r"[\W_]*"  # between the words of a phrase: spaces and punctuation only
OR = "OR"


class BadQuery(ValueError):
    """A query that cannot be run; the message says why, on one line, for the user."""


def is_han(char: str) -> bool:
    return bool(_HAN.match(char))


@dataclass(frozen=True)
class Pattern:
    """One word or quoted phrase of a query (lower-cased words), possibly excluded."""

    words: tuple[str, ...]
    negated: bool = False

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(_GAP.join(_word_regex(word) for word in self.words))

    def found(self, lowered: str) -> bool:
        return self.regex.search(lowered) is not None

    def __str__(self) -> str:
        shown = self.words[0] if len(self.words) == 1 else '"' + " ".join(self.words) + '"'
        return f"-{shown}" if self.negated else shown


def _word_regex(word: str) -> str:
    left = f"(?<!{_LATIN})" if not is_han(word[0]) else ""
    right = f"(?!{_LATIN})" if not is_han(word[-1]) else ""
    return left + re.escape(word) + right


@dataclass(frozen=True)
class Query:
    """A parsed query: alternatives (OR) of patterns that must all hold (AND, `-` = must not)."""

    text: str
    alternatives: tuple[tuple[Pattern, ...], ...]

    @property
    def patterns(self) -> list[Pattern]:
        return [p for alternative in self.alternatives for p in alternative]

    @property
    def terms(self) -> list[str]:
        """The words a hit shows (the wanted ones, not the excluded)."""
        return list(dict.fromkeys(w for p in self.patterns if not p.negated for w in p.words))

    def matches(self, text: str) -> bool:
        """Whether the text (title, kicker, body joined by newlines) matches: the rule itself."""
        lowered = text.lower()
        return any(
            all(p.found(lowered) != p.negated for p in alternative) for alternative in self.alternatives
        )

    def first_hit(self, text: str) -> tuple[int, int] | None:
        """(start, end) of the first place in `text` a wanted word or phrase occurs, or None."""
        lowered = text.lower()  # Chinese and ASCII keep their length when lower-cased
        found = [m.span() for p in self.patterns if not p.negated if (m := p.regex.search(lowered))]
        return min(found) if found else None

    def __str__(self) -> str:
        return " OR ".join(" ".join(map(str, alternative)) for alternative in self.alternatives)


def article_text(title: str, subtitle: str | None, body: str) -> str:
    """What a query is matched against: title, kicker and body, joined by newlines."""
    return f"{title}\n{subtitle or ''}\n{body}"


def words(text: str) -> list[str]:
    """The query words of a piece of text, lower-cased."""
    return [w.lower() for w in _WORDS.findall(text)]


def _chunks(query: str) -> list[tuple[str, bool, bool]]:
    """(text, quoted, negated) of each space-separated chunk or quoted phrase."""
    found: list[tuple[str, bool, bool]] = []
    position = 0
    for match in re.finditer(r'(-?)"([^"]*)("?)|[^\s"]+', query):
        if query[position : match.start()].strip():
            raise BadQuery(f"cannot read {query!r}")
        position = match.end()
        if match.group(0).lstrip("-").startswith('"'):
            if not match.group(3):
                raise BadQuery(f'unclosed quote in {query!r}: a phrase is written "like this"')
            found.append((match.group(2), True, match.group(1) == "-"))
        else:
            chunk = match.group(0)
            negated = chunk.startswith("-") and chunk != "-"
            found.append((chunk[1:] if negated else chunk, False, negated))
    return found


def parse(query: str) -> Query:
    """The query a user typed, parsed; BadQuery (one line) when it is malformed or finds nothing."""
    alternatives: list[list[Pattern]] = [[]]
    previous_or = True
    for chunk, quoted, negated in _chunks(query):
        if not quoted and not negated and chunk == OR:
            if previous_or:
                raise BadQuery(f"OR needs words on both sides in {query!r}")
            alternatives.append([])
            previous_or = True
            continue
        found = words(chunk)
        if not found:
            continue  # punctuation only: a separator
        if quoted:
            alternatives[-1].append(Pattern(tuple(found), negated))
        else:
            alternatives[-1] += [Pattern((word,), negated) for word in found]
        previous_or = False
    if previous_or and len(alternatives) > 1:
        raise BadQuery(f"OR needs words on both sides in {query!r}")
    if not any(alternatives):
        raise BadQuery(f"nothing to search for in {query!r}: give Chinese characters, letters or digits")
    for alternative in alternatives:
        if not alternative:
            raise BadQuery(f"OR needs words on both sides in {query!r}")
        if all(p.negated for p in alternative):
            shown = " ".join(map(str, alternative))
            raise BadQuery(f"{shown!r} only excludes: give a word to find as well (乡村 -旅游)")
    return Query(query, tuple(tuple(dict.fromkeys(a)) for a in alternatives))
