"""What a database's full-text search provides: crawler/db/search/sqlite.py and postgresql.py are
the two implementations (modules), chosen per connection by crawler/db/search/index.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

from sqlalchemy import ColumnElement, Connection, TextClause
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.expression import ColumnClause, TableClause

from crawler.db.query import Pattern

SEARCH_TABLE = "article_search"

IndexRow = tuple[int, str, str | None, str]  # an article as the index reads it: id, title, kicker, body


class Match(NamedTuple):
    """The index's side of a query: `table` joined to articles on `rowid`, filtered by `clause`."""

    table: TableClause  # the index
    rowid: ColumnClause[Any]  # the article id
    clause: ColumnElement[bool] | TextClause  # the candidates of the expression
    rank: ColumnElement[Any]  # lower is better


class Backend(Protocol):
    """One database's full-text search (a module: crawler.db.search.sqlite or .postgresql)."""

    AND: str  # joins two index expressions
    OR: str

    def create(self, conn: Connection) -> None:
        """Create the index, if missing."""

    def clear(self, conn: Connection) -> None:
        """Leave the index empty (before it is rebuilt)."""

    def index(self, conn: Connection, rows: Sequence[IndexRow]) -> None:
        """Add articles to the index."""

    def unindex(self, conn: Connection, rows: Sequence[IndexRow]) -> None:
        """Take articles, as they were indexed, out of the index."""

    def pattern(self, pattern: Pattern, title_only: bool) -> str:
        """The index expression of the texts that may hold one word or phrase of a query."""

    def exclude(self, wanted: str, excluded: Sequence[str]) -> str:
        """`wanted` but none of `excluded`."""

    def match(self, expression: str) -> Match:
        """The index's candidates of an expression and their rank."""

    def contains(self, field: ColumnElement[str] | QueryableAttribute[str], word: str) -> ColumnElement[bool]:
        """SQL: the field holds the word (exactly, case-sensitively)."""
