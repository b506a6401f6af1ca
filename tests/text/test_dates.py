"""Dates in every form the field notes list, as aware China-time datetimes; none made up."""

from __future__ import annotations

from datetime import datetime

import pytest

from crawler.text.dates import CHINA, date_from_url, parse_date, parse_published


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-01-04 14:54:00  来源：乡村干部报网", datetime(2021, 1, 4, 14, 54, 0, tzinfo=CHINA)),
        ("2021年01月04日14:54 | 来源：X", datetime(2021, 1, 4, 14, 54, tzinfo=CHINA)),
        ("来源：乡村干部报　2021年1月4日　第01版", datetime(2021, 1, 4, tzinfo=CHINA)),
        ("发布时间：2021/1/4 9:05", datetime(2021, 1, 4, 9, 5, tzinfo=CHINA)),
        ("日期：2021-1-4", datetime(2021, 1, 4, tzinfo=CHINA)),
        ("2021-02-30 and then 2021-03-01", datetime(2021, 3, 1, tzinfo=CHINA)),
    ],
)
def test_dates_found(text, expected):
    assert parse_date(text) == expected
    assert parse_date(text).utcoffset().total_seconds() == 8 * 3600


@pytest.mark.parametrize(
    "text", ["来源：乡村干部报网", "电话：0855-7222222", "1.6万户贫困群众", "第2021期", ""]
)
def test_no_date_is_none_not_now(text):
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://epaper.dxscg.com.cn/pc/con/202101/04/content_1.html", datetime(2021, 1, 4, tzinfo=CHINA)),
        ("http://x.gov.cn/xwzx/202101/t20210104_6712.html", datetime(2021, 1, 4, tzinfo=CHINA)),
        ("http://x.cn/html/2021-01/04/content_1_2.htm", datetime(2021, 1, 4, tzinfo=CHINA)),
        ("http://x.cn/yw/2021-01-04/77.html", datetime(2021, 1, 4, tzinfo=CHINA)),
        ("http://x.cn/a/news/20210104/88.html", datetime(2021, 1, 4, tzinfo=CHINA)),
    ],
)
def test_dates_in_urls(url, expected):
    assert date_from_url(url) == expected


@pytest.mark.parametrize(
    "url",
    ["http://x.cn/article_show.aspx?id=20210104", "http://x.cn/n/123456/", "http://x.cn/202113/45/a.html"],
)
def test_urls_without_a_date(url):
    assert date_from_url(url) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("更新时间：2024-03-05 09:00 发布时间：2024-03-01 10:00", datetime(2024, 3, 1, 10, 0, tzinfo=CHINA)),
        ("2024年3月1日  来源：县政府网", datetime(2024, 3, 1, tzinfo=CHINA)),
        ("Copyright © 2005-2024 县政府网  2023-06-02", datetime(2023, 6, 2, tzinfo=CHINA)),
        ("二〇二四年三月十一日", datetime(2024, 3, 11, tzinfo=CHINA)),
        ("二〇二三年十二月三十一日 星期日", datetime(2023, 12, 31, tzinfo=CHINA)),
        ("发布日期：2021-01-04", datetime(2021, 1, 4, tzinfo=CHINA)),
    ],
)
def test_publication_date_over_update_and_copyright(text, expected):
    assert parse_published(text) == expected


@pytest.mark.parametrize("text", ["Copyright © 2024-01-01", "第二〇二四期", "相关新闻 2024-03-01", ""])
def test_no_publication_date_is_none(text):
    assert parse_published(text) is None


def test_an_update_time_only_when_the_page_gives_no_other_date():
    assert parse_published("2005-04-27 14:32更新 来源：某某网") == datetime(2005, 4, 27, 14, 32, tzinfo=CHINA)
    assert parse_published("更新：2024-03-05  2024-03-01") == datetime(2024, 3, 1, tzinfo=CHINA)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://x.cn/news/2024/0301/123.html", datetime(2024, 3, 1, tzinfo=CHINA)),
        ("http://x.cn/news/2024/03/01/abc.html", datetime(2024, 3, 1, tzinfo=CHINA)),
        ("http://x.cn/xw/20240301_88.shtml", datetime(2024, 3, 1, tzinfo=CHINA)),
    ],
)
def test_more_dates_in_urls(url, expected):
    assert date_from_url(url) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("发布日期： 9/17/2004 5:54:13 AM", datetime(2004, 9, 17, 5, 54, 13, tzinfo=CHINA)),
        ("发布日期： 7/5/2005 9:23:57 PM", datetime(2005, 7, 5, 21, 23, 57, tzinfo=CHINA)),  # month first
        ("25/12/2005", datetime(2005, 12, 25, tzinfo=CHINA)),  # 25 is no month: day first
    ],
)
def test_slashed_dates_with_the_year_last(text, expected):
    assert parse_published(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("发布于资讯 · 1 分钟阅读 · Apr 22, 2025", datetime(2025, 4, 22, tzinfo=CHINA)),
        ("22 April 2025", datetime(2025, 4, 22, tzinfo=CHINA)),
        ("推荐文章于 2024-05-07 发布 张三于 2024-05-06 发布", datetime(2024, 5, 6, tzinfo=CHINA)),
        ("已于 2024-05-07 22:12:13 修改  2024-05-06", datetime(2024, 5, 6, tzinfo=CHINA)),
    ],
)
def test_english_months_and_the_verb_after_the_date(text, expected):
    assert parse_published(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dec 28 Sat 2013 00:28", datetime(2013, 12, 28, 0, 28, tzinfo=CHINA)),  # the weekday between
        ("December 28, 2013 at 12:28 am", datetime(2013, 12, 28, 0, 28, tzinfo=CHINA)),
        ("Posted on Mar 3, 2024 9:05 PM", datetime(2024, 3, 3, 21, 5, tzinfo=CHINA)),
        ("Apr 22, 2025", datetime(2025, 4, 22, tzinfo=CHINA)),  # a date alone stays at midnight
    ],
)
def test_english_dates_with_a_weekday_or_a_time(text, expected):
    assert parse_published(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("发布时间：2024－03－01　来源：县农业农村局", datetime(2024, 3, 1, tzinfo=CHINA)),
        ("2024／3／1 9:30", datetime(2024, 3, 1, 9, 30, tzinfo=CHINA)),
        ("日期：2024．03．01", datetime(2024, 3, 1, tzinfo=CHINA)),
    ],
)
def test_full_width_separators_are_read(text, expected):
    assert parse_published(text) == expected


@pytest.mark.parametrize("text", ["电话：0731－1234567", "第2024－03期", "2024－13－45"])
def test_full_width_numbers_that_are_no_date_stay_none(text):
    assert parse_published(text) is None
