"""Inline pinyin: what must go, what must stay."""

import subprocess
import sys

import pytest

from crawler.text.pinyin import is_reading, strip_pinyin, strip_ruby
from tests.conftest import ROOT

REMOVED = [
    ("串聯(lián)“產業鏈”", "串聯“產業鏈”", 1),
    ("來(lái)源:鄉(xiāng)村", "來源:鄉村", 2),
    ("串聯（lián）起來", "串聯起來", 1),  # full-width brackets
    ("串聯(lián）起來", "串聯起來", 1),  # mixed brackets
    ("習(xi) 近平", "習近平", 1),  # toneless variant takes its trailing space
    ("社會(hui) 發展", "社會發展", 1),
    ("校長(zhǎng)講話", "校長講話", 1),  # a heteronym reading wrong for the context still counts
    ("調(diào)整", "調整", 1),
    ("綠(lü)色", "綠色", 1),
    ("聯(lián) 繫", "聯 繫", 1),  # a tone-marked annotation keeps the following space
]

KEPT = [
    "以基地(合作社)為載體",
    "(記者 馬超 通訊員 柳小軍)",
    "辦法(征求意見稿)",
    "第一條(1)",
    "数据包络分析(DEA)",
    "条款(1a)",
    "倡议(B&R, in short)",
    "the initiative (an) example",  # a Latin word in brackets after English text
    "款(a)",  # a valid syllable, but not a reading of 款
    "聯(liàn)",  # a valid syllable with a tone 聯 is never read with
    "聯(xyz)",  # not a syllable
    "A(lián)",  # no Han character before it
    "聯 (lián)",  # not right after the character
]


@pytest.mark.parametrize(("text", "expected", "count"), REMOVED)
def test_annotations_are_removed(text: str, expected: str, count: int) -> None:
    assert strip_pinyin(text) == (expected, count)


@pytest.mark.parametrize("text", KEPT)
def test_other_brackets_are_kept(text: str) -> None:
    assert strip_pinyin(text) == (text, 0)


def test_unchanged_text_is_the_same_object() -> None:
    text = "以基地(合作社)为载体"
    assert strip_pinyin(text)[0] is text


@pytest.mark.parametrize(
    ("char", "syllable", "expected"),
    [("長", "zhǎng", True), ("長", "cháng", True), ("長", "chang", True), ("長", "lián", False)],
)
def test_is_reading_counts_heteronyms(char: str, syllable: str, expected: bool) -> None:
    assert is_reading(char, syllable) is expected


RUBY = [
    ("<ruby>漢<rp>(</rp><rt>hàn</rt><rp>)</rp></ruby>字", "<ruby>漢</ruby>字"),
    ("<RUBY>漢<RT>hàn</RT></RUBY>", "<RUBY>漢</RUBY>"),
    ("<ruby>漢<rt>hàn</ruby>字", "<ruby>漢</ruby>字"),  # </rt> is optional in HTML
    ("<ruby><rb>漢</rb><rtc><rt>hàn</rt></rtc></ruby>", "<ruby><rb>漢</rb></ruby>"),
]


@pytest.mark.parametrize(("html", "expected"), RUBY)
def test_strip_ruby_drops_rt_and_rp(html: str, expected: str) -> None:
    assert strip_ruby(html) == expected


@pytest.mark.parametrize("html", ["<p>漢字(hàn)</p>", "<p>right (rt) text</p>", "<article>x</article>"])
def test_strip_ruby_leaves_other_html(html: str) -> None:
    assert strip_ruby(html) == html


def test_the_reading_table_is_pypinyins_without_its_phrase_dictionary():
    # a fresh interpreter: whether pypinyin's 44 MB phrase dictionary is loaded is process state
    code = (
        "import sys; from crawler.text.pinyin import readings; readings('中'); "
        "print('pypinyin.phrases_dict' in sys.modules); "
        "from pypinyin.pinyin_dict import pinyin_dict; from crawler.text.pinyin import _pinyin_dict; "
        "print(_pinyin_dict() == pinyin_dict)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "True"]
