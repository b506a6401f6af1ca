"""GBK byte-shift mojibake: the real captures, and clean text damaged the way the mirrors do."""

import random
from pathlib import Path

import pytest

from crawler.text import mojibake
from crawler.text.mojibake import repair_mojibake
from crawler.text.pinyin import readings
from crawler.text.words import reading_score
from replica.model import load_pool
from replica.mojibake import damage_once, lost_byte_damage, mirror_decode, shift_damage

FIXTURE_PAGES = Path(__file__).parents[1] / "fixtures" / "pages"

REPAIRED = [
    # the seed: 變為產 read one byte off, 優 annotated, the `(` swallowed
    ("轉(zhuǎn)變?yōu)楫a(chǎn)業(yè)", "轉(zhuǎn)變為產(chǎn)業(yè)", 9),
    # a lost byte of 。; the capture kept the full-width comma, or folded it to ASCII
    ("目標(biāo)?，F(xiàn)代", "目標(biāo)。現(xiàn)代", 8),
    ("目標(biāo)?,F(xiàn)代", "目標(biāo)。現(xiàn)代", 8),
    # two unknown bytes, each checked by a pinyin
    ("抗?fàn)幍膰?yán)重", "抗爭的嚴(yán)重", 1),
    # a lost lead byte and no pinyin: the words decide (issue 14's held-out misses)
    ("突?l", "突發", 1),
    ("產業?l展", "產業發展", 2),
    ("?D片", "圖片", 0),
    ("學?g界", "學術界", 1),
    ("錦屏?h圍繞", "錦屏縣圍繞", 2),
    # the run ends at a pinyin whose `(` was swallowed: 來 is read lái
    ("近年?chún)恚?錦屏", "近年來，錦屏", 2),
    # a span right after a toneless pinyin
    ("服務(wu) ?W(wang) 站的負責", "服務(wu) 網(wang) 站的負責", 7),
    # both bytes of 略 and of 濟 unknown: the pinyin checks the lead byte, the words choose
    ("鄉村振興戰?xián)?", "鄉村振興戰略", 5),
    ("發展壯大村集體經?yìn)?", "發展壯大村集體經濟", 8),
    # a text ends with a full stop, not with 》 or 、 (子。 and 子》 read about as well as words)
    ("村共同的好日?印?", "村共同的好日子。", 6),
    # the mirrors' converter writes 為, never the variant 爲 (same reading, same words)
    ("評(píng)??wèi)五星的合作社", "評(píng)為(wèi)五星的合作社", 7),
    # an annotated character is one the conversion changed: 滯 (滞), not 之 (之後 is the commoner word)
    ("村莊環境相對??zhì)後(hòu)", "村莊環境相對滯(zhì)後(hòu)", 6),
    # both bytes of 偏 unknown, its lead narrowed by the annotator's rào: every character it can be
    # is scored, not only the common ones (片 was the one common character left)
    ("收入處於中等?rào)?上水平", "收入處於中等偏上水平", 6),
]

UNREPAIRED = [
    ("請多多指教??!", "5:ascii-lost"),  # the second `?` swallowed an ASCII byte (or is a `?`)
    ("數據\ufffd分析", "2:unread"),  # a replacement character from decoding
    ("發?沽?021年", "1:ascii-lost"),  # 發展了2021年: the second `?` swallowed the 2
    ("?杂衅祁}(tí)人", "0:unsure"),  # 自有破題: 自 and 雜 fit the context about as well
    # 正讓: the commonest reading, a comma, would stand beside the comma before it
    ("模式，??讓(ràng)越來越多", "3:unsure"),
    ("大家知道吗?Tom说不知道", "5:unsure"),  # a question mark before Latin: flagged, never changed
    # the `?` before 權 may have swallowed a lone ASCII character (角色/權限): 角膜 is no answer
    ("系統的角?qiǎo)?權限設置", "4:unsure"),
    ("他是一個偵?shāng)?不是警察", "5:unsure"),  # 偵探 and a space: 一包 reads well too
]

UNTOUCHED = [
    "为什么?我们不知道",  # a question mark (folded ？) is not damage
    "你好?",
    "什么?A股",
    "以基地(合作社)为载体",
    "数据包络分析(DEA)",
    "維生素C(抗壞血酸)",
    "着力把党的组织优势转变为产业发展优势",
    # question marks beside numbers, Latin, names, rare characters and marks
    "截至2021?年底",
    "价格是5?元",
    "通过ISO9001?认证",
    "李?龘先生",
    "龘靐齉?爩",
    "他问：“为什么?”",
    "《人民日报》?记者",
]


@pytest.mark.parametrize(("damaged", "expected", "offset"), REPAIRED)
def test_real_captures_are_repaired(damaged: str, expected: str, offset: int) -> None:
    assert repair_mojibake(damaged) == (expected, [f"mojibake-repaired:{offset}"])


@pytest.mark.parametrize(("damaged", "where"), UNREPAIRED)
def test_uncertain_spans_are_flagged_with_the_reason_and_kept(damaged: str, where: str) -> None:
    assert repair_mojibake(damaged) == (damaged, [f"mojibake-unrepaired:{where}"])


@pytest.mark.parametrize("text", UNTOUCHED)
def test_clean_text_is_untouched(text: str) -> None:
    assert repair_mojibake(text)[0] == text


def test_text_without_a_question_mark_takes_the_fast_path() -> None:
    text = "着力把党的组织优势转变为产业发展优势"
    repaired, flags = repair_mojibake(text)
    assert repaired is text
    assert flags == []


def test_words_score_above_non_words() -> None:
    assert reading_score("突發") > reading_score("突齺")
    assert reading_score("发展") == reading_score("發展")


def test_the_simulator_reproduces_the_real_captures() -> None:
    assert shift_damage("轉變為產(chǎn)業", 2) == "轉變?yōu)楫a(chǎn)業"
    assert shift_damage("抗爭的嚴(yán)重", 1) == "抗?fàn)幍膰?yán)重"
    assert lost_byte_damage("目標(biāo)。現(xiàn)代", 8) == "目標(biāo)?，F(xiàn)代"
    assert lost_byte_damage("自有破題(tí)人", 0) == "?杂衅祁}(tí)人"
    assert lost_byte_damage("突發", 1) == "突?l"
    assert lost_byte_damage("圖片", 0) == "?D片"
    assert lost_byte_damage("學術界", 1) == "學?g界"
    assert lost_byte_damage("機制研究綜(zong) 述", 1) == "機?蒲芯烤C(zong) 述"
    assert shift_damage("系統的角色/權限設置", 4) == "系統的角?qiǎo)?權限設置"  # the / swallowed
    assert mirror_decode("變".encode("gbk") + b"\x9e(") == "變?"


def _replica_paragraphs() -> list[str]:
    return [p for story in load_pool() for p in [story.title, *story.paragraphs]]


def test_simulated_damage_is_mostly_restored_and_rarely_invented() -> None:
    rng = random.Random(2026)
    outcomes = {"exact": 0, "left": 0, "wrong": 0}
    for paragraph in _replica_paragraphs()[:120]:
        damaged = damage_once(paragraph, rng)
        if damaged is None:
            continue
        repaired, flags = repair_mojibake(damaged.damaged)
        if repaired == damaged.mirror:
            outcomes["exact"] += 1
            assert any(flag.startswith("mojibake-repaired:") for flag in flags)
        elif repaired == damaged.damaged:
            outcomes["left"] += 1
        else:
            outcomes["wrong"] += 1
    spans = sum(outcomes.values())
    assert spans >= 100
    assert outcomes["exact"] >= 0.68 * spans, outcomes
    assert outcomes["wrong"] <= 0.02 * spans, outcomes


def test_the_replica_texts_and_their_mirror_versions_are_unchanged() -> None:
    rng = random.Random(14)
    for paragraph in _replica_paragraphs():
        assert repair_mojibake(paragraph)[0] == paragraph
        mirror = damage_once(paragraph, rng)
        if mirror is not None:
            assert repair_mojibake(mirror.mirror)[0] == mirror.mirror


def test_the_clean_test_pages_are_unchanged() -> None:
    pages = sorted(FIXTURE_PAGES.rglob("*.html"))
    assert pages
    for page in pages:
        for line in page.read_text(encoding="utf-8", errors="replace").splitlines():
            assert repair_mojibake(line)[0] == line, (page.name, line)


@pytest.mark.parametrize("syllable", ["zhì", "zhi", "lüè", "lve", "tí", "ti", "a", "qqq"])
def test_the_characters_read_a_syllable_are_every_gbk_character_with_that_reading_in_gbk_order(syllable):
    scanned = tuple(e for e in mojibake._double_byte_chars() if syllable in readings(e[2]))
    assert mojibake._chars_read(syllable) == scanned
    assert (syllable == "qqq") == (not scanned)  # a syllable no character has finds none
