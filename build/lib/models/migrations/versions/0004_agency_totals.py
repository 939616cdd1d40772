"""agency_totals and agency_days, back-filled from achievements

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agency_totals",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("achieved", sa.Integer(), nullable=False),
        sa.Column("registered", sa.Integer(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("last_report_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_agency_totals_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("agency_id", "year", name=op.f("pk_agency_totals")),
    )
    op.create_table(
        "agency_days",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("jobs", sa.Integer(), nullable=False),
        sa.Column("registered", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_agency_days_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("agency_id", "year", "day", name=op.f("pk_agency_days")),
    )
    op.create_index("ix_achievements_year_created", "achievements", ["year", "created_at"])
    registered = "SUM(CASE WHEN rasad_registered THEN jobs ELSE 0 END)"
    op.execute(
        "INSERT INTO agency_totals (agency_id, year, achieved, registered, reports, last_report_at) "
        f"SELECT agency_id, year, SUM(jobs), {registered}, COUNT(*), MAX(created_at) "
        "FROM achievements GROUP BY agency_id, year"
    )
    op.execute(
        "INSERT INTO agency_days (agency_id, year, day, jobs, registered) "
        f"SELECT agency_id, year, created_on, SUM(jobs), {registered} "
        "FROM achievements GROUP BY agency_id, year, created_on"
    )


def downgrade() -> None:
    op.drop_index("ix_achievements_year_created", "achievements")
    op.drop_table("agency_days")
    op.drop_table("agency_totals")
