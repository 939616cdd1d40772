"""achievements: one index for an agency's reports of a year, newest first

The agency's recent reports (/status, /agency, reminders) filter by agency and year and order by time.
With only (agency_id, year) and (year, created_at) to choose from, SQLite picked the second and scanned
the whole year: ~100 ms per agency at 100,000 achievements. (agency_id, year, created_at, id) serves the
filter and the order; it also covers every use of the old (agency_id, year) index, which goes.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_achievements_agency_year_created", "achievements", ["agency_id", "year", "created_at", "id"]
    )
    op.drop_index("ix_achievements_agency_year", table_name="achievements")


def downgrade() -> None:
    op.create_index("ix_achievements_agency_year", "achievements", ["agency_id", "year"])
    op.drop_index("ix_achievements_agency_year_created", table_name="achievements")
