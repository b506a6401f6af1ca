"""The chain in its worker process (crawler/chain_process.py): the same outcomes, and nothing lost."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import pytest

from crawler.article import DEFAULTS, Article, RawPage, Refusal, build_article
from crawler.chain_process import ChainProcess
from tests.conftest import FIXTURES

SEED = FIXTURES / "seed" / "000_08909e7ef7bbc5dc.txt"
NOT_AN_ARTICLE = "<html><head><title>首页</title></head><body><a href='/a'>一</a></body></html>"


def pages() -> list[RawPage]:
    """An article, a binary file and a page that holds no article."""
    return [
        RawPage(SEED.read_bytes(), "http://a.example/1.html"),
        RawPage(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "http://a.example/2.html"),
        RawPage(NOT_AN_ARTICLE.encode("utf-8"), "http://a.example/3.html", {"Content-Type": "text/html"}),
    ]


def here() -> list[Article | Refusal]:
    return [build_article(page, DEFAULTS) for page in pages()]


async def in_worker(pages: list[RawPage], between=None) -> tuple[list[Article | Refusal], ChainProcess]:
    """Each page's outcome from the worker, sent all at once; ``between(worker)`` runs once they are sent."""
    worker = await ChainProcess.acquire()
    try:
        sent = [asyncio.ensure_future(worker.build(page, DEFAULTS, timed=True)) for page in pages]
        await asyncio.sleep(0)  # each has written its page
        if between is not None:
            between(worker)
        outcomes = [outcome for outcome, _ in await asyncio.gather(*sent)]
    finally:
        closed = await ChainProcess.release()
    assert closed is worker  # the last user closes it
    return outcomes, worker


def test_the_worker_gives_what_the_chain_gives_here():
    outcomes, worker = asyncio.run(in_worker(pages()))
    assert worker.sent == 3 and not worker.waiting  # each page went to the worker and came back
    assert outcomes == here()
    assert isinstance(outcomes[0], Article) and [type(o) for o in outcomes[1:]] == [Refusal, Refusal]
    assert worker.peak_rss_mb > 10  # read from the worker before it exited
    assert worker.transport is not None and worker.transport.get_returncode() == 0


def test_the_worker_sends_each_steps_cpu_time():
    async def timed() -> list[str]:
        worker = await ChainProcess.acquire()
        try:
            _, timings = await worker.build(pages()[0], DEFAULTS, timed=True)
            _, untimed = await worker.build(pages()[0], DEFAULTS)
        finally:
            await ChainProcess.release()
        assert untimed == []
        assert all(seconds >= 0 for _, seconds in timings)
        return [step for step, _ in timings]

    assert asyncio.run(timed()) == ["decode", "extract", "normalize", "junk", "metadata"]


def test_a_killed_worker_loses_no_page_and_later_pages_are_built_here(caplog):
    def kill(worker: ChainProcess) -> None:
        assert worker.transport is not None
        os.kill(worker.transport.get_pid(), signal.SIGKILL)

    async def run() -> tuple[list[Article | Refusal], Article | Refusal, bool]:
        outcomes, worker = await in_worker(pages() * 4, between=kill)
        later, _ = await worker.build(pages()[0], DEFAULTS)  # the worker is gone: built here
        return outcomes, later, worker.alive

    with caplog.at_level(logging.ERROR, logger="crawler.chain_process"):
        outcomes, later, alive = asyncio.run(run())
    assert outcomes == here() * 4
    assert later == here()[0] and not alive
    assert "pages unanswered" in caplog.text  # killed at once: it had not answered them all


def test_ctrl_c_reaches_the_crawl_not_its_worker():
    groups: list[int] = []

    def group(worker: ChainProcess) -> None:
        assert worker.transport is not None
        groups.append(os.getpgid(worker.transport.get_pid()))

    outcomes, worker = asyncio.run(in_worker(pages(), between=group))
    assert groups != [os.getpgid(0)]  # a terminal's Ctrl-C goes to the crawl's process group only
    assert outcomes == here()
    assert worker.transport is not None and worker.transport.get_returncode() == 0


@pytest.mark.parametrize("users", [1, 2])
def test_crawls_of_one_process_share_one_worker_the_last_closes_it(users):
    async def run() -> tuple[bool, bool]:
        workers = [await ChainProcess.acquire() for _ in range(users)]
        assert all(worker is workers[0] for worker in workers)
        closed = [await ChainProcess.release() for _ in range(users)]
        return closed[:-1] == [None] * (users - 1), closed[-1] is workers[0]

    assert asyncio.run(run()) == (True, True)
