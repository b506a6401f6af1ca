"""The one owner of the archive during a crawl: engine and writer thread (storage off the reactor).

Every component of a crawl that touches the database asks `archive_of(crawler)` for the same
Archive: the storage stage, the run recorder, the incremental and conditional middlewares. It
opens the engine once, as the spider opens (the schema is checked and prepared before anything
is downloaded), and disposes it once, when the crawl's engine stops. Whether the crawl stores
articles at all is `stores_articles`: one of its pipelines has `writes_archive = True`
(`scrapy extract` has none, and no archive is opened). The harvest lock
(crawler/harvest/lock.py) is not the archive's: it outlives a crawl.

Reads (the known-URL filter, list validators, a run's history) run on the reactor: with SQLite
in WAL mode a reader never waits for a writer. Writes are jobs handed to one writer thread, in
order; each is one transaction, retried there with back-off while the database is locked
(`write_retrying`), and its result or failure comes back to the reactor as a Deferred. A locked
database therefore slows storing, never downloading or the reactor's timers. What the thread
holds is bounded (HARVEST_STORE_QUEUE articles): past that, `room()` tells the storage stage to
hold the items that arrive, and it pauses downloads until the writer is half empty
(back-pressure: memory stays flat however long the database stalls).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from scrapy import signals
from scrapy.utils.conf import build_component_list
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import build_from_crawler, load_object
from sqlalchemy import Engine, event
from twisted.internet import defer
from twisted.python.failure import Failure

from crawler.db.engine import ArchiveUnavailable, make_engine, write_retrying

logger = logging.getLogger(__name__)

T = TypeVar("T")
_Job = tuple[Callable[[], Any], defer.Deferred[Any]]


def stores_articles(settings: Any) -> bool:
    """Whether a crawl writes articles: one of its item pipelines says so (`writes_archive = True`)."""
    pipelines = build_component_list(settings.getwithbase("ITEM_PIPELINES"))
    return any(getattr(load_object(path), "writes_archive", False) for path in pipelines)


def archive_of(crawler: Any) -> Archive:
    """The crawl's Archive: made on first ask (middlewares are built before extensions can be looked up)."""
    archive = getattr(crawler, "harvest_archive", None)
    if archive is None:
        archive = build_from_crawler(Archive, crawler)
    return archive


class Archive:
    """Extension: the crawl's engine and writer thread; `stores_articles` says whether it stores."""

    def __init__(
        self,
        db_url: str,
        *,
        stores_articles: bool,
        queue_size: int,
        busy_timeout: float,
        retries: int,
        pause: float,
    ) -> None:
        self.db_url = db_url
        self.stores_articles = stores_articles
        self.queue_size = max(1, queue_size)  # articles handed to the writer and not yet written
        self.busy_timeout = busy_timeout
        self.retries = retries
        self.pause = pause
        self.writer_cpu = 0.0  # CPU seconds the writer thread spent (bench/timed.py reads it)
        self._engine: Engine | None = None
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._finished: defer.Deferred[None] | None = None  # fired once the writer thread ended
        self._unavailable: ArchiveUnavailable | None = None  # a batch found the archive unwritable
        self._abandon = threading.Event()  # set when the crawl gave up waiting: pauses end, jobs skipped
        # Reactor-side book-keeping (only the reactor thread touches these).
        self.in_flight = 0  # jobs handed to the writer, not answered yet
        self.queued = 0  # articles in those jobs
        self.holding = 0  # articles the storage stage holds in its open batch, not yet handed over
        self._room: deque[defer.Deferred[None]] = deque()
        self._idle: list[defer.Deferred[None]] = []

    @classmethod
    def from_crawler(cls, crawler: Any) -> Archive:
        archive = getattr(crawler, "harvest_archive", None)
        if isinstance(archive, Archive):  # a component asked first
            return archive
        settings = crawler.settings
        archive = cls(
            settings.get("HARVEST_DB_URL"),
            stores_articles=stores_articles(settings),
            queue_size=settings.getint("HARVEST_STORE_QUEUE"),
            busy_timeout=settings.getfloat("HARVEST_DB_BUSY_TIMEOUT"),
            retries=settings.getint("HARVEST_DB_LOCKED_RETRIES"),
            pause=settings.getfloat("HARVEST_DB_LOCKED_PAUSE"),
        )
        crawler.harvest_archive = archive
        crawler.signals.connect(archive.close, signal=signals.engine_stopped)
        return archive

    # --- the engine ------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The engine, opened on first use (reads on the reactor: `with archive.engine.connect() as conn`).

        Opening prepares the schema (crawler.db.schema.prepare): this happens as the spider
        opens, before anything is downloaded.
        """
        if self._engine is None:
            engine = make_engine(self.db_url)
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", self._busy_timeout)
                engine.dispose()  # the connection that prepared the schema had the default timeout
            logger.info("Storing articles in %s", engine.url.render_as_string(hide_password=True))
            self._engine = engine
        return self._engine

    def open(self) -> Engine:
        """Open the engine now (storage does as the spider opens: a refused schema stops the crawl first)."""
        return self.engine

    def _busy_timeout(self, dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
        cursor.close()

    # --- writing ---------------------------------------------------------------------------

    def write(
        self, work: Callable[[Engine], T], what: str, *, retries: int | None = None
    ) -> defer.Deferred[T]:
        """Run `work(engine)` (one transaction) on the writer thread, retried while the database is locked.

        The Deferred fires on the reactor with its result, or fails with ArchiveUnavailable (full,
        read-only, still locked after the retries …) or whatever else `work` raised.
        """
        return self._submit(self._job(work, what, retries, storing=False))

    def store(self, work: Callable[[Engine], T], articles: int, what: str) -> defer.Deferred[T]:
        """`write` a batch of `articles` articles: they count against HARVEST_STORE_QUEUE until answered.

        Once a batch failed with ArchiveUnavailable, the batches queued behind it fail the same way
        at once (the crawl is stopping; each would only wait through the retries again).
        """
        self.queued += articles
        answer = self._submit(self._job(work, what, None, storing=True))
        answer.addBoth(self._stored, articles)
        return answer

    def _job(
        self, work: Callable[[Engine], T], what: str, retries: int | None, *, storing: bool
    ) -> Callable[[], T]:
        engine = self.engine
        tries = self.retries if retries is None else retries

        def job() -> T:
            if self._abandon.is_set():
                raise defer.CancelledError(f"{what}: the crawl stopped waiting for the archive")
            if storing and self._unavailable is not None:
                raise ArchiveUnavailable(self._unavailable.fault, str(self._unavailable))
            try:
                return write_retrying(engine, lambda: work(engine), what, retries=tries, pause=self.pause,
                                      busy_timeout=self.busy_timeout, sleep=self._abandon.wait)  # fmt: skip
            except ArchiveUnavailable as error:
                if storing:
                    self._unavailable = error
                raise

        return job

    def room(self) -> defer.Deferred[None] | None:
        """None while the writer holds under HARVEST_STORE_QUEUE articles, else a Deferred: when it will."""
        if self.queued < self.queue_size:
            return None
        waiting: defer.Deferred[None] = defer.Deferred()
        self._room.append(waiting)
        return waiting

    def drained(self, timeout: float) -> defer.Deferred[bool]:
        """Fires True once every job handed to the writer is answered, False after `timeout` seconds."""
        if self.in_flight == 0:
            return defer.succeed(True)
        from twisted.internet import reactor as installed

        reactor: Any = installed  # Twisted's zope interfaces do not type-check as methods

        idle: defer.Deferred[None] = defer.Deferred()
        self._idle.append(idle)
        done: defer.Deferred[bool] = defer.Deferred()

        def settle(answer: bool) -> None:
            if timer.active():
                timer.cancel()
            if not done.called:
                done.callback(answer)

        timer = reactor.callLater(timeout, settle, False)
        idle.addCallback(lambda _: settle(True))
        return done

    @property
    def settled(self) -> bool:
        """Nothing the crawl gave to storage is still waiting to be written (open batch or writer)."""
        return self.holding == 0 and self.in_flight == 0

    def abandon(self) -> None:
        """Stop waiting for the database: retry pauses end now, queued jobs fail with CancelledError."""
        self._abandon.set()

    async def close(self) -> None:
        """End of the crawl: the writer finishes its queue, disposes the engine and ends."""
        if self._thread is None:
            if self._engine is not None:
                self._engine.dispose()
            return
        if self.in_flight:  # still busy (the crawl gave up waiting): it ends on its own, unwaited
            self._jobs.put(None)
            return
        finished = self._finished = defer.Deferred()
        self._jobs.put(None)
        await maybe_deferred_to_future(finished)

    # --- the thread ------------------------------------------------------------------------

    def _submit(self, job: Callable[[], T]) -> defer.Deferred[T]:
        answer: defer.Deferred[T] = defer.Deferred()
        self.in_flight += 1
        answer.addBoth(self._answered)
        self._jobs.put((job, answer))
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="harvest-archive-writer", daemon=True)
            self._thread.start()
        return answer

    def _work(self) -> None:
        """The writer thread: run jobs in order; answer each on the reactor; dispose the engine at the end."""
        from twisted.internet import reactor as installed

        reactor: Any = installed  # Twisted's zope interfaces do not type-check as methods

        while (entry := self._jobs.get()) is not None:
            job, answer = entry
            started = time.thread_time()
            try:
                result = job()
            except BaseException:  # noqa: BLE001 - handed to the reactor, where the caller's errback sees it
                reactor.callFromThread(answer.errback, Failure())  # type: ignore[no-untyped-call]
            else:
                reactor.callFromThread(answer.callback, result)
            finally:
                self.writer_cpu += time.thread_time() - started
        if self._engine is not None:
            self._engine.dispose()
        if self._finished is not None:
            reactor.callFromThread(self._finished.callback, None)

    def _answered(self, result: Any) -> Any:
        self.in_flight -= 1
        if self.in_flight == 0:
            idle, self._idle = self._idle, []
            for waiting in idle:
                waiting.callback(None)
        return result

    def _stored(self, result: Any, articles: int) -> Any:
        self.queued -= articles
        while self._room and self.queued < self.queue_size:
            self._room.popleft().callback(None)
        return result
