"""obstacles with their threads, evidence attachments, catch-up plans

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "obstacles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("help_needed", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_obstacles_agency_id_agencies")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_obstacles_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obstacles")),
    )
    op.create_index(op.f("ix_obstacles_agency_status"), "obstacles", ["agency_id", "status"])
    op.create_table(
        "obstacle_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("obstacle_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["obstacle_id"], ["obstacles.id"], name=op.f("fk_obstacle_messages_obstacle_id_obstacles")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_obstacle_messages_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obstacle_messages")),
    )
    op.create_index(op.f("ix_obstacle_messages_obstacle_id"), "obstacle_messages", ["obstacle_id"])
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("file_id", sa.String(length=250), nullable=False),
        sa.Column("file_unique_id", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("mime", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    op.create_index(op.f("ix_attachments_entity"), "attachments", ["entity", "entity_id"])
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("months", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("comment", sa.String(length=1000), nullable=True),
        sa.Column("decided_by_person_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_plans_agency_id_agencies")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_plans_person_id_people")),
        sa.ForeignKeyConstraint(
            ["decided_by_person_id"], ["people.id"], name=op.f("fk_plans_decided_by_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )
    op.create_index(op.f("ix_plans_agency_year"), "plans", ["agency_id", "year"])


def downgrade() -> None:
    op.drop_table("plans")
    op.drop_table("attachments")
    op.drop_table("obstacle_messages")
    op.drop_table("obstacles")
