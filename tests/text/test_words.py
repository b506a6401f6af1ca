"""The word model's scores (crawler/text/words.py): Reading is reading_score, only faster."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
import wordfreq

from crawler.text import words
from crawler.text.script import FULL_WIDTH_PUNCTUATION, simplified_char
from crawler.text.tables import CACHE_ENV
from crawler.text.words import MAX_WORD, Reading, reading_score, simplified, word_list

SINGLE = -1.5  # the mojibake repair's score for a character alone
HAN_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))


def reference_score(text: str, single: float) -> float:
    """reading_score as it was first written: the best segmentation, one prefix after another."""
    probs, floor = words._word_log_probs()
    simple = "".join(map(simplified_char, text))
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


def readings_around_words() -> list[tuple[str, list[str], str]]:
    """Contexts and characters cut from listed words at every place, with noise and punctuation."""
    rng = random.Random(14)
    listed = [word for word in word_list() if len(word) > 1]
    noise = "的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要" + "，。、“”《》"
    cases = []
    for word, other in zip(rng.sample(listed, 300), rng.sample(listed, 300), strict=True):
        cut = rng.randrange(len(word))
        before = "".join(rng.choices(noise, k=rng.randrange(4))) + word[:cut]
        after = word[cut + 1 :] + "".join(rng.choices(noise, k=3))
        if rng.random() < 0.3:  # a word of its own after the character
            after = rng.choice(noise) * rng.randrange(2) + other
        chars = [word[cut], *rng.sample(noise, 5), other[0]]
        cases.append((before, chars, after[: rng.randrange(MAX_WORD + 1)]))
    return cases


@pytest.mark.parametrize("single", [0.0, SINGLE])
def test_reading_scores_are_reading_score_to_the_last_bit(single: float) -> None:
    for before, chars, after in readings_around_words():
        reading = Reading(simplified(before), single)
        expected = [reference_score(before + char + after, single) for char in chars]
        assert reading.scores(chars, after) == expected, (before, after)
        assert [reading.then(char + after).score for char in chars] == expected
        assert reading_score(before + chars[0] + after, single) == expected[0]


def test_reading_scores_more_than_one_character_between_as_a_text() -> None:
    reading = Reading("中华", SINGLE)
    chars = ["人民", "Ta", "人"]
    assert reading.scores(chars, "共和国") == [reference_score(f"中华{c}共和国", SINGLE) for c in chars]


def test_a_word_across_the_context_outscores_the_same_characters_apart() -> None:
    reading = Reading(simplified("中華人民"), SINGLE)
    together, apart = reading.scores(["共", "公"], simplified("和國"))
    assert together > apart + 10  # 共和国 is a word, 公和国 none


def test_simplified_gives_one_character_for_each() -> None:
    han = "".join(chr(code) for start, end in HAN_RANGES for code in range(start, end))
    text = han + "abc（）(zhǎn)…?\ufffd𠀀"
    simple = simplified(text)
    assert len(simple) == len(text)
    assert simple == "".join(map(simplified_char, text))
    assert simplified("發展經濟") == "发展经济"


def test_the_kept_word_table_is_what_wordfreq_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    built = words._word_tables.__wrapped__()  # built and kept
    assert len(list(tmp_path.glob("wordfreq-zh-*.marshal"))) == 1
    read = words._word_tables.__wrapped__()  # read back
    expected: dict[str, float] = {}
    for index, listed in enumerate(wordfreq.get_frequency_list("zh", wordlist=words.WORDLIST)):
        for word in listed:
            if len(word) <= MAX_WORD:
                expected.setdefault(word, -index / 100 * math.log(10))
    wordfreq.get_frequency_list.cache_clear()
    for mark in FULL_WIDTH_PUNCTUATION:
        expected[mark] = math.log(words.PUNCTUATION_FREQUENCIES.get(mark, words.OTHER_PUNCTUATION_FREQUENCY))
    starts = {word[:length] for word in expected if len(word) > 2 for length in range(2, len(word))}
    for probs, kept_starts in (built, read):
        assert list(probs.items()) == list(expected.items())  # the same words, scores and order
        assert kept_starts == starts
