"""`scrapy extract` on saved pages, a missing file, and a page that is not an article."""

from __future__ import annotations

import asyncio
import json
import os

import pytest

from replica.model import MAIN
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


def test_inputs_that_are_not_regular_files_are_refused_each_in_its_line(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # reading it would hang the command
    big = tmp_path / "big.html"
    big.write_bytes(SEED.read_bytes())
    result = run_scrapy(
        "extract", str(fifo), str(tmp_path), "/dev/zero", str(big), str(SEED),
        "-s", f"HARVEST_EXTRACT_MAX_BYTES={SEED.stat().st_size - 1}", check=False,
    )  # fmt: skip
    out = lines(result)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert [o["input"] for o in out] == [str(fifo), str(tmp_path), "/dev/zero", str(big), str(SEED)]
    assert all(o["error"].startswith("not a regular file:") for o in out[:3])
    assert out[2]["error"].startswith("not a regular file: /dev/zero")
    assert out[3]["error"].startswith(f"too large: {big}") and out[4]["error"].startswith("too large:")


def test_the_same_file_twice_is_answered_twice(tmp_path):
    out = lines(run_scrapy("extract", str(SEED), str(SEED)))
    assert [o["title"] for o in out] == [out[0]["title"]] * 2 and out[0]["title"]


def test_saved_files_are_read_with_no_politeness_delay():
    from crawler.commands.extract import EXTRACT_SETTINGS, LOCAL_SLOT, ExtractSpider

    saved, site = SEED.resolve().as_uri(), "http://127.0.0.1:9/a.html"
    spider = ExtractSpider(inputs=[(0, saved, saved), (1, site, site)])

    async def requests():
        return [request async for request in spider.start()]

    local, remote = asyncio.run(requests())
    assert local.meta["download_slot"] == LOCAL_SLOT and local.meta["autothrottle_dont_adjust_delay"] is True
    assert EXTRACT_SETTINGS["DOWNLOAD_SLOTS"][LOCAL_SLOT]["delay"] == 0
    assert "download_slot" not in remote.meta  # a site keeps the crawl's politeness
