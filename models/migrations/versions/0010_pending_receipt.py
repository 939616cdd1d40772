"""accounts.pending_receipt: a report saved whose "saved" reply has not yet reached the user

Set in the transaction that saves the report, cleared once "saved" is sent. A process killed in between
leaves it set, and the user's next message is answered first with what was saved.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("pending_receipt", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("pending_receipt")
