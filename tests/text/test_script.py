"""Traditional -> Simplified: only Traditional text is converted, proper names protected."""

import pytest

from crawler.text.clean import clean_text
from crawler.text.script import (
    char_converter,
    char_rank,
    convert_to_simplified,
    converter,
    is_common,
    is_traditional,
)

CONVERTED = [
    ("著力把黨的組織優勢", "着力把党的组织优势"),  # Taiwan-style 著 -> 着 (tw2s, not t2s)
    ("接著說", "接着说"),
    ("貴州貴楓堂農業開發有限公司", "贵州贵枫堂农业开发有限公司"),
    ("吉林省乾安縣委書記", "吉林省乾安县委书记"),
    ("吉林省乾安县的鄉村幹部", "吉林省乾安县的乡村干部"),  # a Simplified name on a Traditional page
    ("陝西乾縣鄉村振興", "陕西乾县乡村振兴"),
    # a genuine Traditional page (people.com.cn/BIG5 style)
    ("人民網北京1月4日電 國務院新聞辦公室舉行發佈會", "人民网北京1月4日电 国务院新闻办公室举行发布会"),
]

UNCHANGED = [
    "着力把党的组织优势转变为产业发展优势",
    "吉林省乾安县委书记",
    "以基地(合作社)为载体",
    "数据包络分析(DEA)",
    "乾隆年间的乾坤",
    "2021-01-04 14:54:00",
    "",
]


@pytest.mark.parametrize(("text", "expected"), CONVERTED)
def test_traditional_text_is_converted(text: str, expected: str) -> None:
    assert is_traditional(text)
    assert convert_to_simplified(text) == expected


@pytest.mark.parametrize("text", UNCHANGED)
def test_simplified_text_is_returned_untouched(text: str) -> None:
    assert not is_traditional(text)
    cleaned = clean_text(text)  # the chain converts only what it detects as Traditional
    assert cleaned.text == text
    assert "script:t2s" not in cleaned.flags


@pytest.mark.parametrize(
    ("char", "common"), [("的", True), ("為", True), ("产", True), ("楫", False), ("膰", False), ("。", True)]
)
def test_common_characters_come_from_jieba_frequencies(char: str, common: bool) -> None:
    assert is_common(char) is common


def test_traditional_characters_rank_as_their_simplified_form() -> None:
    assert char_rank("為") == char_rank("为")


@pytest.mark.parametrize("config", ["s2t", "s2tw"])
def test_the_character_converter_converts_every_character_as_the_full_configuration(config: str) -> None:
    # CJK Unified Ideographs (with Extension A) and the compatibility block, one per line
    chars = [chr(c) for c in (*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000), *range(0xF900, 0xFB00))]
    lines = "\n".join(chars)
    converted = char_converter(config).convert(lines)
    assert converted == converter(config).convert(lines)
    assert converted != lines  # it converts (国 -> 國), it is no identity


def test_the_character_converter_leaves_phrases_to_the_full_configuration() -> None:
    # 头发 is a phrase of STPhrases (頭髮); one character at a time 发 is 發
    assert converter("s2t").convert("头发") == "頭髮"
    assert char_converter("s2t").convert("头发") == "頭發"
