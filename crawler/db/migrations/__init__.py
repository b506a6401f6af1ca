"""Alembic migrations of the archive (env.py, versions/), configured in code by crawler.db.schema."""
