"""Canonical URLs decide "same page": case, default ports, tracking, index pages, fragments."""

import pytest

from crawler.urls import canonical_url, host_of, site_of


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTP://WWW.XCGB.com.CN/a/b.html", "http://www.xcgb.com.cn/a/b.html"),
        ("http://www.xcgb.com.cn:80/a/b.html", "http://www.xcgb.com.cn/a/b.html"),
        ("https://www.xcgb.com.cn:443/a/b.html", "https://www.xcgb.com.cn/a/b.html"),
        ("http://127.0.0.1:8921/news/a.html", "http://127.0.0.1:8921/news/a.html"),
        ("http://x.cn/a/b.html#comments", "http://x.cn/a/b.html"),
        ("http://x.cn/a/b.html?utm_source=wx&utm_medium=share", "http://x.cn/a/b.html"),
        ("http://x.cn/a/b.html?from=timeline&isappinstalled=0", "http://x.cn/a/b.html"),
        ("http://x.cn/a/b.html?spm=a2c4g.11186623&id=7", "http://x.cn/a/b.html?id=7"),
        ("http://x.cn/p?b=2&a=1", "http://x.cn/p?a=1&b=2"),
        ("http://x.cn/xczx/index.html", "http://x.cn/xczx/"),
        ("http://x.cn/xczx/INDEX.HTM", "http://x.cn/xczx/"),
        ("http://x.cn/xczx/default.shtml", "http://x.cn/xczx/"),
        ("http://x.cn", "http://x.cn/"),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical
    assert canonical_url(canonical) == canonical


@pytest.mark.parametrize(
    "url",
    [
        "http://x.cn/xczx/index_1.html",  # the second list page is another page
        "http://x.cn/a/b.html?id=7",  # a query that names the page
        "http://x.cn/a/b.html?page=2",
        "http://x.cn/index.html.bak",
    ],
)
def test_what_names_a_page_is_kept(url):
    assert canonical_url(url) == url


def test_site_and_host():
    assert site_of("HTTP://X.cn:8080/a") == "x.cn:8080"
    assert site_of("http://x.cn:80/a") == "x.cn"
    assert host_of("http://X.cn:8080/a") == "x.cn"
