"""The query language: what a query means, on single strings (the rule the index must agree with)."""

from __future__ import annotations

import pytest

from crawler.db.query import BadQuery, parse


@pytest.mark.parametrize(
    ("query", "text", "matches"),
    [
        ("乡村 治理", "乡村的治理", True),
        ("乡村 治理", "乡村振兴", False),
        ("油茶 OR 茶油", "榨茶油", True),
        ("乡村 -旅游", "乡村旅游", False),
        ("乡村 -旅游", "乡村振兴", True),
        ('"乡村 治理"', "乡村治理", True),
        ('"乡村 治理"', "乡村，治理", True),  # only spaces or punctuation between the words of a phrase
        ('"乡村 治理"', "乡村的治理", False),
        ("90后", "90后干部", True),
        ("90后", "90年代后", False),
        ("90后", "1990后", False),  # a digit at the edge must not touch another digit
        ("2.3万亩", "种了2.3万亩", True),
        ("2.3万亩", "种了12.3万亩", False),
        ("2.3万亩", "种了2 3万亩", False),
        ("5G基站", "新建5G基站", True),  # Chinese around a word is fine
        ("5G基站", "15G基站", False),
        ("5g基站", "5G基站", True),  # letters ignore case
        ("5G", "5GB", False),
        ("乡村振兴，党建", "党建引领乡村振兴", True),  # full-width punctuation separates words
        ("乡村振兴", "乡村，村振兴", False),  # the substring, not overlapping bigrams
        ("1,000元", "奖励1,000元", True),
        ("a b OR c", "c", True),
        ("a b OR c", "a", False),
    ],
)
def test_a_query_matches_where_its_words_occur_as_written(query, text, matches):
    assert parse(query).matches(text) is matches


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"乡村', "unclosed quote"),
        ("OR 乡村", "OR needs words on both sides"),
        ("乡村 OR", "OR needs words on both sides"),
        ("乡村 OR OR 茶", "OR needs words on both sides"),
        ("-旅游", "only excludes"),
        ("* : (", "nothing to search for"),
    ],
)
def test_a_malformed_query_is_refused_in_one_line(query, message):
    with pytest.raises(BadQuery, match=message) as refusal:
        parse(query)
    assert "\n" not in str(refusal.value)


def test_the_first_hit_is_the_earliest_wanted_word():
    assert parse("治理 乡村 -旅游").first_hit("加强基层治理，建设美丽乡村") == (4, 6)
    assert parse("旅游").first_hit("乡村") is None
