"""Search finds every article holding a query of any length; hostile syntax is only text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from crawler.db import Article, make_engine
from crawler.db.search import (
    ArticleFilter,
    BadQuery,
    match_expression,
    search,
    snippet,
    tokens,
)
from crawler.db.store import write_batch
from replica.site import MIRROR


def entry_row(entry, when: datetime) -> dict:
    host = "127.0.0.2" if entry.host == MIRROR else "127.0.0.1"
    url = f"http://{host}{entry.path}"
    return {"canonical_url": url, "url": url, "site": host, "spider": entry.site, "title": entry.title,
            "subtitle": entry.subtitle or None, "body": "\n".join(entry.body), "source": entry.source,
            "author": entry.author or None, "flags": [], "damaged": entry.host == MIRROR,
            "published_at": datetime.fromisoformat(entry.published_at), "fetched_at": when,
            "first_seen_at": when}  # fmt: skip


@pytest.fixture(scope="module")
def engine(site, tmp_path_factory):
    """Every replica article written by the storage functions, in batches of 50."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('search') / 'archive.sqlite3'}")
    when = datetime(2026, 11, 28, tzinfo=UTC)
    rows = [entry_row(e, when) for e in site.articles()]
    for start in range(0, len(rows), 50):
        write_batch(engine, [(None, row) for row in rows[start : start + 50]])
    yield engine
    engine.dispose()


def holding(engine, *words: str) -> set[int]:
    """Clusters with an article whose title, kicker or body holds every word: found by scanning."""
    with engine.connect() as conn:
        articles = conn.execute(
            select(Article.cluster_id, Article.title, Article.subtitle, Article.body)
        ).all()
    return {c for c, t, s, b in articles if all(w in f"{t}\n{s or ''}\n{b}" for w in words)}


def found(engine, query: str, where: ArticleFilter | None = None) -> set[int]:
    with engine.connect() as conn:
        hits = search(conn, query, where, limit=100_000)
    assert len({h.cluster_id for h in hits}) == len(hits), "one result per cluster"
    return {h.cluster_id for h in hits}


ONE_TWO_FOUR_AND_MORE = ["茶", "村", "党", "镇", "油茶", "党建", "电商", "合作", "乡村振兴", "基层治理",
                         "驻村第一书记", "产业链"]  # fmt: skip


@pytest.mark.parametrize("query", ONE_TWO_FOUR_AND_MORE)
def test_every_article_holding_the_query_is_found(engine, query):
    expected = holding(engine, query)
    assert expected, f"the replica has no {query}: pick another query"
    assert found(engine, query) == expected


@pytest.mark.parametrize("query", ["油茶 光山", "党建 产业链 群众", "村 电商", "乡村振兴，党建"])
def test_several_words_must_all_occur(engine, query):
    words = [w for w in query.replace("，", " ").split()]
    assert found(engine, query) == holding(engine, *words)


def test_a_phrase_is_not_its_characters_scattered(engine):
    assert found(engine, "振兴乡村") == holding(engine, "振兴乡村")
    assert found(engine, "振兴乡村") < found(engine, "振兴 乡村")


def test_filters_narrow_the_hits(engine):
    every = found(engine, "村")
    mirror = found(engine, "村", ArticleFilter(site="127.0.0.2"))
    assert mirror and mirror < every
    since = found(engine, "村", ArticleFilter(since=datetime(2026, 11, 20, tzinfo=UTC)))
    assert since and since < every


def test_the_index_follows_an_update(engine):
    when = datetime(2026, 11, 29, tzinfo=UTC)
    row = {"canonical_url": "http://x.cn/1", "url": "http://x.cn/1", "site": "x.cn", "spider": "t",
           "title": "标题", "body": "鸬鹚捕鱼", "flags": [], "fetched_at": when,
           "first_seen_at": when}  # fmt: skip
    write_batch(engine, [(None, row)])
    assert len(found(engine, "鸬鹚")) == 1
    write_batch(engine, [(None, {**row, "body": "鹈鹕捕鱼"})])
    assert found(engine, "鸬鹚") == set() and found(engine, "鸬") == set()
    assert len(found(engine, "鹈鹕")) == 1
    with engine.connect() as conn:  # the contentless index is consistent, not only plausible
        conn.execute(text("INSERT INTO article_search(article_search) VALUES ('integrity-check')"))


@pytest.mark.parametrize(
    "query", ['"', "*", ":", "(", ")", "AND", "OR", "NOT", "NEAR(", "NEAR(油茶 党建, 3)", '油茶"', "title:茶",
              "茶*", "^党建", "{title}: 茶", "-", "''", "AND OR NOT"],
)  # fmt: skip
def test_hostile_syntax_is_text_or_a_clear_refusal(engine, query):
    try:
        expression = match_expression(query)
    except BadQuery as refusal:
        assert "nothing to search for" in str(refusal)
        return
    assert "NEAR(" not in expression and "*" not in expression and "^" not in expression
    found(engine, query)  # runs without an FTS5 syntax error


def test_empty_query_is_refused():
    with pytest.raises(BadQuery):
        match_expression("  ")


def test_tokens_are_bigrams_of_chinese_and_whole_words():
    assert tokens("乡村振兴 5G网络，Ab") == ["乡村", "村振", "振兴", "5g", "网络", "ab"]


def test_snippet_marks_every_hit_near_the_first():
    body = "前言。" + "无关的话" * 20 + "油茶林里种油茶。" + "后文" * 30
    piece = snippet(body, ["油茶"])
    assert piece.startswith("…") and piece.count("【油茶】") == 2
