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
    op.add_column("accounts", sa.Column("pending_receipt", sa.Integer(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the table, and with it, through
    # ON DELETE CASCADE, every draft and outbox row of its accounts.
    op.drop_column("accounts", "pending_receipt")
