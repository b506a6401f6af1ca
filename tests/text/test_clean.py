"""The normalize chain on the seed page and on the cases each stage must leave alone."""

import json
from pathlib import Path

import pytest

from crawler.text.clean import clean_text, page_is_traditional

SEED = Path(__file__).parents[1] / "fixtures" / "seed" / "000_08909e7ef7bbc5dc"
SEED_LINES = SEED.with_suffix(".txt").read_text(encoding="utf-8").splitlines()
EXPECTED = json.loads(SEED.with_suffix(".expected.json").read_text(encoding="utf-8"))
BODY_LINES = [line for line in SEED_LINES if line.startswith("  ") and line.strip()]


def test_seed_has_four_body_paragraphs() -> None:
    assert len(BODY_LINES) == 4


@pytest.mark.parametrize("index", range(4))
def test_seed_body_paragraphs_come_out_as_expected(index: int) -> None:
    assert clean_text(BODY_LINES[index]).text == EXPECTED["body"].split("\n")[index]


def test_seed_body_flags_name_each_repair() -> None:
    flags = clean_text(BODY_LINES[0]).flags
    assert "mojibake-repaired:106" in flags
    assert "script:t2s" in flags
    assert any(flag.startswith("pinyin-removed:") for flag in flags)


def test_seed_title() -> None:
    assert clean_text(SEED_LINES[0]).text == EXPECTED["title"]


def test_seed_meta_and_editor_lines() -> None:
    meta = clean_text(SEED_LINES[1]).text
    assert "来源:乡村干部报网" in meta
    assert "作者:龙见松" in meta
    assert clean_text("責(zé)編:劉瓊").text == "责编:" + EXPECTED["editor"]


def test_seed_page_is_traditional() -> None:
    assert page_is_traditional(SEED_LINES)
    assert not page_is_traditional(EXPECTED["body"].split("\n"))


@pytest.mark.parametrize(
    "text",
    [
        *EXPECTED["body"].split("\n"),
        EXPECTED["title"],
        "以基地(合作社)为载体,数据包络分析(DEA)方法(1a)",
        "为什么?我们不知道",
        "吉林省乾安县委书记",
    ],
)
def test_simplified_text_comes_out_identical(text: str) -> None:
    assert clean_text(text) == clean_text(text)  # deterministic
    cleaned = clean_text(text)
    assert cleaned.text == text
    assert cleaned.flags == []


@pytest.mark.parametrize(
    "text",
    [
        *BODY_LINES,
        *SEED_LINES[:2],
        "目標(biāo)?,F(xiàn)代",
        "抗?fàn)幍膰?yán)重",
        "請多多指教??!",
        "習(xi) 近平",
    ],
)
def test_clean_text_is_idempotent(text: str) -> None:
    once = clean_text(text).text
    assert clean_text(once).text == once


def test_captures_from_the_field_notes() -> None:
    assert clean_text("目標(biāo)?,F(xiàn)代").text == "目标。现代"
    assert clean_text("抗?fàn)幍膰?yán)重").text == "抗争的严重"
    cleaned = clean_text("請多多指教??!")
    assert cleaned.text == "请多多指教??!"
    assert "mojibake-unrepaired:5:ascii-lost" in cleaned.flags


def test_whitespace_is_stripped_not_reflowed() -> None:
    assert clean_text("  習(xi) 近平  說 \n").text == "习近平  说"


def test_page_decision_overrides_detection() -> None:
    # a Simplified place-name line on a Traditional page goes through the same conversion
    assert clean_text("乾安县| 同德县", traditional=True).text == "乾安县| 同德县"
    # a caller that knows the page is Simplified keeps a stray Traditional word
    assert clean_text("台北的臺灣大學", traditional=False).text == "台北的臺灣大學"
    assert clean_text("台北的臺灣大學").text == "台北的台湾大学"
