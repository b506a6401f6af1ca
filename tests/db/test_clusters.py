"""Mirror clusters: the same story from several sites forms one cluster around the original."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from crawler.db import Article, ArticleUrl, make_engine
from crawler.db.models import ArticleBand
from crawler.db.store import write_batch
from crawler.facts import facts_of, is_damaged
from crawler.text.fingerprint import fingerprint
from replica.model import load_pool

WHEN = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'archive.sqlite3'}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def stories():
    return load_pool()[1:6]


def row(url: str, story, *, damaged: bool = False, edit: str = "", when: datetime = WHEN) -> dict:
    body = "\n".join(story.paragraphs)
    if edit:
        body = body.replace("。", edit, 1)
    return {"canonical_url": url, "url": url, "site": url.split("/")[2], "spider": "t", "title": story.title,
            "body": body, "flags": ["body[0]:script:t2s"] if damaged else [], "damaged": damaged,
            "fetched_at": when, "first_seen_at": when}  # fmt: skip


def clusters(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(Article.url, Article.cluster_id)).all())


def ids(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(Article.url, Article.id)).all())


def test_an_original_found_after_its_mirror_copies_becomes_canonical(engine, stories):
    story = stories[0]
    write_batch(engine, [(None, row("http://m1.cn/a", story, damaged=True, edit="，据悉。"))])
    write_batch(engine, [(None, row("http://m2.cn/a", story, damaged=True))])
    write_batch(engine, [(None, row("http://www.xcgb.cn/a", story, edit="。另讯。"))])
    found, key = clusters(engine), ids(engine)
    assert set(found.values()) == {key["http://www.xcgb.cn/a"]}


def test_copies_in_one_batch_and_different_stories_apart(engine, stories):
    batch = [row(f"http://www.xcgb.cn/{n}", s) for n, s in enumerate(stories)]
    batch += [row(f"http://m.cn/{n}", s, damaged=True, edit="。（完）") for n, s in enumerate(stories)]
    write_batch(engine, [(None, r) for r in reversed(batch)])  # the mirror copies come first
    found, key = clusters(engine), ids(engine)
    for n in range(len(stories)):
        assert found[f"http://m.cn/{n}"] == found[f"http://www.xcgb.cn/{n}"] == key[f"http://www.xcgb.cn/{n}"]
    assert len(set(found.values())) == len(stories)


def test_two_originals_keep_the_first_as_canonical(engine, stories):
    write_batch(engine, [(None, row("http://epaper.cn/a", stories[1]))])
    write_batch(engine, [(None, row("http://news.cn/a", stories[1]))])
    key = ids(engine)
    assert set(clusters(engine).values()) == {key["http://epaper.cn/a"]}


def test_every_address_is_a_sighting_with_first_and_last_seen(engine, stories):
    later = datetime(2026, 11, 28, tzinfo=UTC)
    tracked = {**row("http://www.xcgb.cn/a", stories[2]), "url": "http://www.xcgb.cn/a?utm_source=wx"}
    write_batch(engine, [(None, row("http://www.xcgb.cn/a", stories[2])), (None, tracked)])
    write_batch(engine, [(None, row("http://www.xcgb.cn/a", stories[2], when=later))])
    with engine.connect() as conn:
        seen = {u.url: u for u in conn.execute(select(ArticleUrl)).all()}
    assert set(seen) == {"http://www.xcgb.cn/a", "http://www.xcgb.cn/a?utm_source=wx"}
    plain = seen["http://www.xcgb.cn/a"]
    assert (plain.first_seen_at, plain.last_seen_at, plain.host) == (WHEN, later, "www.xcgb.cn")


def test_the_band_keys_stored_are_each_articles_own_signed_64_bit_keys(engine, stories):
    """Written in one statement on SQLite (through JSON): every key comes back exact, sign and all."""
    batch = [row(f"http://www.xcgb.cn/{n}", s) for n, s in enumerate(stories)]
    write_batch(engine, [(None, r) for r in batch])
    key = ids(engine)
    with engine.connect() as conn:
        stored = set(conn.execute(select(ArticleBand.key, ArticleBand.article_id)).all())
    expected = {(band, key[r["url"]]) for r in batch
                for band in fingerprint(r["title"], None, r["body"]).bands}  # fmt: skip
    assert stored == expected
    assert any(band < 0 for band, _ in stored) and any(band > 2**53 for band, _ in stored)  # past a double's


@pytest.mark.parametrize(
    ("flags", "damaged"),
    [
        (["title:script:t2s"], True),
        (["body[3]:pinyin-removed:4"], True),
        (["junk:place-run:1"], False),
        ([], False),
    ],
)
def test_damage_is_read_from_the_cleaning_flags(flags, damaged):
    assert is_damaged(facts_of(flags)) is damaged


def test_a_database_from_before_the_archive_work_is_refused_by_name(tmp_path):
    import sqlite3

    from crawler.db.engine import OutdatedSchema

    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)  # the articles table as the previous version created it
    old.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY, canonical_url TEXT UNIQUE, url TEXT)")
    old.commit()
    old.close()
    with pytest.raises(OutdatedSchema, match=r"articles lacks .*cluster_id"):
        make_engine(f"sqlite:///{path}")
