"""`scrapy extract` on saved pages, a missing file, and a page that is not an article."""

from __future__ import annotations

import json

import pytest

from replica.site import MAIN
from tests.conftest import FIXTURES, run_scrapy

pytestmark = pytest.mark.slow
SEED = FIXTURES / "seed" / "000_08909e7ef7bbc5dc.txt"


def lines(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_saved_news_page_prints_its_article(site, tmp_path):
    entry = next(e for e in site.articles("news") if "gbk labelled gb2312" in e.charset)
    saved = tmp_path / "page.html"
    saved.write_bytes(site.pages[(MAIN, entry.path)].body)  # saved without its HTTP header
    url = "http://www.dxscg.com.cn" + entry.path
    [out] = lines(run_scrapy("extract", str(saved), "--url", url))
    assert out["input"] == str(saved)
    assert (out["url"], out["site"], out["profile"]) == (url, "www.dxscg.com.cn", "news_cms")
    assert (out["title"], out["source"], out["author"] or "", out["editor"]) == (
        entry.title, entry.source, entry.author, entry.editor)  # fmt: skip
    assert out["published_at"] == entry.published_at
    assert out["body"] == "\n".join(entry.body)
    assert out["encoding"] == "gb18030"
    assert isinstance(out["flags"], list) and out["flags"]


def test_missing_file_is_an_error_and_the_other_inputs_still_print(site, tmp_path):
    entry = site.articles("epaper")[0]
    saved = tmp_path / "epaper.html"
    saved.write_bytes(site.pages[(MAIN, entry.path)].body)
    result = run_scrapy("extract", str(tmp_path / "missing.html"), str(saved), check=False)
    first, second = lines(result)
    assert result.returncode == 1
    assert first == {
        "input": str(tmp_path / "missing.html"),
        "error": f"no such file: {tmp_path / 'missing.html'}",
    }
    assert second["title"] == entry.title and second["body"] == "\n".join(entry.body)


def test_page_that_is_not_an_article_says_why(site, tmp_path):
    [paywalled] = [e for e in site.manifest if e.paywalled]
    saved = tmp_path / "paywall.html"
    saved.write_bytes(site.pages[(MAIN, paywalled.path)].body)
    result = run_scrapy("extract", str(saved), check=False)
    assert result.returncode == 1
    assert lines(result) == [{"input": str(saved), "error": "not an article: paywall"}]


def test_seed_capture_is_cleaned(tmp_path):
    [out] = lines(run_scrapy("extract", str(SEED)))
    expected = json.loads(SEED.with_name("000_08909e7ef7bbc5dc.expected.json").read_text("utf-8"))
    assert out["title"] == expected["title"]
    assert out["published_at"] == expected["published_at"]
    assert (out["source"], out["author"]) == (expected["source"], expected["author"])
    for snippet in expected["must_contain"]:
        assert snippet in out["body"]
    assert out["profile"] == "text"
