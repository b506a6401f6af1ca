"""How well a run of Chinese characters reads: a unigram word model from jieba's dictionary.

``reading_score`` is the log probability of the best segmentation of a text into words of
jieba's dictionary (Simplified, about 350,000 words with corpus counts), the way jieba's own
segmenter picks a route. Traditional characters are scored as their Simplified form. The
mojibake repair uses it to choose between re-readings of a damaged span: 突發 is a word,
突齺 is not.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import jieba

from crawler.text.script import FULL_WIDTH_PUNCTUATION, simplified_char

MAX_WORD = 6  # longer dictionary words add nothing over their parts in a window this size
# punctuation is not in the dictionary: counts on its scale (about 5 % of running text is
# a full stop or comma, 1 % each of the other common marks)
PUNCTUATION_COUNTS = {"。": 3_000_000, "，": 3_000_000, **dict.fromkeys("、“”：；！？（）《》", 100_000)}
OTHER_PUNCTUATION_COUNT = 1_000


@lru_cache(maxsize=1)
def _word_log_probs() -> tuple[dict[str, float], float]:
    """Every dictionary word up to MAX_WORD characters with its log probability; the floor."""
    counts: dict[str, int] = {}
    path = Path(jieba.__file__).with_name("dict.txt")
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            word, count, *_ = line.split(" ")
            if len(word) <= MAX_WORD:
                counts[word] = int(count)
    total = sum(counts.values())
    log_total = math.log(total)
    probs = {word: math.log(count or 1) - log_total for word, count in counts.items()}
    for mark in FULL_WIDTH_PUNCTUATION:
        probs[mark] = math.log(PUNCTUATION_COUNTS.get(mark, OTHER_PUNCTUATION_COUNT)) - log_total
    return probs, -log_total


def word_list() -> list[str]:
    """Every dictionary word (up to MAX_WORD characters)."""
    return list(_word_log_probs()[0])


def unknown_score() -> float:
    """The score of one character or symbol that is no word (a count of one)."""
    return _word_log_probs()[1]


def reading_score(text: str, single: float = 0.0) -> float:
    """Log probability of the best segmentation of ``text`` into dictionary words.

    ``single`` is added for every Han character that stands alone, to prefer readings whose
    characters form words (most characters of running text belong to a longer word).
    """
    probs, floor = _word_log_probs()
    simple = "".join(simplified_char(char) for char in text)
    best = [0.0] * (len(simple) + 1)
    for end in range(1, len(simple) + 1):
        char = simple[end - 1]
        score = best[end - 1] + probs.get(char, floor) + (0.0 if char in FULL_WIDTH_PUNCTUATION else single)
        for start in range(max(0, end - MAX_WORD), end - 1):
            prob = probs.get(simple[start:end])
            if prob is not None and best[start] + prob > score:
                score = best[start] + prob
        best[end] = score
    return best[-1]
