"""The chain (crawler.article.build_article) in a worker process beside the crawl's reactor.

On unless HARVEST_CHAIN_PROCESS is off. Why: cleaning a page costs the crawl's one Python thread
about 2.5 ms of CPU (bench.crawl's stages decode ... metadata), the reactor's thread that also
downloads and parses. In a worker process it runs on a second core: on a 2-core machine the
product crawled 0.45x a bare crawl instead of 0.37x (bench.crawl, N = 3,000, runs interleaved),
and the crawl's own peak memory fell from 230 to 166 MB, the chain's word lists and tables now the
worker's (about 118 MB; 110–114 since wordfreq is imported only to build its kept table, 125 in
one crawl of 2,000 stories). The
two together: 274 MB at N = 5,000 and 290 at 20,000 (bench/RESULTS.md).

How: one worker per crawl process (crawlers in one process share it), `python -m
crawler.chain_process`. Pages go to its stdin and outcomes come back on its stdout as
length-prefixed pickles, read by an asyncio subprocess protocol in the reactor's own thread: no
helper thread in the crawl's process. (concurrent.futures' process pool was tried first: its
feeder and result threads wait for the GIL behind the busy reactor, as the archive's writer does,
and it crawled no faster.)

Nothing is lost: if the worker dies, the pages it held and every later one are built in the
crawl's process, and that is logged once. The worker runs in a session of its own (a Ctrl-C
reaches the crawl's process group, not the worker: the crawl decides when to stop, and finishes
its pages) and exits when its stdin closes: when the last crawl closes it, or when the crawl's
process dies, SIGKILL included.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import struct
import sys
from typing import BinaryIO

from crawler.article import Article, Options, RawPage, Refusal, build_article

logger = logging.getLogger(__name__)

HEADER = struct.Struct(">I")  # the length of the pickle that follows
Timings = list[tuple[str, float]]  # each step of the chain and the CPU seconds it took
Outcome = tuple[Article | Refusal, Timings]


def build(page: RawPage, options: Options, timed: bool) -> Outcome:
    """The chain's outcome for a page, with each step's CPU seconds when ``timed``."""
    timings: Timings = []

    def took(step: str, seconds: float) -> None:
        timings.append((step, seconds))

    return build_article(page, options, timer=took if timed else None), timings


class ChainProcess(asyncio.SubprocessProtocol):
    """The crawl's side of the worker: ``await build(page, options)`` as if it ran here."""

    _shared: ChainProcess | None = None
    _users = 0

    def __init__(self) -> None:
        self.transport: asyncio.SubprocessTransport | None = None
        self.buffer = bytearray()
        self.waiting: dict[int, tuple[asyncio.Future[Outcome], RawPage, Options, bool]] = {}
        self.sent = 0
        self.alive = False
        self.peak_rss_mb = 0.0  # the worker's, read before it is closed
        self.exited: asyncio.Future[None] | None = None

    # --- shared by the crawls of a process ---------------------------------------------------

    @classmethod
    async def acquire(cls) -> ChainProcess:
        """The process's worker, started by the first crawl that asks."""
        if cls._shared is None:
            worker = cls()
            await worker.start()  # an OSError (no process can be started) is the caller's
            cls._shared = worker
        cls._users += 1
        return cls._shared

    @classmethod
    async def release(cls) -> ChainProcess | None:
        """One crawl is done with the worker; the last one closes it and gets it back (its peak memory)."""
        cls._users -= 1
        if cls._users > 0 or cls._shared is None:
            return None
        worker, cls._shared = cls._shared, None
        await worker.close()
        return worker

    # --- the worker's life -------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.exited = loop.create_future()
        command = [sys.executable, "-m", "crawler.chain_process"]
        pipe = asyncio.subprocess.PIPE
        await loop.subprocess_exec(
            lambda: self, *command, stdin=pipe, stdout=pipe, stderr=None, start_new_session=True
        )
        self.alive = True

    async def close(self) -> None:
        """Close the worker's stdin and wait until it has exited (its pending pages answered)."""
        if self.transport is None or self.exited is None:
            return
        from crawler.harvest.memory import peak_rss_mb  # the crawl's side: the worker never loads Scrapy

        self.peak_rss_mb = peak_rss_mb(self.transport.get_pid())
        stdin = self.transport.get_pipe_transport(0)
        if stdin is not None:
            stdin.close()
        await self.exited

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.SubprocessTransport)
        self.transport = transport

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(self.buffer)
            if len(self.buffer) < HEADER.size + size:
                return
            key, outcome = pickle.loads(self.buffer[HEADER.size : HEADER.size + size])
            del self.buffer[: HEADER.size + size]
            future, page, options, timed = self.waiting.pop(key)
            if future.done():  # its crawl stopped waiting (cancelled)
                continue
            if outcome is None:  # the chain raised in the worker: let it raise here, as it would
                try:
                    outcome = build(page, options, timed)
                except Exception as error:  # noqa: BLE001 - handed to the item's own error handling
                    future.set_exception(error)
                    continue
            future.set_result(outcome)

    def process_exited(self) -> None:
        self.alive = False  # what it has written may still be on its way: connection_lost reads it

    def connection_lost(self, exc: Exception | None) -> None:
        """The worker has exited and its output is read: the pages it never answered are built here."""
        self.alive = False
        waiting, self.waiting = self.waiting, {}
        if waiting:
            status = self.transport.get_returncode() if self.transport else None
            logger.error(
                "The chain's worker process exited (status %s) with %d pages unanswered: "
                "they and every later page are cleaned in the crawl's process",
                status,
                len(waiting),
            )
        for future, page, options, timed in waiting.values():
            if not future.done():
                future.set_result(build(page, options, timed))
        if self.transport is not None:
            self.transport.close()  # the process is reaped: this frees the transport
        if self.exited is not None and not self.exited.done():
            self.exited.set_result(None)

    # --- pages ---------------------------------------------------------------------------------

    async def build(self, page: RawPage, options: Options, timed: bool = False) -> Outcome:
        """The outcome of the chain for ``page``, from the worker (or here, if it has died)."""
        stdin = self.transport.get_pipe_transport(0) if self.transport is not None else None
        if not self.alive or not isinstance(stdin, asyncio.WriteTransport) or stdin.is_closing():
            return build(page, options, timed)
        key = self.sent
        self.sent += 1
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self.waiting[key] = (future, page, options, timed)
        data = pickle.dumps((key, page, options, timed), protocol=5)
        stdin.write(HEADER.pack(len(data)) + data)
        return await future


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    data = stream.read(size)
    return data if len(data) == size else None


def serve(source: BinaryIO, sink: BinaryIO) -> int:
    """The worker: answer each page read from ``source`` on ``sink`` until ``source`` ends; pages answered."""
    answered = 0
    while (header := _read_exactly(source, HEADER.size)) is not None:
        (size,) = HEADER.unpack(header)
        data = _read_exactly(source, size)
        if data is None:
            break
        key, page, options, timed = pickle.loads(data)
        try:
            outcome: Outcome | None = build(page, options, timed)
        except Exception:  # noqa: BLE001 - the crawl builds this page itself and sees the error
            outcome = None
        answer = pickle.dumps((key, outcome), protocol=5)
        sink.write(HEADER.pack(len(answer)) + answer)
        sink.flush()
        answered += 1
    return answered


def main() -> None:
    sink = os.fdopen(os.dup(1), "wb")  # outcomes only: whatever else is printed goes to stderr
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin.buffer, sink)


if __name__ == "__main__":
    main()
