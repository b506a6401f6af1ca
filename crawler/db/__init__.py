"""The archive: typed models, engine factory, upserts, mirror clusters and search (SQLite by default)."""

from crawler.db import search  # noqa: F401  (creates the search index beside the tables)
from crawler.db.engine import make_engine
from crawler.db.models import (
    Article,
    ArticleBand,
    ArticleFingerprint,
    ArticleRegion,
    ArticleRevision,
    ArticleUrl,
    Base,
    CrawlRun,
    PageValidator,
    RawPage,
)

__all__ = [
    "Article",
    "ArticleBand",
    "ArticleFingerprint",
    "ArticleRegion",
    "ArticleRevision",
    "ArticleUrl",
    "Base",
    "CrawlRun",
    "PageValidator",
    "RawPage",
    "make_engine",
]
