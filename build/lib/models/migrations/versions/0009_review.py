"""review of achievements: versions, reviewer and reason on each achievement, approved totals;
reporting years opened by operators

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("achievements") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(sa.Column("reviewed_by_person_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("review_note", sa.String(length=1000), nullable=True))
        batch.create_foreign_key(
            op.f("fk_achievements_reviewed_by_person_id_people"), "people", ["reviewed_by_person_id"], ["id"]
        )
    with op.batch_alter_table("agency_totals") as batch:
        batch.add_column(sa.Column("approved", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("approved_registered", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "achievement_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["achievement_id"],
            ["achievements.id"],
            name=op.f("fk_achievement_versions_achievement_id_achievements"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_achievement_versions_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_achievement_versions")),
        sa.UniqueConstraint(
            "achievement_id", "version", name=op.f("uq_achievement_versions_achievement_id_version")
        ),
    )
    op.create_table(
        "reporting_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("opened_by", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_reporting_years")),
    )
    # Every achievement so far is its own first version.
    if op.get_bind().dialect.name == "postgresql":
        data = (
            "json_build_object('created_on', created_on::text, 'jobs', jobs, 'sector', sector, "
            "'title', title, 'rasad_registered', rasad_registered, 'tracking_code', tracking_code)"
        )
    else:
        data = (
            "json_object('created_on', created_on, 'jobs', jobs, 'sector', sector, 'title', title, "
            "'rasad_registered', json(CASE WHEN rasad_registered THEN 'true' ELSE 'false' END), "
            "'tracking_code', tracking_code)"
        )
    op.execute(
        "INSERT INTO achievement_versions (achievement_id, version, person_id, data, created_at) "
        f"SELECT id, 1, person_id, {data}, created_at FROM achievements"
    )


def downgrade() -> None:
    op.drop_table("reporting_years")
    op.drop_table("achievement_versions")
    with op.batch_alter_table("agency_totals") as batch:
        batch.drop_column("approved_registered")
        batch.drop_column("approved")
    with op.batch_alter_table("achievements") as batch:
        batch.drop_constraint(op.f("fk_achievements_reviewed_by_person_id_people"), type_="foreignkey")
        batch.drop_column("review_note")
        batch.drop_column("reviewed_at")
        batch.drop_column("reviewed_by_person_id")
        batch.drop_column("version")
