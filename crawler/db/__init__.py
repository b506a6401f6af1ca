"""The archive: typed models, engine factory and upserts (SQLite by default)."""

from crawler.db.engine import make_engine
from crawler.db.models import Article, Base, RawPage

__all__ = ["Article", "Base", "RawPage", "make_engine"]
