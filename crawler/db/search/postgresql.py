"""Full-text search on PostgreSQL: the tokens of crawler/db/search/tokens.py as a tsvector.

The table article_search (article_id, doc) holds a GIN-indexed tsvector written as a literal
('乡村':1A …), so no text-search parser or locale is involved; a query becomes the tsquery of
the same terms, so the same articles match as on SQLite. Weights name the FTS5 columns:
A title, B tchars, C body, D chars. Rank: ts_rank with PG_RANK_WEIGHTS, negated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Text, cast, func, literal, literal_column, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql import column, table
from sqlalchemy.sql.expression import ColumnClause

from crawler.db.query import Pattern
from crawler.db.search.backend import SEARCH_TABLE, IndexRow, Match
from crawler.db.search.tokens import han_chars, heading, tokens, word_parts

PG_MAX_POSITION = 16_383  # tsvector positions stop here
PG_MAX_POSITIONS = 256  # positions kept per lexeme
PG_MAX_LEXEME = 2_046  # bytes; a longer "word" is left out of the PostgreSQL index
PG_RANK_WEIGHTS = "{0.05, 0.1, 0.5, 0.5}"  # ts_rank weights of D, C, B, A
AND, OR = " & ", " | "

_DDL = (
    f"CREATE TABLE IF NOT EXISTS {SEARCH_TABLE} (article_id INTEGER NOT NULL, doc TSVECTOR NOT NULL, "
    f"CONSTRAINT pk_{SEARCH_TABLE} PRIMARY KEY (article_id), "
    f"CONSTRAINT fk_{SEARCH_TABLE}_article_id_articles FOREIGN KEY (article_id) REFERENCES articles (id))",
    f"CREATE INDEX IF NOT EXISTS ix_{SEARCH_TABLE}_doc ON {SEARCH_TABLE} USING gin (doc)",
)
_UPSERT = text(
    f"INSERT INTO {SEARCH_TABLE} (article_id, doc) VALUES (:article_id, CAST(:doc AS tsvector)) "
    "ON CONFLICT (article_id) DO UPDATE SET doc = excluded.doc"
)


def create(conn: Connection) -> None:
    for statement in _DDL:
        conn.execute(text(statement))


def clear(conn: Connection) -> None:
    conn.execute(text(f"DELETE FROM {SEARCH_TABLE}"))


def search_doc(title: str, subtitle: str | None, body: str) -> str:
    """The tsvector literal of an article: the tokens of the FTS5 row, with positions."""
    head = heading(title, subtitle)
    places: dict[str, list[str]] = {}

    def add_(token: str, place: str) -> None:
        kept = places.setdefault(token, [])
        if len(kept) < PG_MAX_POSITIONS and len(token.encode()) <= PG_MAX_LEXEME:
            kept.append(place)

    title_tokens = tokens(head)
    for position, token in enumerate(title_tokens, 1):
        add_(token, f"{min(position, PG_MAX_POSITION)}A")
    start = len(title_tokens) + 2  # a gap: no phrase spans the title and the body
    for position, token in enumerate(tokens(body), start):
        add_(token, f"{min(position, PG_MAX_POSITION)}C")
    for char in han_chars(head).split():
        add_(char, "1B")
    for char in han_chars(f"{head}\n{body}").split():
        add_(char, "2D")
    return " ".join(f"'{token}':{','.join(kept)}" for token, kept in places.items() if kept)


def index(conn: Connection, rows: Sequence[IndexRow]) -> None:
    conn.execute(_UPSERT, [{"article_id": row[0], "doc": search_doc(*row[1:])} for row in rows])


def unindex(conn: Connection, rows: Sequence[IndexRow]) -> None:
    conn.execute(text(f"DELETE FROM {SEARCH_TABLE} WHERE article_id = :id"), [{"id": r[0]} for r in rows])


def pattern(pattern: Pattern, title_only: bool) -> str:
    """The tsquery of one word or phrase: the phrase of its tokens, & its lone characters."""
    single, phrases = ("B", "A") if title_only else ("BD", "AC")
    parts = []
    for word in pattern.words:
        phrase, lone = word_parts(word)
        if phrase:
            parts.append("(" + " <-> ".join(f"'{token}':{phrases}" for token in phrase) + ")")
        parts += [f"'{char}':{single}" for char in lone]
    return " & ".join(dict.fromkeys(parts))


def exclude(wanted: str, excluded: Sequence[str]) -> str:
    return f"({wanted})" + "".join(f" & !({e})" for e in excluded)


def match(expression: str) -> Match:
    """(index, its article id, the @@ clause, minus ts_rank: lower is better)."""
    docs = table(SEARCH_TABLE, column("article_id"), column("doc"))
    wanted = cast(literal(expression, Text), postgresql.TSQUERY)
    weights: ColumnClause[Any] = literal_column(f"'{PG_RANK_WEIGHTS}'::float4[]")
    rank = -func.ts_rank(weights, docs.c.doc, wanted)
    return Match(docs, docs.c.article_id, docs.c.doc.bool_op("@@")(wanted), rank)


def contains(field: ColumnElement[str] | QueryableAttribute[str], word: str) -> ColumnElement[bool]:
    return func.strpos(field, word) > 0
