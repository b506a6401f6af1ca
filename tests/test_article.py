"""The chain (crawler.article): raw page -> Article or Refusal, its facts, and their stored form."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

import crawler.extract.page as page_module
from crawler.article import DEFAULTS, Article, Options, RawPage, Refusal, RefusalKind, build_article
from crawler.facts import (
    DateFromUrl,
    DateMissing,
    DecodeErrors,
    EncodingEvidence,
    EncodingLabelUnknown,
    EncodingLied,
    EncodingUsed,
    JunkRemoved,
    MojibakeLeft,
    MojibakeRepaired,
    OtherFlag,
    PinyinRemoved,
    ScriptConverted,
    fact_of,
    facts_of,
    flags_of,
    is_damaged,
    junk_removed,
)
from crawler.text.dates import CHINA
from replica.layouts import drift_news
from replica.site import build_site
from tests.article_pages import UNDATED_URL, URL, cms_html, cms_page
from tests.conftest import FIXTURES

PROSE = "近年来，锦屏县围绕“党建强、产业兴、群众富”的目标，充分发挥基层党组织引领作用。"
RUN = "同德县| 新竹县| 德兴市| 湖州市| 丰原市| 临城县| 收藏| 墨江|"
JUNK_ONLY = Options(normalize=False, metadata=False)
SEED = FIXTURES / "seed" / "000_08909e7ef7bbc5dc"


def article(page: RawPage, options: Options = DEFAULTS) -> Article:
    outcome = build_article(page, options)
    assert isinstance(outcome, Article), outcome
    return outcome


def refusal(page: RawPage, options: Options = DEFAULTS) -> Refusal:
    outcome = build_article(page, options)
    assert isinstance(outcome, Refusal), outcome
    return outcome


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "headers", "options", "kind", "message"),
    [
        (b"<p>" + b"x" * 2000 + b"</p>", {}, Options(max_bytes=1000), "too_large", "too large: 2,007 bytes"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), {}, Options(), "binary", "binary: png served as a page"),
        (
            b"<p>" + "乡村振兴".encode() * 40 + b"\xff" * 40 + b"</p>",
            {"Content-Type": "text/html; charset=utf-8"},
            Options(),
            "undecodable",
            "undecodable: 40 invalid bytes",
        ),
        (
            (
                "<html><body>" + "<div>" * 300 + "<p>正文，正文。</p>" + "</div>" * 300 + "</body></html>"
            ).encode(),
            {},
            Options(max_depth=256),
            "too_deep",
            "nested too deep",
        ),
    ],
)
def test_unusable_pages_are_refused_with_the_fault_ledgers_kinds(body, headers, options, kind, message):
    refused = refusal(RawPage(body, URL, headers), options)
    assert (refused.kind, refused.is_fault) == (RefusalKind(kind), True)
    assert refused.message.startswith(message)


def test_a_page_that_holds_no_article_is_refused_with_the_extractors_reason():
    paywalled = (
        '<html><body><div class="newsdetatit"><h3>标题</h3></div>'
        '<div class="newsdetatext"><p>请购买该报纸后再访问</p></div></body></html>'
    )
    refused = refusal(RawPage(paywalled.encode(), URL, {"Content-Type": "text/html; charset=utf-8"}))
    assert (refused.kind, refused.message, refused.is_fault) == (
        RefusalKind.NOT_ARTICLE,
        "not an article: paywall",
        False,
    )
    assert refused.detail == "other"


def test_nothing_left_after_junk_removal_is_refused_with_the_facts_so_far():
    refused = refusal(cms_page(body=[RUN, "微信公众号", "?"]), JUNK_ONLY)
    assert (refused.kind, refused.message) == (RefusalKind.NO_BODY, "no body after junk removal")
    assert JunkRemoved("place-run", 1) in refused.facts and EncodingUsed("utf-8") in refused.facts


# --- the layout check on the chain's one parse ---------------------------------------------------


def test_the_spiders_profile_is_checked_on_the_chains_parse():
    hit = article(cms_page(profile="news_cms"))
    assert (hit.layout_hit, hit.profile) == (True, "news_cms")
    drifted = cms_page(profile="founder_epaper")  # a layout the page is not in
    missed = article(drifted)
    assert (missed.layout_hit, missed.profile) == (False, "news_cms")  # detected instead
    assert article(cms_page()).layout_hit is None  # no profile: nothing to check


def test_a_drifted_replica_page_misses_and_a_recheck_of_it_keeps_the_stored_text():
    site = build_site(40, datetime(2026, 11, 27).date())
    drifted = build_site(40, datetime(2026, 11, 27).date())
    drift_news(drifted)
    entry = drifted.articles("news")[3]

    def page(of, **context) -> RawPage:
        served = of.pages[(entry.host, entry.path)]
        return RawPage(
            served.body, URL, {"Content-Type": served.content_type or ""}, profile="news_cms", **context
        )

    assert article(page(site)).layout_hit is True
    missed = article(page(drifted))
    assert missed.layout_hit is False and missed.profile != "news_cms"
    kept = refusal(page(drifted, recheck=True))
    assert (kept.kind, kept.layout_hit) == (RefusalKind.LAYOUT_CHANGED, False)
    assert article(page(site, recheck=True)).layout_hit is True  # a recheck that still fits is cleaned


# --- the steps ------------------------------------------------------------------------------------


def test_decoding_evidence_is_recorded():
    page = RawPage("<p>乡村振兴</p>".encode("gbk"), URL, {"Content-Type": "text/html; charset=gbk"})
    facts = article(RawPage(cms_html("标题", ["正文。"]).encode("gbk"), URL, page.headers)).facts
    assert facts[:2] == (EncodingUsed("gb18030"), EncodingEvidence("http-header"))


def test_normalize_repairs_and_records_each_field():
    page = cms_page(
        "鄉(xiang)村幹部",
        ["近年來(lai)，錦屏?h圍繞產業?l展。", "請多多指教??!"],
        ["2026-11-01 08:00:00  來(lai)源:鄉村幹部報  作者:胡曉東(dong)  陸(lu) 敏"],
    )
    cleaned = article(page)
    assert cleaned.title == "乡村干部"
    assert cleaned.body == ["近年来，锦屏县围绕产业发展。", "请多多指教??!"]
    assert cleaned.meta_lines == ["2026-11-01 08:00:00  来源:乡村干部报  作者:胡晓东 陆敏"]
    assert (cleaned.source, cleaned.author) == ("乡村干部报", "胡晓东 陆敏")  # the real space survived
    assert [f for f in cleaned.facts if isinstance(f, (MojibakeRepaired, MojibakeLeft))] == [
        MojibakeRepaired("body[0]", 11),
        MojibakeRepaired("body[0]", 17),
        MojibakeLeft("body[1]", 5, "ascii-lost"),
    ]
    assert PinyinRemoved("title", 1) in cleaned.facts and ScriptConverted("body[0]") in cleaned.facts
    assert cleaned.damaged


def test_a_simplified_page_comes_out_unchanged_with_no_text_facts():
    body = ["以基地(合作社)为载体，着力提升党支部战斗堡垒作用。", "数据包络分析(DEA)显示效率提升。"]
    cleaned = article(cms_page("贵州锦屏：“党建链”串联“产业链”", body, ["2021-01-04 来源：乡村干部报网"]))
    assert (cleaned.title, cleaned.body) == ("贵州锦屏：“党建链”串联“产业链”", body)
    assert cleaned.facts == (EncodingUsed("utf-8"), EncodingEvidence("http-header"))
    assert not cleaned.damaged


def test_runs_of_spaces_fold_in_title_and_body_but_not_in_meta_lines():
    meta = ["2021-01-04 来源：县融媒体中心   作者：王五"]
    cleaned = article(cms_page("县里  的新闻", ["第一段   正文"], meta))
    assert (cleaned.title, cleaned.body, cleaned.meta_lines) == ("县里 的新闻", ["第一段 正文"], meta)


def test_junk_is_removed_and_counted_by_kind_prose_and_credits_stay():
    cleaned = article(cms_page(body=["1", "微信公众号", PROSE, "?", "责编：刘琼", RUN]), JUNK_ONLY)
    assert cleaned.body == [PROSE, "责编：刘琼"]
    assert [f for f in cleaned.facts if isinstance(f, JunkRemoved)] == [
        JunkRemoved("counter", 1),
        JunkRemoved("empty", 1),
        JunkRemoved("place-run", 1),
        JunkRemoved("share-widget", 1),
    ]
    clean_body = [PROSE, "1.6万户贫困群众镶嵌在产业链上。"]
    untouched = article(cms_page(body=clean_body), JUNK_ONLY)
    assert untouched.body == clean_body and not any(isinstance(f, JunkRemoved) for f in untouched.facts)


def test_metadata_from_the_meta_line_editor_line_out_of_the_body():
    cleaned = article(
        cms_page(
            meta_lines=["2021-01-04 14:54:00  来源：乡村干部报网  作者：龙见松"],
            body=["第一段。", "第二段。", "责编：刘琼"],
        )
    )
    assert cleaned.published_at == datetime(2021, 1, 4, 14, 54, tzinfo=CHINA)
    assert (cleaned.source, cleaned.author, cleaned.editor) == ("乡村干部报网", "龙见松", "刘琼")
    assert cleaned.body == ["第一段。", "第二段。"]
    assert not {DateFromUrl(), DateMissing()} & set(cleaned.facts)


def test_editor_lines_apart_from_the_body_win():
    assert article(cms_page(editor_lines=["[责任编辑：王一]"])).editor == "王一"


def test_date_falls_back_to_the_url_and_says_so_a_missing_one_is_none_never_now():
    from_url = article(cms_page(meta_lines=["来源：县融媒体中心"]))
    assert from_url.published_at == datetime(2021, 1, 4, tzinfo=CHINA) and DateFromUrl() in from_url.facts
    missing = article(cms_page(url=UNDATED_URL))
    assert missing.published_at is None and DateMissing() in missing.facts


def test_the_source_is_never_the_author_a_dateline_is():
    assert (article(cms_page(meta_lines=["来源：新华社"], body=["新华社北京电 正文。"])).author) is None
    dated = article(
        cms_page(meta_lines=["2021-01-04 来源：乡村干部报"], body=["（记者 马超 通讯员 柳小军）日前，……"])
    )
    assert (dated.source, dated.author) == ("乡村干部报", "马超 柳小军")


def test_regions_come_from_the_title_and_the_body():
    cleaned = article(
        cms_page("贵州锦屏：林下经济鼓起钱袋子", ["锦屏县敦寨镇的杉木林里，林下种植长势喜人。"])
    )
    assert [r["code"] for r in cleaned.regions] == ["520000", "522600", "522628"]
    assert article(cms_page("村干部学电商", ["培训涵盖短视频拍摄。"])).regions == []


def test_switched_off_steps_leave_their_fields_alone():
    page = cms_page("鄉村幹部", ["近年來，錦屏縣圍繞目標。", RUN], ["2021-01-04 来源：乡村干部报"])
    raw = article(page, Options(normalize=False, junk=False, metadata=False))
    assert (raw.title, raw.body[-1], raw.published_at, raw.source) == ("鄉村幹部", RUN, None, None)
    assert raw.facts == (EncodingUsed("utf-8"), EncodingEvidence("http-header"))


def test_the_seed_text_capture_gives_its_six_expected_fields():
    expected = json.loads(SEED.with_suffix(".expected.json").read_text("utf-8"))
    cleaned = article(RawPage(SEED.with_suffix(".txt").read_bytes(), "", {}))
    assert (cleaned.profile, cleaned.title, cleaned.source, cleaned.author, cleaned.editor) == (
        "text", expected["title"], expected["source"], expected["author"], expected["editor"],
    )  # fmt: skip
    assert cleaned.published_at.isoformat() == expected["published_at"]
    assert "\n".join(cleaned.body) == expected["body"]


# --- facts in their stored form -------------------------------------------------------------------

STORED = [  # every kind of flag as archives hold it (before the chain was one module)
    ("encoding:gb18030", EncodingUsed("gb18030")),
    ("encoding-from:http-header", EncodingEvidence("http-header")),
    ("encoding-from:detected", EncodingEvidence("detected")),
    ("decode-errors:3", DecodeErrors(3)),
    ("encoding-label-unknown:x-bogus", EncodingLabelUnknown("x-bogus")),
    ("encoding-header-lied:gb2312", EncodingLied("header", "gb2312")),
    ("encoding-meta-lied:utf-8", EncodingLied("meta", "utf-8")),
    ("title:mojibake-repaired:4", MojibakeRepaired("title", 4)),
    ("body[12]:mojibake-unrepaired:5:ascii-lost", MojibakeLeft("body[12]", 5, "ascii-lost")),
    ("body[0]:mojibake-unrepaired:5", MojibakeLeft("body[0]", 5, None)),
    ("meta_lines[0]:pinyin-removed:3", PinyinRemoved("meta_lines[0]", 3)),
    ("editor_lines[1]:script:t2s", ScriptConverted("editor_lines[1]")),
    ("subtitle:script:t2s", ScriptConverted("subtitle")),
    ("junk:place-run:2", JunkRemoved("place-run", 2)),
    ("date-from-url", DateFromUrl()),
    ("date-missing", DateMissing()),
]


@pytest.mark.parametrize(("flag", "fact"), STORED, ids=[flag for flag, _ in STORED])
def test_each_stored_flag_reads_as_its_fact_and_writes_back_the_same(flag, fact):
    assert fact_of(flag) == fact
    assert flags_of([fact]) == [flag]


@pytest.mark.parametrize(
    "flag",
    ["decode-errors:03", "junk:place-run", "body:script:t2s", "title:script:s2t", "something-new:1", ""],
)
def test_flags_this_version_does_not_know_are_kept_as_they_are(flag):
    assert fact_of(flag) == OtherFlag(flag)
    assert flags_of(facts_of([flag])) == [flag]


def test_the_chains_flags_are_todays_strings():
    page = cms_page(
        "鄉(xiang)村幹部",
        ["近年來(lai)，錦屏?h圍繞產業?l展。", "請多多指教??!", "微信公众号"],
        url=UNDATED_URL,
    )
    cleaned = article(page)
    assert cleaned.flags == [
        "encoding:utf-8",
        "encoding-from:http-header",
        "title:pinyin-removed:1",
        "title:script:t2s",
        "body[0]:mojibake-repaired:11",
        "body[0]:mojibake-repaired:17",
        "body[0]:pinyin-removed:1",
        "body[0]:script:t2s",
        "body[1]:mojibake-unrepaired:5:ascii-lost",
        "body[1]:script:t2s",
        "junk:share-widget:1",
        "date-missing",
    ]
    assert facts_of(cleaned.flags) == list(cleaned.facts)


def test_damage_is_script_conversion_or_inline_pinyin_only():
    assert is_damaged([ScriptConverted("body[0]")]) and is_damaged(facts_of(["title:pinyin-removed:2"]))
    assert not is_damaged(facts_of(["body[0]:mojibake-repaired:3", "junk:empty:1", "date-missing"]))


def test_the_layout_check_and_the_extraction_share_one_parse(monkeypatch):
    parses = []

    class CountingSelector(page_module.Selector):
        def __init__(self, *args, **kwargs):
            if kwargs.get("text") is not None:  # a page parsed (not a node of a parsed page)
                parses.append(kwargs["text"][:20])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(page_module, "Selector", CountingSelector)
    assert article(cms_page(profile="news_cms")).layout_hit is True
    assert article(cms_page(profile="founder_epaper")).layout_hit is False
    assert len(parses) == 2  # one parse per page, hit or miss


def test_junk_counts_are_read_from_stored_flags_and_nothing_else():
    stored = [
        "encoding:utf-8",
        "body[0]:script:t2s",
        "junk:place-run:2",
        "junk:empty:1",
        "junk:odd",
        "date-missing",
    ]
    assert junk_removed(stored) == [JunkRemoved("place-run", 2), JunkRemoved("empty", 1)]
    assert junk_removed(["body[1]:mojibake-repaired:3"]) == []
