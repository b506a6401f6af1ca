"""End to end: real spiders and pipelines against the replica server, into a real SQLite file."""

from __future__ import annotations

import zlib
from datetime import datetime

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from crawler.db import Article, RawPage
from crawler.db.store import read_raw_body
from replica.model import MAIN, MIRROR
from tests.conftest import REPLICA_END
from tests.crawling import REPLICA, start_crawls

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def harvested(replica_server, tmp_path_factory):
    """The replica harvested by both spiders into one SQLite file (the demo's runs)."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('crawl') / 'harvest.sqlite3'}"
    crawl_all(replica_server, db_url)
    return db_url


def crawl_all(replica: dict, db_url: str, **settings: str) -> list[dict]:
    """The demo's two crawls (e-paper, then news and mirror), in this process; each must finish.

    Returns their final stats.
    """
    epaper = {
        "base_url": replica["epaper"],
        "since": min(replica["issue_days"]),
        "until": REPLICA_END.isoformat(),
    }
    news = {"base_url": f"{replica['news']},{replica['mirror']}"}
    crawls = start_crawls(
        [("xcgb_epaper", epaper), ("xcgb_news", news)], {"HARVEST_DB_URL": db_url, **REPLICA, **settings}
    )
    finished = crawls.wait(300)
    for crawled in finished:
        assert not crawled.failures(), crawled.log[-4000:]
    return [crawled.stats for crawled in finished]


def rows(db_url: str) -> dict[str, Article]:
    engine = create_engine(db_url)
    with Session(engine) as session:
        found = {a.url: a for a in session.scalars(select(Article))}
        session.expunge_all()
    engine.dispose()
    return found


def url_of(replica: dict, entry) -> str:
    host = "127.0.0.1" if entry.host == MAIN else "127.0.0.2"
    port = replica["news"].split(":")[2].split("/")[0]
    return f"http://{host}:{port}{entry.path}"


def test_every_replica_article_is_stored_once(harvested, replica_server, site):
    stored = rows(harvested)
    expected = {url_of(replica_server, e) for e in site.articles()}
    assert set(stored) == expected
    assert len(site.articles()) == replica_server["articles"]


def test_paywalled_article_is_not_stored(harvested, replica_server, site):
    [paywalled] = [e for e in site.manifest if e.paywalled]
    assert url_of(replica_server, paywalled) not in rows(harvested)


@pytest.mark.parametrize(
    "charset", ["utf-8", "gbk labelled gb2312", "gbk labelled nothing", "charset=utf-8)", "gb18030"]
)
def test_news_articles_in_every_charset_have_their_fields(harvested, replica_server, site, charset):
    entry = next(e for e in site.articles("news") if charset in e.charset and e.story != "seed")
    article = rows(harvested)[url_of(replica_server, entry)]
    assert article.title == entry.title
    assert article.body.split("\n") == entry.body
    assert article.published_at == datetime.fromisoformat(entry.published_at)
    assert (article.source, article.author or "", article.editor) == (
        entry.source,
        entry.author,
        entry.editor,
    )
    assert article.spider == "xcgb_news"


def test_epaper_articles_have_edition_kicker_and_date(harvested, replica_server, site):
    entries = [e for e in site.articles("epaper") if e.subtitle][:3] + site.articles("epaper")[-2:]
    stored = rows(harvested)
    for entry in entries:
        article = stored[url_of(replica_server, entry)]
        assert (article.title, article.subtitle or "") == (entry.title, entry.subtitle)
        assert article.edition == entry.edition
        assert article.published_at == datetime.fromisoformat(entry.published_at)
        assert article.source == entry.source
        assert article.body.split("\n") == entry.body


def test_raw_pages_are_stored_exactly(harvested, replica_server, site):
    engine = create_engine(harvested)
    with Session(engine) as session:
        articles = session.scalars(select(Article)).all()
        assert all(a.raw_page_id is not None for a in articles)
        for article in articles[:: max(1, len(articles) // 10)]:
            raw = session.get(RawPage, article.raw_page_id)
            host = MIRROR if article.url.startswith("http://127.0.0.2") else MAIN
            path = "/" + article.url.split("/", 3)[3]
            assert read_raw_body(raw) == site.pages[(host, path)].body
            assert raw.body == zlib.compress(read_raw_body(raw), 6)
            assert raw.headers["Content-Type"] == site.pages[(host, path)].content_type
    engine.dispose()


def test_a_second_crawl_adds_no_rows(harvested, replica_server):
    engine = create_engine(harvested)

    def counts() -> tuple[int, int]:
        with engine.connect() as conn:
            return (conn.scalar(select(func.count()).select_from(Article)),
                    conn.scalar(select(func.count()).select_from(RawPage)))  # fmt: skip

    before = counts()
    crawl_all(replica_server, harvested)
    assert counts() == before
    engine.dispose()


def test_mirror_copies_are_stored_clean(harvested, replica_server, site):
    """Traditional script, inline pinyin, share widget and county-name run: all gone."""
    stored = rows(harvested)
    mirrored = site.articles("mirror")
    assert any(e.story == "seed" for e in mirrored)
    for entry in mirrored:
        article = stored[url_of(replica_server, entry)]
        assert (article.title, article.body.split("\n")) == (entry.title, entry.body), entry.path
        expected = (entry.source, entry.author, entry.editor, datetime.fromisoformat(entry.published_at))
        assert (article.source, article.author or "", article.editor, article.published_at) == expected
        assert "junk:place-run:1" in article.flags


def test_with_the_chain_in_a_worker_process_the_archive_is_the_same(harvested, replica_server, tmp_path):
    """HARVEST_CHAIN_PROCESS (`scrapy crawl`'s default; the suite's other crawls clean in process)."""
    db_url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    stats = crawl_all(replica_server, db_url, HARVEST_CHAIN_PROCESS="1")
    fields = ("title", "subtitle", "body", "published_at", "source", "author", "editor", "regions", "flags")
    here, there = rows(harvested), rows(db_url)
    assert sorted(there) == sorted(here)
    for url, article in here.items():
        assert [getattr(there[url], field) for field in fields] == [getattr(article, f) for f in fields], url
    # crawls at the same time share a worker: the one that closes it says how much memory it took
    peaks = [s["harvest/memory/chain_peak_rss_mb"] for s in stats if "harvest/memory/chain_peak_rss_mb" in s]
    assert peaks and all(peak > 10 for peak in peaks)
