"""beneficiaries: optional name, mobile, gender, age group and job title from spreadsheets

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = (("name", 200), ("mobile", 20), ("gender", 10), ("age_group", 20), ("job_title", 100))


def upgrade() -> None:
    with op.batch_alter_table("beneficiaries") as batch:
        for name, length in COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length=length), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("beneficiaries") as batch:
        for name, _ in COLUMNS:
            batch.drop_column(name)
