"""How well a run of Chinese characters reads: a unigram word model from wordfreq.

``reading_score`` is the log probability of the best segmentation of a text into words of
wordfreq's Chinese list (``large``: about 330,000 Simplified words, their frequencies merged
from news, Wikipedia, subtitles, books and the web), the way jieba's segmenter picks a route
through its own dictionary. Traditional characters are scored as their Simplified form. The
mojibake repair uses it to choose between re-readings of a damaged span: 突發 is a word,
突齺 is not. (jieba's dictionary was tried first: on simulated damage wordfreq's frequencies
tell the right reading more often, e.g. 提升 over 后生, 主播 at all.)

Its limit is the repair's: a unigram model knows which words exist, not which follow which,
so 養的土雞 and 養從土雞, 金山銀山 and 火山銀山 read about alike, and those spans are left.
Looked at for issue 14 and not taken: jieba's part-of-speech transitions (its ``posseg``
tables) move a reading by half a nat at most; jieba's dictionary lacks the same compounds
(杉木林, 茶女); character pairs counted from this list only see pairs inside words. A model of
which word follows which would need running text, which no installed package ships.
The nearest thing, jiojio's segmentation model (installed with jionlp), lists the character
pairs and the pairs one apart that its training text had (about 700,000 each, no counts): a
penalty for each pair of a reading it never saw restored 1 % more of the simulated spans of
the replica and news-dev's dev part (75 -> 76 %, wrong 0.8 -> 0.7 %), or 2.7 % more with a
margin of 3.5 (wrong 0.96 %, as with that margin alone), for a 70 MB JSON file read at start
and a GPL package's data: not taken. Nor a wider context (5 characters a side: no change).

Speed (issue 14): the repair scores hundreds of candidate characters between the same few
characters of context. ``Reading`` segments the context before them once and looks up only
the words that can hold a candidate: one of three or four characters only where the
characters before it begin a longer word (``_word_starts``). Its scores are reading_score's
to the last bit. ``simplified`` converts a text with ``str.translate``, one character for
one. The word table and its starts are kept on disk (``tables.py``): read back in about
80 ms, where reading wordfreq's list and building them takes about 350 (the table alone
took 120 at every start before).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from crawler.text.packages import package_file
from crawler.text.script import FULL_WIDTH_PUNCTUATION, simplified_char
from crawler.text.tables import derived_table

WORDLIST = "large"
MAX_WORD = 4  # longer words add little over their parts in a window of a few characters
UNKNOWN_FREQUENCY = 1e-9  # a character or symbol that is no word
# punctuation is not in the list: about 5 % of running text is a full stop or comma, a
# fraction of a per cent each of the other common marks
PUNCTUATION_FREQUENCIES = {"。": 0.05, "，": 0.05, **dict.fromkeys("、“”：；！？（）《》", 0.0017)}
OTHER_PUNCTUATION_FREQUENCY = 0.00002
SEPARATOR = "\n"  # between the words of the kept word table (no word holds one)
KEPT_CHARS = 65536  # characters whose Simplified form ``simplified`` keeps (all the Han ones met)


@lru_cache(maxsize=1)
def _word_log_probs() -> tuple[dict[str, float], float]:
    """Every listed word up to MAX_WORD characters with its log probability; the floor."""
    return _word_tables()[0], math.log(UNKNOWN_FREQUENCY)


@lru_cache(maxsize=1)
def _word_starts() -> frozenset[str]:
    """The first 2 or 3 characters of every listed word longer than that: what a longer word starts with."""
    return _word_tables()[1]


@lru_cache(maxsize=1)
def _word_tables() -> tuple[dict[str, float], frozenset[str]]:
    """The word model (``_word_log_probs``) and its words' starts (``_word_starts``).

    Read back from the derived table ``_read_word_list`` keeps (``tables.py``): about 80 ms
    where reading wordfreq's list and building both takes about 350 (once: then kept).
    """
    joined, bins, listed, others = derived_table("wordfreq-zh", [_word_list_file()], _read_word_list)
    words = joined.split(SEPARATOR)
    probs: dict[str, float] = {}
    position = 0
    for index, count in bins:  # bin i: frequency 10 ** (-i / 100)
        probs.update(dict.fromkeys(words[position : position + count], -index / 100 * math.log(10)))
        position += count
    for mark in FULL_WIDTH_PUNCTUATION:
        probs[mark] = math.log(PUNCTUATION_FREQUENCIES.get(mark, OTHER_PUNCTUATION_FREQUENCY))
    # a start that is a word itself is the word's own string: no second copy
    starts = frozenset([*map(words.__getitem__, listed), *(others.split(SEPARATOR) if others else ())])
    return probs, starts


def _word_list_file() -> Path:
    """wordfreq's Chinese list, which ``wordfreq.get_frequency_list("zh", WORDLIST)`` reads."""
    return package_file("wordfreq", "data", f"{WORDLIST}_zh.msgpack.gz")


def _read_word_list() -> tuple[str, list[tuple[int, int]], list[int], str]:
    """The listed words up to MAX_WORD characters, and the starts of the longer ones, as plain values.

    The words (joined by SEPARATOR) in the order of their frequency bins, commonest first,
    each in the first bin that has it; the bins as (index, number of words); the starts that
    are words themselves as their positions in the words, the others joined.
    """
    # From wordfreq's list of frequency bins rather than its dictionary, and its caches emptied
    # after: the model costs its own dict, not three copies. Imported here, when the kept table
    # is missing or stale: wordfreq brings ftfy, langcodes and regex, 14 MB a process never needs
    # once the table is kept.
    import wordfreq

    first_bin: dict[str, int] = {}
    for index, words in enumerate(wordfreq.get_frequency_list("zh", wordlist=WORDLIST)):
        for word in words:
            if len(word) <= MAX_WORD:
                first_bin.setdefault(word, index)
    wordfreq.get_frequency_list.cache_clear()
    if any(SEPARATOR in word for word in first_bin):
        raise ValueError(f"a listed word holds {SEPARATOR!r}: the word table cannot be kept joined")
    bins = [(index, len(list(run))) for index, run in itertools.groupby(first_bin.values())]
    starts = {word[:length] for word in first_bin if len(word) > 2 for length in range(2, len(word))}
    listed = [number for number, word in enumerate(first_bin) if word in starts]
    others = SEPARATOR.join(sorted(starts.difference(first_bin)))
    return SEPARATOR.join(first_bin), bins, listed, others


def word_list() -> list[str]:
    """Every listed word (up to MAX_WORD characters) and punctuation mark."""
    return list(_word_log_probs()[0])


def simplified(text: str) -> str:
    """``text`` as the model reads it: each character in its Simplified form."""
    return text.translate(_SIMPLIFIED)


class _SimplifiedChars(dict[int, str]):
    """A code point's Simplified form (``simplified_char``), kept as characters are met.

    A table for ``str.translate``, which converts a text about twice as fast as joining
    ``simplified_char`` character by character; it keeps at most KEPT_CHARS characters.
    """

    def __missing__(self, code: int) -> str:
        char: str = simplified_char(chr(code))
        if len(self) < KEPT_CHARS:
            self[code] = char
        return char


_SIMPLIFIED = _SimplifiedChars()


def simple_word_score(simple: str) -> float:
    """Log probability of a text already Simplified (``simplified``) as one listed word, or the floor."""
    probs, floor = _word_log_probs()
    return probs.get(simple, floor)


def simple_word_scores(simples: Iterable[str]) -> list[float]:
    """``simple_word_score`` of each text in turn."""
    probs, floor = _word_log_probs()
    get = probs.get
    return [get(simple, floor) for simple in simples]


def reading_score(text: str, single: float = 0.0) -> float:
    """Log probability of the best segmentation of ``text`` into listed words.

    ``single`` is added for every Han character that stands alone, to prefer readings whose
    characters form words (most characters of running text belong to a longer word).
    """
    return Reading(simplified(text), single).score


class Reading:
    """The best segmentation of a Simplified text, kept to score the texts that may follow it.

    ``Reading(prefix, single).scores(chars, after)`` are the ``reading_score`` of each
    ``prefix + char + after`` (Simplified), with the prefix segmented once and the words
    within ``after`` looked up once: the mojibake repair scores hundreds of candidate
    characters between the same two contexts. The scores are reading_score's to the last bit
    (each the maximum of the same sums), so no choice made with them changes.
    """

    __slots__ = ("_best", "_simple", "_single")

    def __init__(self, simple: str, single: float = 0.0) -> None:
        self._simple = ""
        self._single = single
        self._best = [0.0]  # the best score of each prefix of the text, the empty one first
        self._extend(simple)

    @property
    def score(self) -> float:
        """``reading_score`` of the text."""
        return self._best[-1]

    def then(self, simple: str) -> Reading:
        """The reading of this text followed by ``simple``."""
        following = Reading.__new__(Reading)
        following._simple, following._single, following._best = self._simple, self._single, self._best.copy()
        following._extend(simple)
        return following

    def scores(self, chars: Sequence[str], after: str = "") -> list[float]:
        """``reading_score`` of this text followed by each of ``chars`` (one character each) and ``after``."""
        if MAX_WORD == 4 and len(after) < MAX_WORD and all(len(char) == 1 for char in chars):
            return self._scores_between(chars, after)
        return [self.then(char + after).score for char in chars]

    def _extend(self, simple: str) -> None:
        """Segment ``simple`` after the text: the best score of each longer prefix in turn."""
        probs, floor = _word_log_probs()
        get, single, best = probs.get, self._single, self._best
        text = self._simple + simple
        for end in range(len(best), len(text) + 1):
            char = text[end - 1]
            # the character alone, after the best of the prefix a character shorter
            score = best[end - 1] + get(char, floor)
            if char not in FULL_WIDTH_PUNCTUATION:
                score += single
            # or a listed word of 2 to MAX_WORD characters, after the best of the prefix before it
            for start in range(max(0, end - MAX_WORD), end - 1):
                prob = get(text[start:end])
                if prob is not None and best[start] + prob > score:
                    score = best[start] + prob
            best.append(score)
        self._simple = text

    def _scores_between(self, chars: Sequence[str], after: str) -> list[float]:
        """``scores`` when words are up to 4 characters and ``after`` is shorter: _extend written out.

        Only the words that hold the character change from one to the next; the characters
        and words of ``after`` alone are looked up once, and a word that holds the character
        only where what comes before it begins a longer word (``_word_starts``).
        """
        probs, floor = _word_log_probs()
        starts = _word_starts()
        get, single, text = probs.get, self._single, self._simple
        # the text's score, its prefix's a character shorter... (placeholders where it is shorter: never read)
        best4, best3, best2, best = ([0.0] * 3 + self._best)[-4:]
        # the text's last characters: a word of 2 characters may start with the last, of 3 with the
        # last two when they begin a longer word, of 4 with the last three when they do
        end1 = text[-1:] if text else None
        end2 = text[-2:] if len(text) >= 2 and text[-2:] in starts else None
        end3 = text[-3:] if len(text) >= 3 and text[-3:] in starts else None
        # after's characters alone (with `single` unless punctuation) and its own words
        alone = [(get(char, floor), char not in FULL_WIDTH_PUNCTUATION) for char in after]
        word01 = get(after[:2]) if len(after) > 1 else None
        word12, word012 = (get(after[1:3]), get(after)) if len(after) > 2 else (None, None)
        after1, after2, after3 = after[:1], after[:2], after[:3]
        found = []
        for char in chars:
            # the text + char: the character alone, or a word ending with it
            score0 = best + get(char, floor)
            if char not in FULL_WIDTH_PUNCTUATION:
                score0 += single
            start1 = start2 = None  # end1 + char, end2 + char where they begin a longer word
            if end1 is not None:
                word = end1 + char
                prob = get(word)
                if prob is not None and best2 + prob > score0:
                    score0 = best2 + prob
                if word in starts:
                    start1 = word
            if end2 is not None:
                word = end2 + char
                prob = get(word)
                if prob is not None and best3 + prob > score0:
                    score0 = best3 + prob
                if word in starts:
                    start2 = word
            if end3 is not None:
                prob = get(end3 + char)
                if prob is not None and best4 + prob > score0:
                    score0 = best4 + prob
            if not after:
                found.append(score0)
                continue
            # ... + after[0]
            prob, is_han = alone[0]
            score1 = score0 + prob
            if is_han:
                score1 += single
            word = char + after1
            prob = get(word)
            if prob is not None and best + prob > score1:
                score1 = best + prob
            start0 = word if word in starts else None  # char + after[0] where it begins a longer word
            if start1 is not None:
                prob = get(start1 + after1)
                if prob is not None and best2 + prob > score1:
                    score1 = best2 + prob
            if start2 is not None:
                prob = get(start2 + after1)
                if prob is not None and best3 + prob > score1:
                    score1 = best3 + prob
            if len(after) == 1:
                found.append(score1)
                continue
            # ... + after[1]
            prob, is_han = alone[1]
            score2 = score1 + prob
            if is_han:
                score2 += single
            if word01 is not None and score0 + word01 > score2:
                score2 = score0 + word01
            if start0 is not None:
                prob = get(char + after2)
                if prob is not None and best + prob > score2:
                    score2 = best + prob
            if start1 is not None:
                prob = get(start1 + after2)
                if prob is not None and best2 + prob > score2:
                    score2 = best2 + prob
            if len(after) == 2:
                found.append(score2)
                continue
            # ... + after[2]
            prob, is_han = alone[2]
            score3 = score2 + prob
            if is_han:
                score3 += single
            if word12 is not None and score1 + word12 > score3:
                score3 = score1 + word12
            if word012 is not None and score0 + word012 > score3:
                score3 = score0 + word012
            if start0 is not None:
                prob = get(char + after3)
                if prob is not None and best + prob > score3:
                    score3 = best + prob
            found.append(score3)
        return found
