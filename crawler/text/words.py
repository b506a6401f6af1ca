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
"""

from __future__ import annotations

import math
from functools import lru_cache

import wordfreq

from crawler.text.script import FULL_WIDTH_PUNCTUATION, simplified_char

WORDLIST = "large"
MAX_WORD = 4  # longer words add little over their parts in a window of a few characters
UNKNOWN_FREQUENCY = 1e-9  # a character or symbol that is no word
# punctuation is not in the list: about 5 % of running text is a full stop or comma, a
# fraction of a per cent each of the other common marks
PUNCTUATION_FREQUENCIES = {"。": 0.05, "，": 0.05, **dict.fromkeys("、“”：；！？（）《》", 0.0017)}
OTHER_PUNCTUATION_FREQUENCY = 0.00002


@lru_cache(maxsize=1)
def _word_log_probs() -> tuple[dict[str, float], float]:
    """Every listed word up to MAX_WORD characters with its log probability; the floor."""
    # Read from wordfreq's list of frequency bins (bin i: frequency 10 ** (-i / 100)) rather than
    # its dictionary, and its caches emptied after: the model costs its own dict, not three copies.
    probs: dict[str, float] = {}
    for index, words in enumerate(wordfreq.get_frequency_list("zh", wordlist=WORDLIST)):
        log_prob = -index / 100 * math.log(10)
        for word in words:
            if len(word) <= MAX_WORD:
                probs.setdefault(word, log_prob)
    wordfreq.get_frequency_list.cache_clear()
    for mark in FULL_WIDTH_PUNCTUATION:
        probs[mark] = math.log(PUNCTUATION_FREQUENCIES.get(mark, OTHER_PUNCTUATION_FREQUENCY))
    return probs, math.log(UNKNOWN_FREQUENCY)


def word_list() -> list[str]:
    """Every listed word (up to MAX_WORD characters) and punctuation mark."""
    return list(_word_log_probs()[0])


def word_score(text: str) -> float:
    """Log probability of ``text`` as one listed word (Simplified), or of the floor when it is none."""
    probs, floor = _word_log_probs()
    return probs.get("".join(map(simplified_char, text)), floor)


def reading_score(text: str, single: float = 0.0) -> float:
    """Log probability of the best segmentation of ``text`` into listed words.

    ``single`` is added for every Han character that stands alone, to prefer readings whose
    characters form words (most characters of running text belong to a longer word).
    """
    probs, floor = _word_log_probs()
    get = probs.get
    simple = "".join(map(simplified_char, text))
    best = [0.0] * (len(simple) + 1)
    for end in range(1, len(simple) + 1):
        char = simple[end - 1]
        score = best[end - 1] + get(char, floor) + (0.0 if char in FULL_WIDTH_PUNCTUATION else single)
        for start in range(max(0, end - MAX_WORD), end - 1):
            prob = get(simple[start:end])
            if prob is not None and best[start] + prob > score:
                score = best[start] + prob
        best[end] = score
    return best[-1]
