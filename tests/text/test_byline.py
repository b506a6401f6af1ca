"""Source, author and editor kept apart, in every header variant of the field notes."""

from __future__ import annotations

import pytest

from crawler.text.byline import Byline, parse_byline, split_editor


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
