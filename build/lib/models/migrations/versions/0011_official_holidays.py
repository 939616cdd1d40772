"""holidays.official and holidays.estimated: the official calendar seeded for each reporting year

A seeded day is official; a lunar one is an estimate (the official calendar is announced yearly), so it is
shown as such. Days an admin adds are neither.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("holidays", sa.Column("official", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("holidays", sa.Column("estimated", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    # Plain DROP COLUMNs (SQLite 3.35+), as 0010's: no table rebuild.
    op.drop_column("holidays", "estimated")
    op.drop_column("holidays", "official")
