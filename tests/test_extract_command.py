"""`scrapy extract` on saved pages, standard input, a missing file, and a page that is not an article."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

from replica.model import MAIN
from tests.commands.runner import scrapy
from tests.conftest import FIXTURES, ROOT, run_scrapy

pytestmark = pytest.mark.slow
SEED = FIXTURES / "seed" / "000_08909e7ef7bbc5dc.txt"


def lines(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def extract_from(stdin, *args: str) -> subprocess.CompletedProcess[str]:
    """`scrapy extract ARGS` reading the open file `stdin` as its standard input."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "extract", *args],
        cwd=ROOT, stdin=stdin, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


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


@pytest.fixture(scope="module")
def seed_twice() -> list[dict]:
    """`scrapy extract SEED SEED` (exit status 0): the seed capture, named twice."""
    return lines(run_scrapy("extract", str(SEED), str(SEED)))


def test_seed_capture_is_cleaned(seed_twice):
    out = seed_twice[0]
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


def test_the_same_file_twice_is_answered_twice(seed_twice):
    out = seed_twice
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


def test_a_page_on_standard_input_is_cleaned_with_the_address_given(site, tmp_path):
    entry = next(e for e in site.articles("news") if "gbk labelled gb2312" in e.charset)
    saved = tmp_path / "page.html"
    saved.write_bytes(site.pages[(MAIN, entry.path)].body)
    url = "http://www.dxscg.com.cn" + entry.path
    with saved.open("rb") as page:
        result = extract_from(page, "-", "--url", url)
    assert result.returncode == 0, result.stderr
    [out] = lines(result)
    assert out["input"] == "-"
    assert (out["url"], out["site"], out["profile"]) == (url, "www.dxscg.com.cn", "news_cms")
    assert (out["title"], out["source"], out["author"] or "", out["editor"]) == (
        entry.title, entry.source, entry.author, entry.editor)  # fmt: skip
    assert out["body"] == "\n".join(entry.body) and out["encoding"] == "gb18030"


def test_standard_input_gives_the_line_a_saved_file_gives_without_an_address():
    with SEED.open("rb") as page:
        result = extract_from(page, str(SEED), "-")
    assert result.returncode == 0, result.stderr
    from_file, from_stdin = lines(result)
    assert list(from_stdin) == list(from_file)  # the same fields, in the same order
    assert from_stdin["input"] == "-" and from_stdin["title"]
    assert (from_stdin["url"], from_stdin["canonical_url"], from_stdin["site"]) == (None, None, None)
    unaddressed = ("input", "url", "canonical_url", "site")
    assert {k: v for k, v in from_stdin.items() if k not in unaddressed} == {
        k: v for k, v in from_file.items() if k not in unaddressed
    }


def test_standard_input_over_the_limit_is_refused_and_not_read_further(tmp_path):
    big = tmp_path / "big.html"
    big.write_bytes(SEED.read_bytes() * 4)
    with big.open("rb") as page:
        result = extract_from(page, "-", "-s", "HARVEST_EXTRACT_MAX_BYTES=1000")
        taken = os.lseek(page.fileno(), 0, os.SEEK_CUR)  # the child read from this same open file
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert lines(result) == [{"input": "-", "error": "too large: standard input holds more than 1000 bytes "
                              "(HARVEST_EXTRACT_MAX_BYTES is 1000); the rest was not read"}]  # fmt: skip
    assert taken == 1001, "one byte past the limit tells; nothing more is read"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["-", "-"], "standard input holds one page: give - once"),
        (["-", "--url", "http://[::1/x"], "--url: not a page address (http, https or file): http://[::1/x"),
        (
            ["a.html", "-", "--url", "http://www.xcgb.com.cn/"],
            "--url names one page: give a single input with it",
        ),
        ([], "give at least one PATH or URL, or - for standard input"),
    ],
)
def test_input_mistakes_are_one_error_line_before_anything_is_read(argv, said, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = scrapy("extract", *argv)  # in process: refused before the crawler process is made
    assert result.status == 2 and "Traceback" not in result.err
    assert result.last_line.endswith(f"error: {said}") and result.out == ""
