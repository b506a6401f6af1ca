"""The archive: typed models, engine factory and upserts (SQLite by default)."""

from crawler.db.engine import make_engine
from crawler.db.models import Article, ArticleRevision, Base, CrawlRun, PageValidator, RawPage

__all__ = ["Article", "ArticleRevision", "Base", "CrawlRun", "PageValidator", "RawPage", "make_engine"]
