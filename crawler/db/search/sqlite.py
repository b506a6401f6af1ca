"""Full-text search on SQLite: an FTS5 table of the tokens of crawler/db/search/tokens.py.

Columns `title`, `body`: the bigram-and-word tokens of the title and kicker, and of the body;
`tchars`, `chars`: each distinct Chinese character of the title, and of the whole article. The
table is contentless (`content=''`): it holds the index only; texts are read from `articles`.
A contentless FTS5 row is deleted by repeating the values it was indexed with, which store.py
does from the old version it reads anyway before an update. Rank: bm25 with RANK_WEIGHTS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, text
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql import column, table

from crawler.db.query import Pattern
from crawler.db.search.backend import SEARCH_TABLE, IndexRow, Match
from crawler.db.search.tokens import han_chars, heading, tokens, word_parts

RANK_WEIGHTS = (5.0, 1.0, 5.0, 0.5)  # bm25 weights of title, body, tchars, chars
AND, OR = " AND ", " OR "

_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE} USING fts5("
    "title, body, tchars, chars, content='', tokenize='unicode61 remove_diacritics 0')"
)
_INSERT = text(
    f"INSERT INTO {SEARCH_TABLE}(rowid, title, body, tchars, chars) "
    "VALUES (:rowid, :title, :body, :tchars, :chars)"
)
_DELETE = text(
    f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, title, body, tchars, chars) "
    "VALUES ('delete', :rowid, :title, :body, :tchars, :chars)"
)


def create(conn: Connection) -> None:
    """Create the FTS5 table and set its ranking, unless it exists."""
    known = conn.execute(
        text("SELECT 1 FROM sqlite_master WHERE name = :name"), {"name": SEARCH_TABLE}
    ).first()
    if known is None:
        conn.execute(text(_DDL))
        weights = ", ".join(str(w) for w in RANK_WEIGHTS)
        conn.execute(
            text(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rank) VALUES ('rank', 'bm25({weights})')")
        )


def clear(conn: Connection) -> None:
    conn.execute(text(f"DROP TABLE IF EXISTS {SEARCH_TABLE}"))
    create(conn)


def search_row(article_id: int, title: str, subtitle: str | None, body: str) -> dict[str, Any]:
    """The FTS row of an article."""
    head = heading(title, subtitle)
    return {
        "rowid": article_id,
        "title": " ".join(tokens(head)),
        "body": " ".join(tokens(body)),
        "tchars": han_chars(head),
        "chars": han_chars(f"{head}\n{body}"),
    }


def index(conn: Connection, rows: Sequence[IndexRow]) -> None:
    conn.execute(_INSERT, [search_row(*row) for row in rows])


def unindex(conn: Connection, rows: Sequence[IndexRow]) -> None:
    conn.execute(_DELETE, [search_row(*row) for row in rows])


def pattern(pattern: Pattern, title_only: bool) -> str:
    """The FTS5 expression of one word or phrase: the phrase of its tokens, AND its lone characters."""
    single, phrases = ("{tchars}", "{title}") if title_only else ("{tchars chars}", "{title body}")
    parts = []
    for word in pattern.words:
        phrase, lone = word_parts(word)
        if phrase:
            parts.append(f'{phrases} : "' + " ".join(phrase) + '"')
        parts += [f'{single} : "{char}"' for char in lone]
    return "(" + " AND ".join(dict.fromkeys(parts)) + ")"


def exclude(wanted: str, excluded: Sequence[str]) -> str:
    return f"({wanted})" + "".join(f" NOT {e}" for e in excluded)


def match(expression: str) -> Match:
    """(index, its article id, the MATCH clause, bm25 rank: lower is better)."""
    fts = table(SEARCH_TABLE, column("rowid"), column("rank"))
    clause = text(f"{SEARCH_TABLE} MATCH :expression").bindparams(expression=expression)
    return Match(fts, fts.c.rowid, clause, fts.c.rank)


def contains(field: ColumnElement[str] | QueryableAttribute[str], word: str) -> ColumnElement[bool]:
    return func.instr(field, word) > 0
