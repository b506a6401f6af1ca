"""The gazetteer: full and short names to divisions with codes and parents, from the package data."""

from __future__ import annotations

import pytest

from crawler.text.gazetteer import by_code, by_full_name, divisions, lookup, parents, parse_divisions


def names(found) -> list[tuple[str, str, str, str, str]]:
    return [(d.code, d.name, d.level, d.province, d.prefecture) for d in found]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("锦屏县", [("522628", "锦屏县", "county", "贵州省", "黔东南苗族侗族自治州")]),
        ("锦屏", [("522628", "锦屏县", "county", "贵州省", "黔东南苗族侗族自治州")]),
        ("墨江", [("530822", "墨江哈尼族自治县", "county", "云南省", "普洱市")]),
        ("贵州", [("520000", "贵州省", "province", "贵州省", "")]),
        ("宁夏", [("640000", "宁夏回族自治区", "province", "宁夏回族自治区", "")]),
        ("黔东南", [("522600", "黔东南苗族侗族自治州", "prefecture", "贵州省", "黔东南苗族侗族自治州")]),
        ("嘉定区", [("310114", "嘉定区", "county", "上海市", "")]),  # municipality: no prefecture
        ("仙桃市", [("429004", "仙桃市", "county", "湖北省", "")]),  # directly under the province
        ("新竹县", [("710704", "新竹县", "county", "台湾省", "")]),
        ("收藏", []),
        ("丰原市", []),  # merged into 台中市 in 2010: unknown, and callers tolerate it
    ],
)
def test_lookup(name, expected):
    assert names(lookup(name)) == expected


def test_repeated_full_names_give_every_division():
    assert {d.province for d in lookup("朝阳区")} == {"北京市", "吉林省"}
    assert len(by_full_name("城区")) >= 2


def test_autonomous_county_goes_by_short_name_and_plain_suffix_too():
    assert names(by_full_name("酉阳县")) == names(by_full_name("酉阳土家族苗族自治县"))
    assert [d.code for d in by_full_name("酉阳县")] == ["500242"]


def test_parents_are_the_chain_above():
    county = by_code("522628")
    assert county is not None
    assert [(d.code, d.level) for d in parents(county)] == [("520000", "province"), ("522600", "prefecture")]
    district = by_code("310114")
    assert district is not None
    assert [d.code for d in parents(district)] == ["310000"]


def test_every_code_is_six_digits_and_sits_under_its_province():
    records = divisions()
    assert len(records) > 3000
    for record in records:
        assert len(record.code) == 6 and record.code.isdigit(), record
        province = by_full_name(record.province)
        assert any(p.level == "province" and p.code[:2] == record.code[:2] for p in province), record


def test_parser_reads_the_tab_indented_format():
    lines = [
        "贵州省\t520000\t贵州\n",
        "\t黔东南苗族侗族自治州\t522600\t黔东南\n",
        "\t\t锦屏县\t522628\t锦屏\n",
        "\t\t\t敦寨镇\n",
        "北京市\t110000\t北京\n",
        "\t北京市\t110000\t北京\n",
        "\t\t朝阳区\t110105\t朝阳区\n",
        "台湾省\t710000\t台湾\n",
        "\t台中市\t710400\t台中\n",
        "\t\t丰原区\n",
    ]
    assert [(d.code, d.level, d.prefecture) for d in parse_divisions(lines)] == [
        ("520000", "province", ""),
        ("522600", "prefecture", "黔东南苗族侗族自治州"),
        ("522628", "county", "黔东南苗族侗族自治州"),
        ("110000", "province", ""),
        ("110105", "county", ""),
        ("710000", "province", ""),
        ("710400", "prefecture", "台中市"),
    ]
