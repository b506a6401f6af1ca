"""Regions an article is about: title prefix first, then the most-mentioned county in the body."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from crawler.text.regions import find_mentions, find_regions, title_division

ROOT = Path(__file__).parents[2]
SEED = ROOT / "tests" / "fixtures" / "seed" / "000_08909e7ef7bbc5dc.expected.json"
EXPECTED = json.loads(SEED.read_text(encoding="utf-8"))
ARTICLES = {a["slug"]: a for a in json.loads((ROOT / "replica/content/articles.json").read_text("utf-8"))}
SEED_RUN = (ROOT / "tests/fixtures/seed/000_08909e7ef7bbc5dc.txt").read_text("utf-8").splitlines()[-1]

JINPING = [
    {"code": "520000", "name": "贵州省", "level": "province", "province": "贵州省", "prefecture": ""},
    {
        "code": "522600",
        "name": "黔东南苗族侗族自治州",
        "level": "prefecture",
        "province": "贵州省",
        "prefecture": "黔东南苗族侗族自治州",
    },
    {
        "code": "522628",
        "name": "锦屏县",
        "level": "county",
        "province": "贵州省",
        "prefecture": "黔东南苗族侗族自治州",
    },
]


def codes(regions: list[dict]) -> list[str]:
    return [region["code"] for region in regions]


def test_seed_from_its_title() -> None:
    assert find_regions(EXPECTED["title"], EXPECTED["body"].split("\n")) == JINPING


def test_seed_from_its_body_alone() -> None:
    assert find_regions("", EXPECTED["body"].split("\n")) == JINPING


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("xiji-dangjian-laowu", ["640000", "640400", "640422"]),  # 宁夏西吉：
        ("lishu-baohuxing-gengzuo", ["220000", "220300", "220322"]),  # 吉林梨树：
        ("shuyang-huamu-dianshang", ["320000", "321300", "321322"]),  # 江苏沭阳：
        ("yuanyang-titian-dangyuan", ["530000", "532500", "532528"]),  # 云南元阳：
        ("cangxi-hongxin-mihoutao", ["510000", "510800", "510824"]),  # 四川苍溪：
        ("youyu-cunji-caiwu-gongkai", ["140000", "140600", "140623"]),  # 山西右玉：
    ],
)
def test_replica_titles_with_a_place_prefix(slug: str, expected: list[str]) -> None:
    article = ARTICLES[slug]
    assert article["title"].index("：") <= 4
    assert codes(find_regions(article["title"], article["paragraphs"])) == expected


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("lankao-xunqian-paicha", ["410000", "410200", "410225"]),  # 河南省兰考县
        ("huining-malingshu-fengshou", ["620000", "620400", "620422"]),  # 甘肃省会宁县, once
        ("youyang-cunganbu-xue-dianshang", ["500000", "500242"]),  # 酉阳县 = 酉阳土家族苗族自治县
        ("xiji-dangjian-laowu", ["640000", "640400", "640422"]),
    ],
)
def test_replica_bodies_without_the_title(slug: str, expected: list[str]) -> None:
    assert codes(find_regions("", ARTICLES[slug]["paragraphs"])) == expected


def test_article_about_several_places_gives_nothing() -> None:
    article = ARTICLES["shuzi-funeng-xiangcun-zhili"]  # 德清县, 郫都区 and 荣成市, once each
    assert "德清县" in "".join(article["paragraphs"])
    assert find_regions(article["title"], article["paragraphs"]) == []


def test_title_prefix_wins_over_the_body() -> None:
    body = ["天柱县召开大会。天柱县的干部说，天柱县和锦屏县相邻。"]
    assert codes(find_regions("贵州锦屏：两县携手", body)) == ["520000", "522600", "522628"]
    assert codes(find_regions("两县携手", body)) == ["520000", "522600", "522627"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (["北京市朝阳区近日启动垃圾分类。朝阳区居民踊跃参与。"], ["110000", "110105"]),
        (["吉林省长春市朝阳区近日启动垃圾分类。朝阳区居民踊跃参与。"], ["220000", "220100", "220104"]),
        (["朝阳区近日启动垃圾分类。朝阳区居民踊跃参与。"], []),  # two 朝阳区, no province: unsure
    ],
)
def test_ambiguous_names_resolved_by_the_province(body: list[str], expected: list[str]) -> None:
    assert codes(find_regions("", body)) == expected


def test_ambiguous_short_name_in_the_title_resolved_by_the_body() -> None:
    body = ["吉林省长春市的社区里，居民踊跃参与。"]
    assert title_division("朝阳：垃圾分类进社区", None) is None
    division = title_division("朝阳：垃圾分类进社区", Counter({"吉林省": 1}))
    assert division is not None and division.code == "220104"
    assert codes(find_regions("朝阳：垃圾分类进社区", body)) == ["220000", "220100", "220104"]


def test_names_only_in_a_junk_run_are_ignored() -> None:
    body = ["村里召开会议，研究产业发展。", SEED_RUN, SEED_RUN]
    assert find_regions("", body) == []


def test_two_character_names_need_a_boundary_or_their_parent() -> None:
    assert [m[2][0].name for m in find_mentions("湖南县域经济发展迅速")] == []
    assert [m[2][0].code for m in find_mentions("益阳市南县的稻虾")] == ["430900", "430921"]


def test_non_place_title_prefix_is_not_a_region() -> None:
    assert title_division("专家：乡村振兴要靠人才", None) is None
    assert find_regions("专家：乡村振兴要靠人才", ["人才是第一资源。"]) == []


def test_province_prefix_is_narrowed_by_the_body() -> None:
    body = ["西吉县是劳务输出大县。西吉县的务工人员奔赴福建。同心县也有不少人外出。"]
    assert codes(find_regions("宁夏：劳务品牌走出去", body)) == ["640000", "640400", "640422"]
    assert codes(find_regions("宁夏：劳务品牌走出去", ["务工人员奔赴福建、浙江。"])) == ["640000"]
    # A county outside the prefix's province does not count.
    assert codes(find_regions("宁夏：劳务品牌走出去", ["锦屏县的干部来访。锦屏县"])) == ["640000"]
