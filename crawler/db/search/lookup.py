"""Answering a query from the search index, on either database: the ranked clusters (`search`),
the number of hits (`count_hits`), every matching id (`matching_ids`).

A query (crawler/db/query.py) is answered in up to three steps:
1. the index gives the candidates: each word becomes the phrase of its tokens (and its lone
   Chinese characters, which have no bigram), words AND, alternatives OR; an excluded word is
   a NOT only where the index decides it exactly;
2. where the index is exact for every word (one or two Chinese characters, one Latin word or
   number), that is the answer; where every word is Chinese, SQL decides among the candidates
   (instr() on title, kicker and body), in the same statement;
3. otherwise (phrases, 90后, 2.3万亩, 5G基站) Python decides on each candidate's text with
   Query.matches, the rule itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, func, literal, not_, or_, select

from crawler.db.models import Article
from crawler.db.query import Pattern, Query, article_text, parse
from crawler.db.search.backend import Backend
from crawler.db.search.filters import ArticleFilter
from crawler.db.search.index import backend
from crawler.db.search.tokens import index_exact, is_han_word

RANK_ALL_MAX = 600  # more candidates: title hits first, then newest first (BM25 costs ~15 µs a candidate)


def index_expression(query: Query, backend_: Backend, *, title_only: bool = False) -> str:
    """The index expression of a query's candidates (an FTS5 MATCH, or a PostgreSQL tsquery).

    Nothing the user typed reaches the index as syntax: only the tokens of words, quoted.
    `title_only` looks in the title and kicker only.
    """
    alternatives = []
    for alternative in query.alternatives:
        wanted = backend_.AND.join(
            dict.fromkeys(backend_.pattern(p, title_only) for p in alternative if not p.negated)
        )
        excluded = [backend_.pattern(p, False) for p in alternative if p.negated and index_exact(p)]
        if excluded:
            wanted = backend_.exclude(wanted, excluded)
        alternatives.append(wanted if len(query.alternatives) == 1 else f"({wanted})")
    return backend_.OR.join(alternatives)


@dataclass(frozen=True)
class _Plan:
    """How a query is answered: the index's candidates, then SQL or Python decides (or neither)."""

    expression: str
    title_expression: str  # the candidates holding a wanted word in the title (ranked first when many)
    refine: ColumnElement[bool] | None  # SQL that decides exactly among the candidates
    verify: Query | None  # Python decides among the candidates (their texts are read)


def _plan(query: Query, backend_: Backend) -> _Plan:
    expression = index_expression(query, backend_)
    title_expression = index_expression(query, backend_, title_only=True)
    if any(p.negated for p in query.patterns):  # the title's words alone do not exclude what the body has
        title_expression = f"({expression}){backend_.AND}({title_expression})"
    patterns = query.patterns
    if all(index_exact(p) for p in patterns):
        return _Plan(expression, title_expression, None, None)
    if all(len(p.words) == 1 and is_han_word(p.words[0]) for p in patterns):

        def holds(p: Pattern) -> ColumnElement[bool]:  # a Chinese word never spans two fields
            fields = (Article.title, func.coalesce(Article.subtitle, ""), Article.body)
            found = or_(*[backend_.contains(field, p.words[0]) for field in fields])
            return not_(found) if p.negated else found

        refine = or_(*[and_(*[holds(p) for p in alternative]) for alternative in query.alternatives])
        return _Plan(expression, title_expression, refine, None)
    return _Plan(expression, title_expression, None, query)


@dataclass(frozen=True)
class Hit:
    cluster_id: int  # the canonical article of the cluster (what `show` takes)
    matched_id: int  # the best-placed article of the cluster that matched
    score: float  # bm25 (PostgreSQL: minus ts_rank), lower is better; 0.0 when ordered newest first
    copies: int  # articles in the cluster


@dataclass(frozen=True)
class HitCount:
    articles: int  # matching articles
    clusters: int  # mirror clusters with a matching article: the hits `search` lists


def _parsed(query: str | Query) -> Query:
    return query if isinstance(query, Query) else parse(query)


def _matching(
    conn: Connection, query: Query, where: ArticleFilter | None
) -> tuple[Select[*tuple[Any, ...]], _Plan, Backend]:
    """SELECT id, cluster, title, kicker, body of the candidates that SQL does not rule out, the plan
    and the database's search."""
    backend_ = backend(conn)
    plan = _plan(query, backend_)
    index, rowid, matching, _ = backend_.match(plan.expression)
    cluster = func.coalesce(Article.cluster_id, Article.id)
    clauses = [matching, *(where or ArticleFilter()).clauses()]
    if plan.refine is not None:
        clauses.append(plan.refine)
    texts = [Article.title, Article.subtitle, Article.body] if plan.verify else []
    stmt = select(Article.id, cluster, *texts).select_from(index).join(Article, Article.id == rowid)
    return stmt.where(*clauses), plan, backend_


def count_hits(conn: Connection, query: str | Query, where: ArticleFilter | None = None) -> HitCount:
    """How many articles, and mirror clusters, match the query (with the filters); raises BadQuery."""
    parsed = _parsed(query)
    stmt, plan, backend_ = _matching(conn, parsed, where)
    if plan.verify is None and plan.refine is None and not (where or ArticleFilter()).clauses():
        # The index alone decides: its ids, and their clusters read from the small index on
        # cluster_id (SQLite would otherwise read each matching row, body and all, for it).
        index, rowid, matching, _ = backend_.match(plan.expression)
        ids = select(rowid).select_from(index).where(matching)
        counted = (
            select(func.count(), func.count(func.distinct(Article.cluster_id)))
            .where(Article.id.in_(ids))
            .with_hint(Article, "INDEXED BY ix_articles_cluster_id", "sqlite")
        )
        articles, clusters = conn.execute(counted).one()
        return HitCount(articles, clusters)
    if plan.verify is None:
        sub = stmt.subquery()
        articles, clusters = conn.execute(
            select(func.count(), func.count(func.distinct(sub.c[1]))).select_from(sub)
        ).one()
        return HitCount(articles, clusters)
    found = {
        row[0]: row[1]
        for row in conn.execute(stmt.execution_options(yield_per=2000))
        if plan.verify.matches(article_text(*row[2:]))
    }
    return HitCount(len(found), len(set(found.values())))


def matching_ids(conn: Connection, query: str | Query, where: ArticleFilter | None = None) -> list[int]:
    """The ids of every article matching the query (with the filters), ascending; raises BadQuery."""
    stmt, plan, _ = _matching(conn, _parsed(query), where)
    rows = conn.execute(stmt.execution_options(yield_per=2000))
    if plan.verify is None:
        return sorted(row[0] for row in rows)
    return sorted(row[0] for row in rows if plan.verify.matches(article_text(*row[2:])))


def search(
    conn: Connection, query: str | Query, where: ArticleFilter | None = None, *, limit: int = 20
) -> list[Hit]:
    """Clusters matching the query, best first, one per cluster; raises BadQuery.

    Up to RANK_ALL_MAX candidate articles are ranked by BM25. Past that (a one-character query
    in a large archive), ranking every match would take too long: title matches come first,
    then the rest, each newest stored first. Either way rows stream from the index in order,
    SQL or Python rules out the candidates that do not match, and it stops once `limit`
    clusters are found.
    """
    parsed = _parsed(query)
    backend_ = backend(conn)
    plan = _plan(parsed, backend_)
    index, rowid, matching, _ = backend_.match(plan.expression)
    some = select(literal(1)).select_from(index).where(matching).limit(RANK_ALL_MAX + 1).subquery()
    total = conn.scalar(select(func.count()).select_from(some))  # counted up to the limit only
    if total is None or total <= RANK_ALL_MAX:
        passes = [(plan.expression, True)]
    else:
        passes = [(plan.title_expression, False), (plan.expression, False)]
    cluster = func.coalesce(Article.cluster_id, Article.id)
    clauses = (where or ArticleFilter()).clauses()
    # Where the index is not exact, the rule decides on each streamed row's text, read a few rows
    # at a time (not in the ranked statement: its sort would carry every candidate's body).
    decide = None if plan.refine is None and plan.verify is None else _TextChecker(conn, parsed)
    found: dict[int, tuple[int, float]] = {}  # cluster -> (matched article, score), in order
    for pass_expression, ranked in passes:
        index, rowid, matching, rank = backend_.match(pass_expression)
        score = rank if ranked else literal(0.0)
        stmt = (
            select(Article.id, cluster, score)
            .select_from(index)
            .join(Article, Article.id == rowid)
            .where(matching, *clauses)
            .order_by(rank if ranked else rowid.desc())
        )
        result = conn.execution_options(stream_results=True).execute(stmt)
        try:
            for article_id, cluster_id, rank_ in _checked(result, decide, limit):
                found.setdefault(cluster_id, (article_id, float(rank_)))
                if len(found) >= limit:
                    break
        finally:
            result.close()
        if len(found) >= limit:
            break
    sizes = dict(  # by cluster_id itself, not coalesce(…): the index on it answers
        conn.execute(
            select(Article.cluster_id, func.count())
            .where(Article.cluster_id.in_(list(found)))
            .group_by(Article.cluster_id)
        ).all()
    )
    return [Hit(cluster_id=c, matched_id=i, score=s, copies=sizes.get(c, 1)) for c, (i, s) in found.items()]


class _TextChecker:
    """Whether articles match a query by the rule itself, their texts read by id, in small batches."""

    def __init__(self, conn: Connection, query: Query) -> None:
        self.conn, self.query = conn, query

    def matching(self, ids: Sequence[int]) -> set[int]:
        stmt = select(Article.id, Article.title, Article.subtitle, Article.body).where(Article.id.in_(ids))
        return {row[0] for row in self.conn.execute(stmt) if self.query.matches(article_text(*row[1:]))}


def _checked(rows: Iterable[Any], decide: _TextChecker | None, limit: int) -> Iterator[Any]:
    """The streamed (id, cluster, score) rows that match: all of them when the index decided."""
    if decide is None:
        yield from rows
        return
    size = max(limit, 20)
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            wanted = decide.matching([r[0] for r in batch])
            yield from (r for r in batch if r[0] in wanted)
            batch = []
    if batch:
        wanted = decide.matching([r[0] for r in batch])
        yield from (r for r in batch if r[0] in wanted)
