"""GBK byte-shift mojibake: the real captures, and clean text damaged the way the mirrors do."""

import pytest

from crawler.text.mojibake import repair_mojibake
from tests.text.damage import lost_byte_damage, mirror_decode, shift_damage

REPAIRED = [
    # the seed: 變為產 read one byte off, 優 annotated, the `(` swallowed
    ("轉(zhuǎn)變?yōu)楫a(chǎn)業(yè)", "轉(zhuǎn)變為產(chǎn)業(yè)", 9),
    # a lost byte of 。; the capture kept the full-width comma, or folded it to ASCII
    ("目標(biāo)?，F(xiàn)代", "目標(biāo)。現(xiàn)代", 8),
    ("目標(biāo)?,F(xiàn)代", "目標(biāo)。現(xiàn)代", 8),
    # two unknown bytes, each checked by a pinyin
    ("抗?fàn)幍膰?yán)重", "抗爭的嚴(yán)重", 1),
]

UNREPAIRED = [
    ("請多多指教??!", 5),  # nothing says which characters those were
    ("錦屏?h圍繞", 2),  # a lost byte with no pinyin to confirm a re-alignment
    ("近年?chún)恚?錦屏", 2),  # the second `?` may have swallowed an ASCII character
    ("數據\ufffd分析", 2),  # a replacement character from decoding
]

UNTOUCHED = [
    "为什么?我们不知道",  # a question mark (folded ？) is not damage
    "你好?",
    "是吗??",  # nothing Han after it, and not two `?` after Han: see UNREPAIRED for that
    "以基地(合作社)为载体",
    "数据包络分析(DEA)",
    "維生素C(抗壞血酸)",
    "着力把党的组织优势转变为产业发展优势",
]


@pytest.mark.parametrize(("damaged", "expected", "offset"), REPAIRED)
def test_real_captures_are_repaired(damaged: str, expected: str, offset: int) -> None:
    assert repair_mojibake(damaged) == (expected, [f"mojibake-repaired:{offset}"])


@pytest.mark.parametrize(("damaged", "offset"), UNREPAIRED)
def test_uncertain_spans_are_flagged_and_kept(damaged: str, offset: int) -> None:
    assert repair_mojibake(damaged) == (damaged, [f"mojibake-unrepaired:{offset}"])


@pytest.mark.parametrize("text", [t for t in UNTOUCHED if "??" not in t])
def test_clean_text_is_untouched(text: str) -> None:
    repaired, flags = repair_mojibake(text)
    assert repaired is text
    assert flags == []


def test_damage_reproduces_the_seed_capture() -> None:
    assert shift_damage("轉變為產(chǎn)業", 2) == "轉變?yōu)楫a(chǎn)業"
    assert lost_byte_damage("目標(biāo)。現(xiàn)代", 8) == "目標(biāo)?，F(xiàn)代"
    assert mirror_decode("變".encode("gbk") + b"\x9e(") == "變?"


CLEAN = [
    "充分發揮基層黨組織引領作用，著力把黨的組織優勢轉變為產業發展優勢，奏響黨建與產業發展“和旋律”。",
    "通過設立黨員致富先鋒崗，大力選樹行業協會、合作社、基地黨員致富帶頭人先鋒100余名。",
    "引領全縣黨員幹部學先進、趕先進，真正實現“建一個黨組織，興一項好產業”的同頻共振效應。",
]


def _damaged(text: str, damage) -> list[str]:
    """Every damaged version of a text the damage function can make (one per position)."""
    versions = []
    for at in range(1, len(text) - 1):
        try:
            damaged = damage(text, at)
        except ValueError:
            continue
        if damaged != text:
            versions.append(damaged)
    return versions


@pytest.mark.parametrize("text", CLEAN)
def test_shift_damage_is_repaired_or_flagged_never_invented(text: str) -> None:
    outcomes = {"repaired": 0, "flagged": 0}
    for damaged in _damaged(text, shift_damage):
        repaired, flags = repair_mojibake(damaged)
        if repaired == text:
            outcomes["repaired"] += 1
            assert flags and all(flag.startswith("mojibake-repaired:") for flag in flags)
        else:
            assert repaired == damaged, (damaged, repaired)
            assert any(flag.startswith("mojibake-unrepaired:") for flag in flags) or not flags
            outcomes["flagged"] += 1
    assert outcomes["repaired"] >= 4, outcomes


@pytest.mark.parametrize("text", CLEAN)
def test_lost_bytes_never_become_invented_text(text: str) -> None:
    for damaged in _damaged(text, lost_byte_damage):
        repaired, _ = repair_mojibake(damaged)
        assert repaired in (text, damaged), (damaged, repaired)


@pytest.mark.parametrize(
    ("clean", "at"),
    [("轉變為產業", 2), ("充分發揮基層", 2), ("大力選樹行業協會", 4), ("真正實現“建一個", 3)],
)
def test_chosen_shift_damage_is_restored(clean: str, at: int) -> None:
    damaged = shift_damage(clean, at)
    assert damaged != clean
    assert repair_mojibake(damaged)[0] == clean
