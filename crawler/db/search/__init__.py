"""Full-text search of the archive, on SQLite (FTS5) and PostgreSQL (tsvector): the public entry.

- tokens.py: what the index holds (character bigrams, Latin words, lone characters), both databases;
- sqlite.py, postgresql.py: each database's index table, expressions and rank (a `Backend`);
- index.py: keeping the index in step with the articles (crawler.db.store calls it);
- lookup.py: answering a query: `search`, `count_hits`, `matching_ids`;
- filters.py: what every archive command narrows and shows results with (ArticleFilter, snippet).

The query language itself (what a query means, exactly) is crawler/db/query.py.
"""

from crawler.db.query import BadQuery  # what search, count_hits and matching_ids raise
from crawler.db.search.filters import ArticleFilter, query_terms, snippet
from crawler.db.search.index import index_articles, rebuild_index, unindex_articles
from crawler.db.search.lookup import Hit, HitCount, count_hits, matching_ids, search

__all__ = [
    "ArticleFilter",
    "BadQuery",
    "Hit",
    "HitCount",
    "count_hits",
    "index_articles",
    "matching_ids",
    "query_terms",
    "rebuild_index",
    "search",
    "snippet",
    "unindex_articles",
]
