"""county_commitments

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "county_commitments",
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_county_commitments_region_id_regions")
        ),
        sa.PrimaryKeyConstraint("region_id", "year", name=op.f("pk_county_commitments")),
    )


def downgrade() -> None:
    op.drop_table("county_commitments")
