"""SEO junk out, article text kept: every kind with a case that goes and a look-alike that stays."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from crawler.extract.page import extract_page
from crawler.text.clean import clean_text
from crawler.text.junk import cut_tail_run, is_place_run, paragraph_kind, remove_junk

SEED = Path(__file__).parents[1] / "fixtures" / "seed" / "000_08909e7ef7bbc5dc"
EXPECTED = json.loads(SEED.with_suffix(".expected.json").read_text(encoding="utf-8"))
SEED_RUN = SEED.with_suffix(".txt").read_text(encoding="utf-8").splitlines()[-1]

PROSE = "近年来，锦屏县围绕“党建强、产业兴、群众富”的目标，充分发挥基层党组织引领作用。"
VILLAGES = (
    "2020年通过党社联建发展铜鼓村食用菌、花桥村山核桃、嫩寨村优质稻、小塘村高寒西瓜、铜坡村甲鱼套养等产业"
)

# (kind, paragraph that goes, look-alike that stays)
CASES = [
    ("place-run", SEED_RUN, PROSE),
    ("place-run", "同德县｜新竹县｜德兴市｜湖州市｜临城县", VILLAGES),
    ("place-run", "同德县 新竹县 德兴市 湖州市 临城县 襄汾县", "同德县 新竹县 德兴市 湖州市"),
    (
        "place-run",
        "墨江、锦屏、扶绥县、收藏、同心县、张掖市",
        "锦屏县、天柱县、黎平县、榕江县、从江县等5个县结对帮扶。",
    ),
    (
        "place-run",
        "胶州市,平罗县,同心县,张掖市,渝中区,丰原市",
        "胶州市,平罗县,同心县,乡村振兴,产业发展,党建引领",
    ),
    (
        "county-tail",
        "金乡新闻，新鲜有料。关注我们，了解身边事，距离金乡县再远也不是问题",
        "金乡县融媒体中心的记者介绍，今年大蒜丰收，新鲜蒜头远销海外。",
    ),
    ("share-widget", "微信公众号", "关注“锦屏发布”微信公众号即可查询办理进度。"),
    ("share-widget", "乡村干部报网 官方微博", "乡村干部报网讯 近日，锦屏县召开会议。"),
    ("share-widget", "分享到： QQ空间 新浪微博 朋友圈", "村民在朋友圈分享了丰收的喜悦。"),
    ("counter", "1", "1.6万户贫困群众镶嵌在产业链上。"),
    ("counter", "阅读：1234", "阅读量达到1234次的文章不多。"),
    ("tag-line", "标签：乡村振兴 党建 锦屏", "标签化管理让党员积分一目了然。"),
    ("related", "相关阅读", "相关阅读材料显示，全县去年新增合作社12家。"),
    ("links", "友情链接：", "这些友情链接把两个村连在了一起。"),
    ("footer", "苏ICP备12000000号-1 苏公网安备 32010202000000号", "该平台已完成ICP备案，正式上线运行。"),
    ("footer", "乡村干部报社 版权所有 未经授权禁止转载", "他说，这项专利的版权所有人是村集体。"),
    ("footer", "Copyright © 2021 乡村干部报网", "2021年，全县新建高标准农田2.3万亩。"),
    ("empty", "?", "怎么办？"),
    ("empty", "……", "好。"),
    ("empty", "", "2021年"),
]


@pytest.mark.parametrize(("kind", "junk", "_"), CASES)
def test_junk_goes(kind: str, junk: str, _: str) -> None:
    kept, removed = remove_junk([PROSE, junk, PROSE])
    assert kept == [PROSE, PROSE]
    assert removed == Counter({kind: 1})


@pytest.mark.parametrize(("_", "__", "keep"), CASES)
def test_look_alike_stays(_: str, __: str, keep: str) -> None:
    assert remove_junk([PROSE, keep, PROSE]) == ([PROSE, keep, PROSE], Counter())


@pytest.mark.parametrize(
    ("top", "kind"),
    [
        ("澳门赌场_网上赌博_六合彩_真人视讯", "keyword-line"),
        ("av在线,成人视频,免费看片/午夜福利", "keyword-line"),
        ("div-gpt-ad-1234567", "ad-slot"),
    ],
)
def test_keyword_lines_and_ad_slots_go_at_the_top(top: str, kind: str) -> None:
    assert remove_junk([top, PROSE]) == ([PROSE], Counter({kind: 1}))


def test_keyword_like_lines_below_the_first_paragraph_stay() -> None:
    middle = "中药材_油茶_果蔬_畜禽"
    assert remove_junk([PROSE, middle, PROSE]) == ([PROSE, middle, PROSE], Counter())


def test_a_short_real_paragraph_at_the_top_stays() -> None:
    assert remove_junk(["会宁县马铃薯喜获丰收", PROSE]) == (["会宁县马铃薯喜获丰收", PROSE], Counter())


def test_lone_site_name_goes_only_with_the_widget_after_it() -> None:
    widget = ["1", "乡村干部报网", "微信公众号", "乡村干部报网", "官方微博", PROSE]
    assert remove_junk(widget) == ([PROSE], Counter({"share-widget": 4, "counter": 1}))
    assert remove_junk(["乡村干部报网", PROSE]) == (["乡村干部报网", PROSE], Counter())


def test_related_block_takes_its_link_titles_but_not_the_editor_line() -> None:
    body = [
        PROSE,
        "相关阅读：",
        "贵州锦屏：林下经济鼓起群众“钱袋子”",
        "浙江安吉：白茶搭上直播“快车”",
        "责编：刘琼",
    ]
    assert remove_junk(body) == ([PROSE, "责编：刘琼"], Counter({"related": 3}))


def test_related_block_stops_at_prose() -> None:
    body = ["相关新闻", "短标题一", PROSE]
    assert remove_junk(body) == ([PROSE], Counter({"related": 2}))


def test_place_run_glued_to_a_paragraph_is_cut_off() -> None:
    glued = PROSE + SEED_RUN
    assert cut_tail_run(glued) == PROSE
    assert remove_junk([glued]) == ([PROSE], Counter({"place-run": 1}))
    assert cut_tail_run(PROSE + "甲|乙") is None


def test_run_tolerates_a_few_unknown_tokens_but_not_many() -> None:
    assert is_place_run("同德县| 新竹县| 德兴市| 收藏| 丰原市| 湖州市| 临城县|")
    assert not is_place_run("同德县| 收藏| 德兴市| 分享| 丰原市| 打印| 临城县| 关闭| 湖州市|")


def test_editor_lines_are_left_for_the_metadata_stage() -> None:
    for line in ("责编：刘琼", "[责任编辑：王一]", "编辑：李四"):
        assert paragraph_kind(line) is None


def _seed_body() -> list[str]:
    extracted = extract_page(SEED.with_suffix(".txt").read_text(encoding="utf-8"))
    return [clean_text(line, traditional=True).text for line in extracted.body]


def test_seed_body_after_junk_is_the_four_paragraphs_and_the_editor_line() -> None:
    body = _seed_body()
    assert body[-1].startswith("同德县|")  # the run is really there before the stage
    kept, removed = remove_junk(body)
    assert kept == [*EXPECTED["body"].split("\n"), "责编:" + EXPECTED["editor"]]
    assert removed == Counter({"share-widget": 4, "counter": 1, "place-run": 1})
    for snippet in ("同德县", "胶州市", "收藏", "微信公众号", "官方微博"):
        assert snippet not in "\n".join(kept)


@pytest.mark.parametrize(
    "body",
    [
        _seed_body(),
        [PROSE, *(junk for _, junk, _ in CASES)],
        [
            "澳门赌场_网上赌博_六合彩",
            "?",
            "乡村干部报网",
            "1",
            "收藏",
            PROSE + SEED_RUN,
            "相关阅读",
            "短标题",
        ],
        [keep for _, _, keep in CASES],
    ],
)
def test_remove_junk_is_idempotent(body: list[str]) -> None:
    once, _ = remove_junk(body)
    assert remove_junk(once) == (once, Counter())


def test_replica_mirror_runs_go(site) -> None:
    runs = [run for page in site.pages.values() for run in _runs_in(page.body)]
    assert len(runs) > 5, "the replica's mirror pages carry place runs"
    for run in runs:
        assert "收藏" in run
        assert remove_junk([PROSE, run]) == ([PROSE], Counter({"place-run": 1}))


def _runs_in(html: bytes) -> list[str]:
    text = html.decode("utf-8", errors="replace")
    return [chunk.split("</p>")[0] for chunk in text.split("<p>")[1:] if chunk.count("|") > 10]


@pytest.mark.parametrize(
    "tail",
    [
        "返回搜狐，查看更多",
        "关注微信公众号“某某发布”，获取更多资讯",
        "点击右上角分享给朋友",
        "本文经作者授权转载，未经授权请勿转载。",
        "未经授权请勿转载",
    ],
)
def test_platform_tails_go(tail: str) -> None:
    assert paragraph_kind(tail) in ("platform-tail", "footer")


@pytest.mark.parametrize(
    "prose",
    [
        "县里组织编辑人员整理了村史资料，来源包括老党员的口述和档案。",
        "他说，大家关注的公众号不只是信息渠道，也是乡村振兴的宣传阵地。要把意见收集起来，落实到位。" * 2,
    ],
)
def test_prose_about_editors_sources_and_accounts_stays(prose: str) -> None:
    assert paragraph_kind(prose) is None


def test_credit_lines_stay_for_the_metadata_stage_and_stop_a_related_block() -> None:
    body = ["正文第一段。", "相关阅读：", "另一篇文章标题", "本文来源：县政府网 责任编辑：刘洋"]
    kept, removed = remove_junk(body)
    assert kept == ["正文第一段。", "本文来源：县政府网 责任编辑：刘洋"]
    assert removed == Counter({"related": 2})
