"""Search finds every article holding a query of any length; hostile syntax is only text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from crawler.db import Article, make_engine
from crawler.db.query import article_text, parse
from crawler.db.search import (
    ArticleFilter,
    BadQuery,
    count_hits,
    matching_ids,
    search,
    snippet,
    sqlite,
)
from crawler.db.search.lookup import index_expression
from crawler.db.search.tokens import tokens
from crawler.db.store import write_batch
from replica.model import MIRROR


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


def brute_force(engine, query: str) -> tuple[set[int], set[int]]:
    """(articles, clusters) whose text matches the query: the rule applied to every stored text."""
    rule = parse(query)
    with engine.connect() as conn:
        columns = (Article.id, Article.cluster_id, Article.title, Article.subtitle, Article.body)
        rows = conn.execute(select(*columns))
        ids = {(i, c) for i, c, t, s, b in rows if rule.matches(article_text(t, s, b))}
    return {i for i, _ in ids}, {c for _, c in ids}


BOOLEAN_AND_MIXED = [
    "油茶 OR 电商", "乡村 -旅游", "党建 -产业链 -群众", '"乡村 振兴"', '"党建 引领"', "村 -乡村振兴",
    "乡村振兴 OR 基层治理 -党建", "2026年", "5G", "4G OR 5G", "1万", "2.3万", "90后", "2026年11月",
    "乡村振兴 OR 村", '-"乡村 振兴" 合作社', "治理 OR 振兴 OR 茶 -村",
]  # fmt: skip


@pytest.mark.parametrize("query", ONE_TWO_FOUR_AND_MORE + BOOLEAN_AND_MIXED)
def test_search_and_count_equal_the_rule_applied_to_every_text(engine, query):
    articles, clusters = brute_force(engine, query)
    assert found(engine, query) == clusters
    with engine.connect() as conn:
        counted = count_hits(conn, query)
        assert (counted.articles, counted.clusters) == (len(articles), len(clusters))
        assert matching_ids(conn, query) == sorted(articles)


@pytest.mark.parametrize("query", ["油茶 光山", "党建 产业链 群众", "村 电商", "乡村振兴，党建"])
def test_several_words_must_all_occur(engine, query):  # (punctuation separates words too)
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
              "茶*", "^党建", "{title}: 茶", "-", "''", "AND OR NOT", "-茶", "茶 OR", "OR OR 茶"],
)  # fmt: skip
def test_hostile_syntax_is_text_or_a_clear_refusal(engine, query):
    try:
        found_expression = index_expression(parse(query), sqlite)
    except BadQuery as refusal:
        assert "\n" not in str(refusal)
        reasons = ("nothing to search for", "unclosed quote", "OR needs words", "only excludes")
        assert any(why in str(refusal) for why in reasons)
        return
    assert "NEAR(" not in found_expression and "*" not in found_expression and "^" not in found_expression
    found(engine, query)  # runs without an FTS5 syntax error


def test_empty_query_is_refused():
    with pytest.raises(BadQuery):
        index_expression(parse("  "), sqlite)


def test_tokens_are_bigrams_of_chinese_and_whole_words():
    assert tokens("乡村振兴 5G网络，Ab") == ["乡村", "村振", "振兴", "5g", "网络", "ab"]


def test_snippet_marks_every_hit_near_the_first():
    body = "前言。" + "无关的话" * 20 + "油茶林里种油茶。" + "后文" * 30
    piece = snippet(body, ["油茶"])
    assert piece.startswith("…") and piece.count("【油茶】") == 2


def test_a_word_mixing_digits_or_letters_with_chinese_is_one_contiguous_string(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'mixed.sqlite3'}")
    when = datetime(2026, 11, 29, tzinfo=UTC)
    bodies = ["村里的90后干部", "九十年代：90年代后期的事", "新建5G基站3座", "建了15G基站", "5G，基站在建",
              "种植油茶2.3万亩", "今年扩种12.3万亩", "2、3万亩", "5G信号覆盖"]  # fmt: skip
    rows = [{"canonical_url": f"http://x.cn/{n}", "url": f"http://x.cn/{n}", "site": "x.cn", "spider": "t",
             "title": "标题", "body": body, "flags": [], "fetched_at": when, "first_seen_at": when}
            for n, body in enumerate(bodies, 1)]  # fmt: skip
    write_batch(engine, [(None, row) for row in rows])
    with engine.connect() as conn:
        for query, expected in [("90后", [1]), ("5G基站", [3]), ("2.3万亩", [6]), ('"5G 基站"', [3, 5]),
                                ("5G -基站", [9]), ("3万亩", [6, 7, 8])]:  # fmt: skip
            assert matching_ids(conn, query) == expected, query
            assert sorted(h.cluster_id for h in search(conn, query)) == expected, query
    engine.dispose()
