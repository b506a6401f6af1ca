"""Source, author and editor kept apart, in every header variant of the field notes."""

from __future__ import annotations

import pytest

from crawler.text.byline import (
    Byline,
    author_from_dateline,
    is_credit_line,
    is_lone_name,
    label_of,
    parse_byline,
    split_credits,
    split_editor,
)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2021-01-04 14:54:00\xa0\xa0来源:乡村干部报网\xa0\xa0作者:龙见松", Byline("乡村干部报网", "龙见松")),
        ("2021-01-04 14:54:00 来源：乡村干部报网 作者：", Byline("乡村干部报网", None)),
        (
            "日期：2021-01-04 来源：锦屏县融媒体中心 作者：王五 字号：[小] [中] [大] 打印本页",
            Byline("锦屏县融媒体中心", "王五"),
        ),
        ("发布时间：2021-01-04 来源： 浏览量：120", Byline(None, None)),
        ("发布日期：2021-01-04 信息来源：县农业农村局", Byline("县农业农村局", None)),
        ("[ 作者：李四 文章来源：县融媒体中心 点击数： 更新时间：2021-1-4 ]", Byline("县融媒体中心", "李四")),
        ("2021年01月04日14:54 | 来源：农民日报", Byline("农民日报", None)),
        ("来源：乡村干部报　作者：张三　2026年11月27日　第01版：要闻", Byline("乡村干部报", "张三")),
        ("责任编辑：王一 李二", Byline(None, None, "王一 李二")),
    ],
)
def test_meta_lines(line, expected):
    assert parse_byline(line) == expected


def test_a_line_without_labels_gives_nothing():
    assert parse_byline("锦屏县围绕产业发展来源广泛的资金") == Byline()


@pytest.mark.parametrize(
    ("paragraphs", "rest", "editor"),
    [
        (["正文。", "责编：刘琼"], ["正文。"], "刘琼"),
        (["正文。", "[责任编辑：王一]", "同德县| 新竹县|"], ["正文。", "同德县| 新竹县|"], "王一"),
        (["正文。", "编辑:赵六"], ["正文。"], "赵六"),
    ],
)
def test_editor_line_is_taken_out_of_the_body(paragraphs, rest, editor):
    assert split_editor(paragraphs) == (rest, editor)


@pytest.mark.parametrize(
    "paragraphs",
    [
        ["县委书记强调，责编制度要落实到位。", "正文。"],
        ["责编：刘琼", "第二段。", "第三段。", "第四段。"],  # not in the tail: a body line, left alone
    ],
)
def test_body_lines_that_are_not_editor_lines_stay(paragraphs):
    assert split_editor(paragraphs) == (paragraphs, None)


@pytest.mark.parametrize(
    ("paragraph", "author"),
    [
        ("（记者 吴振华 通讯员 龙秀英）初秋时节，走进锦屏县敦寨镇的杉木林", "吴振华 龙秀英"),
        ("本报讯（记者 李新民）入汛以来，河南省兰考县组织16个乡镇", "李新民"),
        ("(记者 马超 通讯员 柳小军)日前，县里召开会议", "马超 柳小军"),
        ("本报讯(记者 王一、李二 实习生 赵三) 近日", "王一 李二 赵三"),
        ("本报南京讯（记者 陈晨）", "陈晨"),
    ],
)
def test_reporters_in_the_opening_dateline(paragraph, author):
    assert author_from_dateline(paragraph) == author


@pytest.mark.parametrize(
    "paragraph",
    [
        "以基地(合作社)为载体，进一步优化模式",  # a bracket that is not a dateline
        "会上，（记者 张三）提问",  # not at the start
        "（本报评论员）乡村振兴要久久为功",  # an editorial, no reporter
        "",
    ],
)
def test_no_dateline_no_author(paragraph):
    assert author_from_dateline(paragraph) is None


# --- issue 13: credits in all their forms, labels with damage inside -------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("记者 张三 李四", Byline(None, "张三 李四")),
        ("文/张三", Byline(None, "张三")),
        ("张三 摄", Byline(None, "张三")),
        ("作者：张三", Byline(None, "张三")),
        ("来源：县融媒体中心 作者：王五", Byline("县融媒体中心", "王五")),
        ("本报记者 张三", Byline(None, "张三")),
        ("（记者 张三 通讯员 李四）", Byline(None, "张三 李四")),
        ("记者 张三、李四、王五", Byline(None, "张三 李四 王五")),
        ("新华社记者 赵六", Byline(None, "赵六")),
        ("作者：县融媒体中心", Byline("县融媒体中心", None)),  # an organisation is a source
        ("作者：某某日报", Byline("某某日报", None)),
        ("责编/张三", Byline(None, None, "张三")),
        ("（责任编辑：李四）", Byline(None, None, "李四")),
        ("本文来源：县政府网 责任编辑：刘洋", Byline("县政府网", None, "刘洋")),
        ("编辑 王一｜排版 李二｜审核 赵三", Byline(None, None, "王一")),
        ("責(zé)編:劉瓊", Byline(None, None, "劉瓊")),  # the repair comes later; the label is read now
    ],
)
def test_credit_forms(line, expected):
    assert parse_byline(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "本文来源：县政府网 责任编辑：刘洋",
        "编辑 王一｜排版 李二｜审核 赵三",
        "审读：张三 监制：李四",
        "（记者 张三 通讯员 李四）",
        "张三 摄",
        "責(zé)編:劉瓊",
        "【责任编辑：王一】",
    ],
)
def test_credit_lines(line):
    assert is_credit_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "县委书记强调，责编制度要落实到位。",
        "记者从县农业农村局获悉，今年全县粮食总产量再创新高。",
        "来源广泛的资金支持了产业发展。",
        "编辑部的同志们深入村组，倾听群众意见建议，形成调研报告。",
        "文章指出，要把党的组织优势转变为发展优势。",
    ],
)
def test_prose_that_mentions_a_label_is_not_a_credit_line(line):
    assert not is_credit_line(line)


def test_credit_lines_leave_the_body_edges_and_prose_stays():
    body = ["（记者 张三）", "第一段正文，写的是村里的事。", "第二段正文。", "本文来源：县政府网 责编：刘洋"]
    rest, credits = split_credits(body)
    assert rest == ["第一段正文，写的是村里的事。", "第二段正文。"]
    assert credits == ["（记者 张三）", "本文来源：县政府网 责编：刘洋"]


def test_editor_in_brackets_and_after_a_slash():
    assert split_editor(["正文。", "（责任编辑：李四）"]) == (["正文。"], "李四")
    assert split_editor(["正文。", "责编/张三"]) == (["正文。"], "张三")


@pytest.mark.parametrize(
    ("paragraph", "author"),
    [
        ("……于12日在上海逝世，享年74岁。（总台记者 张倩）", "张倩"),
        ("全文完。(记者 王一 通讯员 李二)", "王一 李二"),
    ],
)
def test_reporters_closing_the_body(paragraph, author):
    assert author_from_dateline(paragraph, closing=True) == author
    assert author_from_dateline(paragraph) is None


def test_label_of_reads_damaged_labels():
    assert label_of("責(zé)編") == "责编"
    assert label_of("來(lái)源") == "来源"


@pytest.mark.parametrize(
    ("paragraph", "author"),
    [
        ("本报记者罗一鸣发自北京　近日，", "罗一鸣"),
        ("记者 张三 报道：近日，县里召开会议", "张三"),  # no brackets: a lead credit
        ("新华社记者 王五 李六 报道", "王五 李六"),
    ],
)
def test_reporters_in_a_lead_credit(paragraph, author):
    assert author_from_dateline(paragraph) == author


@pytest.mark.parametrize(("line", "author"), [("（袁一）", "袁一"), ("执笔人：甲乙 丙丁", "甲乙 丙丁")])
def test_a_name_in_brackets_and_the_pen_holder_are_authors(line, author):
    assert parse_byline(line).author == author
    assert is_credit_line(line)


@pytest.mark.parametrize("line", ["（完）", "（待续）", "（全文完）", "（本报记者）"])
def test_closing_marks_are_not_names(line):
    assert parse_byline(line).author is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("来源：某某财经 北京 举报", Byline("某某财经 北京", None)),
        ("作者：南一 分享到", Byline(None, "南一")),
        ("责任编辑：王二_NB2581", Byline(None, None, "王二")),
    ],
)
def test_page_buttons_and_staff_codes_end_a_value(line, expected):
    assert parse_byline(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2004年7月16日08:19 [ 黄一 ] 来源：[ 国际金融报 ]", Byline("国际金融报", "黄一")),
        ("发布时间 2005/03/15 22:36:13 by duscha", Byline(None, "duscha")),
        ("来源：某某经济报道", Byline("某某经济报道", None)),  # 报道 ends a reporter's name, not a source
        ('作者： size="20" 来源： size="20"', Byline()),  # markup shown as text is no value
        ("作者：赵一 出自《某某文集》", Byline(None, "赵一")),
    ],
)
def test_header_forms(line, expected):
    assert parse_byline(line) == expected


@pytest.mark.parametrize("line", ["Powered by Discuz! X3.4", "[ 打印 ]", "[ 关闭 ]"])
def test_no_writer_in_page_furniture(line):
    assert parse_byline(line).author is None


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("十三 2025-04-21 00:41:40 来源：某某网", "十三"),
        ("林一2017-03-01 14:27:02", "林一"),
        ("blogger42 2015-06-19 11:20:11 0人参与评论", "blogger42"),
    ],
)
def test_a_name_opening_a_dated_header_line_is_the_writer(line, author):
    assert parse_byline(line).author == author


@pytest.mark.parametrize(
    "line", ["北京 2024-03-01 10:00", "新华网 2024-03-01", "发布时间 2024-03-01", "某学院 于 2024-05-06 发布"]
)
def test_a_place_an_organisation_or_a_label_before_a_date_is_no_writer(line):
    assert parse_byline(line).author is None


def test_repost_note_gives_its_author_and_leaves_the_body():
    note = "本文来自微信公众号“某某榜”（ID：abc），作者：林一，某某网经授权发布。"
    assert parse_byline(note).author == "林一"
    assert split_credits(["正文第一段。", "正文第二段。", note]) == (["正文第一段。", "正文第二段。"], [note])


def test_wire_dateline_names_the_reporters():
    assert author_from_dateline("新华社深圳5月12日电（记者甲乙、丙丁）由我国自主设计") == "甲乙 丙丁"


def test_a_paper_named_before_its_reporter_is_a_credit_line():
    line = "某某报记者 甲乙 山东某县报道"
    assert is_credit_line(line)
    assert parse_byline(line).author == "甲乙"  # the place is no name


@pytest.mark.parametrize(
    ("line", "author"),
    [("WWW.EXAMPLE.COM 2005-03-31", None), ("本贴由大卫于2005年8月12日16:12:21在〖论坛〗发表.", "大卫")],
)
def test_domains_are_no_writer_and_posted_by_is_read(line, author):
    assert parse_byline(line).author == author


def test_unlabelled_writers_are_marked_as_guesses():
    assert parse_byline("十三 2025-04-21 00:41:40").guessed
    assert not parse_byline("作者：十三").guessed


@pytest.mark.parametrize(
    ("text", "name"),
    [("胡平", True), ("茉莉", True), ("附件", False), ("北京", False), ("人民网", False), ("编辑", False)],
)
def test_lone_names(text, name):
    assert is_lone_name(text) is name


@pytest.mark.parametrize("text", ["主作者", "总编辑", "本报记者"])
def test_a_role_alone_is_no_name(text):
    assert not is_lone_name(text)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2019-09-26 12:11来源：某某网作者：李一", Byline("某某网", "李一")),  # 作者 glued, with a colon
        ("采写：南都记者 甲乙 丙丁", Byline(None, "甲乙 丙丁")),  # 南都 is the paper, not a name
        ("原文：某某网", Byline()),  # a one-character label glued to a word is no label
    ],
)
def test_glued_labels(line, expected):
    assert parse_byline(line) == expected


def test_only_labels_without_values_make_no_credit_line():
    assert not is_credit_line("来源： 浏览量：120")
    assert is_credit_line("采写：南都记者 甲乙 丙丁")


def test_a_compiling_reporter_keeps_only_the_name():
    assert author_from_dateline("长江网10月4日讯（记者陈一 整合） 国庆中秋长假过半") == "陈一"


def test_a_source_before_a_papers_reporter_keeps_its_value():
    assert parse_byline("2019-11-25 11:01:53 来源: 某某报 举报  某某报记者 陆一") == Byline("某某报", "陆一")


@pytest.mark.parametrize("line", ["作者：未知", "作者：佚名", "（匿名）"])
def test_unknown_writer_is_none(line):
    assert parse_byline(line).author is None


@pytest.mark.parametrize(
    ("line", "author", "source"),
    [
        ("某某之声·2025年04月22日 19:14", None, "某某之声"),  # an account's name: the source
        ("林一 2024-03-01 10:00", "林一", None),  # a person's: the writer
        ("欧阳一二 2024-03-01", "欧阳一二", None),  # a two-character surname
        ("约翰·史密斯 2024-03-01", "约翰·史密斯", None),  # a transliterated name
        ("blogger42 2015-06-19 11:20:11", "blogger42", None),  # a Latin handle stays a writer
    ],
)
def test_an_account_named_before_the_date_is_the_source_not_the_writer(line, author, source):
    byline = parse_byline(line)
    assert (byline.author, byline.source) == (author, source)


def test_a_labelled_four_character_name_stays_the_writer():
    assert parse_byline("作者：某某之声").author == "某某之声"


@pytest.mark.parametrize(
    ("paragraph", "author"),
    [
        ("……难道不都是这样吗？”（林一 上海报道）", "林一"),
        ("……正文到此。（林一、王二 杭州报道）", "林一 王二"),
        ("……正文到此。（新华社 北京报道）", None),  # an agency, no writer
        ("……正文到此。（本报北京报道）", None),
    ],
)
def test_a_closing_report_credit_names_the_reporters(paragraph, author):
    assert author_from_dateline(paragraph, closing=True) == author


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("文丨王建国", Byline(None, "王建国")),
        ("撰文丨王建国 编辑丨李晓明", Byline(None, "王建国", "李晓明")),
        ("【作者】王建国", Byline(None, "王建国")),
        ("[作者] 王建国 [来源] 青山新闻网", Byline("青山新闻网", "王建国")),
        ("【来源】新华网", Byline("新华网", None)),
        ("【责任编辑】李晓明", Byline(None, None, "李晓明")),
    ],
)
def test_labels_in_brackets_and_after_the_vertical_stroke(line, expected):
    assert parse_byline(line) == expected
    assert is_credit_line(line)


@pytest.mark.parametrize("line", ["图】王建国", "（完）王建国丨青山", "这是作者】的话"])
def test_a_closing_bracket_after_a_label_without_its_opening_is_no_credit(line):
    assert parse_byline(line).author is None
