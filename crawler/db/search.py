"""Full-text search of the archive (SQLite FTS5), and the filters every archive command shares.

Chinese has no spaces, and FTS5's trigram tokenizer cannot find one- or two-character words
(茶, 油茶, 党建). So the index is built from tokens computed here, in Python, when a row is
written (crawler.db.store keeps it in step in the same transaction as the upsert):

- `title`, `body`: overlapping character bigrams of every run of Chinese characters
  (乡村振兴 -> 乡村 村振 振兴) and whole lower-cased words of Latin letters and digits. A
  word of two or more characters is looked up as the phrase of its bigrams: the candidates,
  which SQL or the query's rule then narrows to the texts holding the word (see "queries").
- `tchars`, `chars`: each distinct Chinese character of the title, and of the whole article,
  once. A one-character query matches `chars` (title hits rank first through `tchars`).

The table is contentless (`content=''`): it holds the index only; texts are read from
`articles`. A contentless FTS5 row is deleted by repeating the values it was indexed with,
which store.py does from the old version it reads anyway before an update.

On PostgreSQL the same tokens go into a tsvector (search_doc, GIN-indexed) and a query into
the tsquery of the same terms (tsquery_expression): the same articles match. Everything the
two databases spell differently about search is in this module. The query language itself
(what a query means, exactly) is crawler/db/query.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import add
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Text,
    and_,
    cast,
    event,
    exists,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased
from sqlalchemy.sql import column, table

from crawler.db.models import Article, ArticleRegion, Base
from crawler.db.query import HAN_CHARS, BadQuery, Pattern, Query, article_text, is_han, parse

__all__ = ["BadQuery", "Query", "parse"]  # the query language lives in crawler.db.query

SEARCH_TABLE = "article_search"
RANK_WEIGHTS = (5.0, 1.0, 5.0, 0.5)  # bm25 weights of title, body, tchars, chars
RANK_ALL_MAX = 600  # more candidates: title hits first, then newest first (BM25 costs ~15 µs a candidate)
SNIPPET_CHARS = 36  # characters of context on each side of the first hit
MARK = ("【", "】")  # around each hit in a snippet

_RUNS = re.compile(r"[^\W_]+")
_HAN = re.compile(f"([{HAN_CHARS}]+)")

_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE} USING fts5("
    "title, body, tchars, chars, content='', tokenize='unicode61 remove_diacritics 0')"
)


_PG_DDL = (
    f"CREATE TABLE IF NOT EXISTS {SEARCH_TABLE} (article_id INTEGER NOT NULL, doc TSVECTOR NOT NULL, "
    f"CONSTRAINT pk_{SEARCH_TABLE} PRIMARY KEY (article_id), "
    f"CONSTRAINT fk_{SEARCH_TABLE}_article_id_articles FOREIGN KEY (article_id) REFERENCES articles (id))",
    f"CREATE INDEX IF NOT EXISTS ix_{SEARCH_TABLE}_doc ON {SEARCH_TABLE} USING gin (doc)",
)
# PostgreSQL: a tsvector written as a literal ('乡村':1A …), so no text-search parser or locale is
# involved. Weights name the FTS5 columns: A title, B tchars, C body, D chars.
PG_MAX_POSITION = 16_383  # tsvector positions stop here
PG_MAX_POSITIONS = 256  # positions kept per lexeme
PG_MAX_LEXEME = 2_046  # bytes; a longer "word" is left out of the PostgreSQL index
PG_RANK_WEIGHTS = "{0.05, 0.1, 0.5, 0.5}"  # ts_rank weights of D, C, B, A


@event.listens_for(Base.metadata, "after_create")
def _create_search_table(target: Any, connection: Connection, **kw: Any) -> None:
    """Create the search index beside the tables: FTS5 on SQLite, a tsvector table on PostgreSQL."""
    if connection.dialect.name == "postgresql":
        for statement in _PG_DDL:
            connection.execute(text(statement))
        return
    if connection.dialect.name != "sqlite":
        return
    known = connection.execute(
        text("SELECT 1 FROM sqlite_master WHERE name = :name"), {"name": SEARCH_TABLE}
    ).first()
    if known is None:
        connection.execute(text(_DDL))
        weights = ", ".join(str(w) for w in RANK_WEIGHTS)
        connection.execute(
            text(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rank) VALUES ('rank', 'bm25({weights})')")
        )


# --- tokens ---------------------------------------------------------------------------------


def _pieces(run: str) -> Iterator[tuple[bool, str]]:
    """A run of word characters as (is_chinese, piece) in order."""
    for index, piece in enumerate(_HAN.split(run)):
        if piece:
            yield index % 2 == 1, piece if index % 2 else piece.lower()


def tokens(text_: str) -> list[str]:
    """The bigram-and-word tokens of a text, in order."""
    out: list[str] = []
    for run in _RUNS.findall(text_):
        for chinese, piece in _pieces(run):
            if chinese:
                out += map(add, piece, piece[1:])  # overlapping bigrams
            else:
                out.append(piece)
    return out


def han_chars(text_: str) -> str:
    """Each distinct Chinese character of a text once, space-separated."""
    return " ".join(dict.fromkeys("".join(_HAN.findall(text_))))


def search_row(article_id: int, title: str, subtitle: str | None, body: str) -> dict[str, Any]:
    """The FTS row of an article."""
    heading = f"{title}\n{subtitle or ''}"
    return {
        "rowid": article_id,
        "title": " ".join(tokens(heading)),
        "body": " ".join(tokens(body)),
        "tchars": han_chars(heading),
        "chars": han_chars(f"{heading}\n{body}"),
    }


def search_doc(title: str, subtitle: str | None, body: str) -> str:
    """The PostgreSQL tsvector literal of an article: the tokens of search_row, with positions."""
    heading = f"{title}\n{subtitle or ''}"
    places: dict[str, list[str]] = {}

    def add_(token: str, place: str) -> None:
        kept = places.setdefault(token, [])
        if len(kept) < PG_MAX_POSITIONS and len(token.encode()) <= PG_MAX_LEXEME:
            kept.append(place)

    title_tokens = tokens(heading)
    for position, token in enumerate(title_tokens, 1):
        add_(token, f"{min(position, PG_MAX_POSITION)}A")
    start = len(title_tokens) + 2  # a gap: no phrase spans the title and the body
    for position, token in enumerate(tokens(body), start):
        add_(token, f"{min(position, PG_MAX_POSITION)}C")
    for char in han_chars(heading).split():
        add_(char, "1B")
    for char in han_chars(f"{heading}\n{body}").split():
        add_(char, "2D")
    return " ".join(f"'{token}':{','.join(kept)}" for token, kept in places.items() if kept)


_PG_UPSERT = text(
    f"INSERT INTO {SEARCH_TABLE} (article_id, doc) VALUES (:article_id, CAST(:doc AS tsvector)) "
    "ON CONFLICT (article_id) DO UPDATE SET doc = excluded.doc"
)
_INSERT = text(
    f"INSERT INTO {SEARCH_TABLE}(rowid, title, body, tchars, chars) "
    "VALUES (:rowid, :title, :body, :tchars, :chars)"
)
_DELETE = text(
    f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, title, body, tchars, chars) "
    "VALUES ('delete', :rowid, :title, :body, :tchars, :chars)"
)


def index_articles(conn: Connection, rows: Sequence[tuple[int, str, str | None, str]]) -> None:
    """Add (id, title, subtitle, body) rows to the index: one executemany."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(_PG_UPSERT, [{"article_id": row[0], "doc": search_doc(*row[1:])} for row in rows])
    else:
        conn.execute(_INSERT, [search_row(*row) for row in rows])


def unindex_articles(conn: Connection, rows: Sequence[tuple[int, str, str | None, str]]) -> None:
    """Take (id, title, subtitle, body) rows, as they were indexed, out of the index."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"DELETE FROM {SEARCH_TABLE} WHERE article_id = :id"), [{"id": r[0]} for r in rows])
    else:
        conn.execute(_DELETE, [search_row(*row) for row in rows])


def rebuild_index(conn: Connection) -> int:
    """Index every article afresh (after a change of the tokens); the number indexed."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"DELETE FROM {SEARCH_TABLE}"))
    else:
        conn.execute(text(f"DROP TABLE IF EXISTS {SEARCH_TABLE}"))
        _create_search_table(None, conn)
    done = 0
    stmt = select(Article.id, Article.title, Article.subtitle, Article.body).execution_options(yield_per=2000)
    for part in conn.execute(stmt).partitions():
        index_articles(conn, [tuple(row) for row in part])
        done += len(part)
    return done


# --- filters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleFilter:
    """What `search`, `export` and `reclean` narrow the archive with; None = any."""

    since: datetime | None = None  # published at or after
    until: datetime | None = None  # published before
    site: str | None = None  # host (with port when not the default)
    source: str | None = None  # 来源, substring
    author: str | None = None  # 作者, substring
    region: str | None = None  # a region's name (prefix: 贵州 finds 贵州省) or 6-digit code

    def clauses(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.since is not None:
            found.append(Article.published_at >= self.since)
        if self.until is not None:
            found.append(Article.published_at < self.until)
        if self.site:
            found.append(Article.site == self.site)
        if self.source:
            found.append(Article.source.contains(self.source, autoescape=True))
        if self.author:
            found.append(Article.author.contains(self.author, autoescape=True))
        if self.region:
            found.append(_region_clause(self.region))
        return found


def _region_clause(region: str) -> ColumnElement[bool]:
    """The article is about the region (article_regions: a name's prefix, or the 6-digit code)."""
    about = aliased(ArticleRegion)  # its own alias: the outer query may join article_regions too
    named = about.name.startswith(region, autoescape=True) | (about.code == region)
    return exists(select(1).where(about.article_id == Article.id, named))


# --- queries --------------------------------------------------------------------------------
#
# A query (crawler/db/query.py) is answered in up to three steps:
# 1. the index gives the candidates: each word becomes the phrase of its tokens (and its lone
#    Chinese characters, which have no bigram), words AND, alternatives OR; an excluded word is
#    a NOT only where the index decides it exactly;
# 2. where the index is exact for every word (one or two Chinese characters, one Latin word or
#    number), that is the answer; where every word is Chinese, SQL decides among the candidates
#    (instr() on title, kicker and body), in the same statement;
# 3. otherwise (phrases, 90后, 2.3万亩, 5G基站) Python decides on each candidate's text with
#    Query.matches, the rule itself.


def _is_han_word(word: str) -> bool:
    return all(is_han(char) for char in word)


def _index_exact(pattern: Pattern) -> bool:
    """Whether the index alone finds exactly the texts holding this word."""
    if len(pattern.words) != 1:
        return False
    word = pattern.words[0]
    if _is_han_word(word):
        return len(word) <= 2
    return _RUNS.fullmatch(word) is not None and not _HAN.search(word)


def _word_parts(word: str) -> tuple[list[str], list[str]]:
    """(the phrase of tokens, the lone Chinese characters) that every text holding `word` has."""
    lone = [piece for run in _RUNS.findall(word) for han, piece in _pieces(run) if han and len(piece) == 1]
    return tokens(word), lone


def _fts_pattern(pattern: Pattern, title_only: bool) -> str:
    single, phrases = ("{tchars}", "{title}") if title_only else ("{tchars chars}", "{title body}")
    parts = []
    for word in pattern.words:
        phrase, lone = _word_parts(word)
        if phrase:
            parts.append(f'{phrases} : "' + " ".join(phrase) + '"')
        parts += [f'{single} : "{char}"' for char in lone]
    return "(" + " AND ".join(dict.fromkeys(parts)) + ")"


def _ts_pattern(pattern: Pattern, title_only: bool) -> str:
    single, phrases = ("B", "A") if title_only else ("BD", "AC")
    parts = []
    for word in pattern.words:
        phrase, lone = _word_parts(word)
        if phrase:
            parts.append("(" + " <-> ".join(f"'{token}':{phrases}" for token in phrase) + ")")
        parts += [f"'{char}':{single}" for char in lone]
    return " & ".join(dict.fromkeys(parts))


def _expression(query: Query, postgresql: bool, *, title_only: bool = False) -> str:
    """The index expression of the candidates (FTS5 MATCH, or a PostgreSQL tsquery)."""
    render, and_, or_ = (_ts_pattern, " & ", " | ") if postgresql else (_fts_pattern, " AND ", " OR ")
    alternatives = []
    for alternative in query.alternatives:
        wanted = and_.join(dict.fromkeys(render(p, title_only) for p in alternative if not p.negated))
        excluded = [render(p, False) for p in alternative if p.negated and _index_exact(p)]
        if excluded and postgresql:
            wanted = f"({wanted})" + "".join(f" & !({e})" for e in excluded)
        elif excluded:
            wanted = f"({wanted})" + "".join(f" NOT {e}" for e in excluded)
        alternatives.append(wanted if len(query.alternatives) == 1 else f"({wanted})")
    return or_.join(alternatives)


def match_expression(query: str, *, title_only: bool = False) -> str:
    """The FTS5 MATCH expression of a user's query's candidates; raises BadQuery.

    Nothing the user typed reaches FTS5 as syntax: only the tokens of words, quoted.
    `title_only` looks in the title and kicker only.
    """
    return _expression(parse(query), False, title_only=title_only)


def tsquery_expression(query: str, *, title_only: bool = False) -> str:
    """The PostgreSQL tsquery of match_expression: the same candidates over search_doc's weights."""
    return _expression(parse(query), True, title_only=title_only)


def query_terms(query: str) -> list[str]:
    """The words of a query that a snippet marks (lower-cased, excluded ones left out)."""
    return parse(query).terms


@dataclass(frozen=True)
class _Plan:
    """How a query is answered: the index's candidates, then SQL or Python decides (or neither)."""

    expression: str
    title_expression: str  # the candidates holding a wanted word in the title (ranked first when many)
    refine: ColumnElement[bool] | None  # SQL that decides exactly among the candidates
    verify: Query | None  # Python decides among the candidates (their texts are read)


def _plan(query: Query, postgresql: bool) -> _Plan:
    expression = _expression(query, postgresql)
    title_expression = _expression(query, postgresql, title_only=True)
    if any(p.negated for p in query.patterns):  # the title's words alone do not exclude what the body has
        title_expression = f"({expression}) & ({title_expression})" if postgresql else (
            f"({expression}) AND ({title_expression})"
        )
    patterns = query.patterns
    if all(_index_exact(p) for p in patterns):
        return _Plan(expression, title_expression, None, None)
    if all(len(p.words) == 1 and _is_han_word(p.words[0]) for p in patterns):
        position = func.strpos if postgresql else func.instr  # a Chinese word never spans two fields

        def holds(p: Pattern) -> ColumnElement[bool]:
            fields = (Article.title, func.coalesce(Article.subtitle, ""), Article.body)
            found = or_(*[position(field, p.words[0]) > 0 for field in fields])
            return not_(found) if p.negated else found

        refine = or_(*[and_(*[holds(p) for p in alternative]) for alternative in query.alternatives])
        return _Plan(expression, title_expression, refine, None)
    return _Plan(expression, title_expression, None, query)


def _fts_match(expression: str) -> tuple[Any, Any, Any, Any]:
    """SQLite: (index, its article id, the match clause, bm25 rank: lower is better)."""
    fts = table(SEARCH_TABLE, column("rowid"), column("rank"))
    return (
        fts,
        fts.c.rowid,
        text(f"{SEARCH_TABLE} MATCH :expression").bindparams(expression=expression),
        fts.c.rank,
    )


def _pg_match(expression: str) -> tuple[Any, Any, Any, Any]:
    """PostgreSQL: (index, its article id, the @@ clause, minus ts_rank: lower is better)."""
    index = table(SEARCH_TABLE, column("article_id"), column("doc"))
    wanted = cast(literal(expression, Text), postgresql.TSQUERY)
    weights = literal_column(f"'{PG_RANK_WEIGHTS}'::float4[]")
    rank = -func.ts_rank(weights, index.c.doc, wanted)
    return index, index.c.article_id, index.c.doc.bool_op("@@")(wanted), rank


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


def _matching(conn: Connection, query: Query, where: ArticleFilter | None) -> Any:
    """SELECT id, cluster, title, kicker, body of the candidates that SQL does not rule out, and the plan."""
    postgresql = conn.dialect.name == "postgresql"
    plan = _plan(query, postgresql)
    index, rowid, matching, _ = (_pg_match if postgresql else _fts_match)(plan.expression)
    cluster = func.coalesce(Article.cluster_id, Article.id)
    clauses = [matching, *(where or ArticleFilter()).clauses()]
    if plan.refine is not None:
        clauses.append(plan.refine)
    texts = [Article.title, Article.subtitle, Article.body] if plan.verify else []
    stmt = select(Article.id, cluster, *texts).select_from(index).join(Article, Article.id == rowid)
    return stmt.where(*clauses), plan


def count_hits(conn: Connection, query: str | Query, where: ArticleFilter | None = None) -> HitCount:
    """How many articles, and mirror clusters, match the query (with the filters); raises BadQuery."""
    parsed = _parsed(query)
    stmt, plan = _matching(conn, parsed, where)
    if plan.verify is None and plan.refine is None and not (where or ArticleFilter()).clauses():
        # The index alone decides: its ids, and their clusters read from the small index on
        # cluster_id (SQLite would otherwise read each matching row, body and all, for it).
        index, rowid, matching, _ = (_pg_match if conn.dialect.name == "postgresql" else _fts_match)(
            plan.expression
        )
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
    stmt, plan = _matching(conn, _parsed(query), where)
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
    postgresql = conn.dialect.name == "postgresql"
    plan = _plan(parsed, postgresql)
    matcher = _pg_match if postgresql else _fts_match
    index, rowid, matching, _ = matcher(plan.expression)
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
        index, rowid, matching, rank = matcher(pass_expression)
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


def snippet(body: str, terms: Iterable[str], *, width: int = SNIPPET_CHARS) -> str:
    """A piece of `body` around the first hit, each hit marked; the start of the body if none."""
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    flat = body.replace("\n", " ")
    lowered = flat.lower()
    first = min((i for w in words if (i := lowered.find(w)) >= 0), default=-1)
    if first < 0:
        return flat[: 2 * width] + ("…" if len(flat) > 2 * width else "")
    start, end = max(0, first - width), min(len(flat), first + width)
    piece = flat[start:end]
    if words:
        pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
        piece = pattern.sub(lambda m: f"{MARK[0]}{m.group()}{MARK[1]}", piece)
    return ("…" if start else "") + piece + ("…" if end < len(flat) else "")
