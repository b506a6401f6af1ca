"""The health verdict of a run: crawl_runs.verdict (ok, degraded, failed) and crawl_runs.health.

Revision ID: 0003_run_health
Revises: 0002_research
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_run_health"
down_revision = "0002_research"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("verdict", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("health", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("health")
        batch.drop_column("verdict")
