"""register core: schools, pupils, contacts, marks, amendments

Revision ID: 0001
Revises:
Create Date: 2026-11-23 00:59:21.765444
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("urn", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("la_code", sa.String(length=10), nullable=False),
        sa.Column("policy", sa.String(length=100), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("urn"),
    )
    op.create_table(
        "pupil",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("upn", sa.String(length=13), nullable=False),
        sa.Column("surname", sa.String(length=100), nullable=False),
        sa.Column("forename", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("year_group", sa.String(length=4), nullable=False),
        sa.Column("pupil_premium", sa.Boolean(), nullable=False),
        sa.Column("send", sa.Boolean(), nullable=False),
        sa.Column("ehcp", sa.Boolean(), nullable=False),
        sa.Column("looked_after", sa.Boolean(), nullable=False),
        sa.Column("social_worker", sa.Boolean(), nullable=False),
        sa.Column("admission_date", sa.Date(), nullable=True),
        sa.Column("leaving_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "upn"),
    )
    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pupil_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pupil_upn"), ["upn"], unique=False)

    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("relationship", sa.String(length=50), nullable=False),
        sa.Column("parental_responsibility", sa.Boolean(), nullable=False),
        sa.Column("lives_with_pupil", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pupil_id"],
            ["pupil.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pupil_id", "name"),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_pupil_id"), ["pupil_id"], unique=False)

    op.create_table(
        "mark_amendment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("session", sa.String(length=2), nullable=False),
        sa.Column("original_code", sa.String(length=2), nullable=False),
        sa.Column("original_minutes_late", sa.SmallInteger(), nullable=True),
        sa.Column("original_comment", sa.Text(), nullable=True),
        sa.Column("new_code", sa.String(length=2), nullable=False),
        sa.Column("new_minutes_late", sa.SmallInteger(), nullable=True),
        sa.Column("new_comment", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("amended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amended_by", sa.String(length=200), nullable=False),
        sa.Column("amended_by_position", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["pupil_id"],
            ["pupil.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("mark_amendment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mark_amendment_mark", ["pupil_id", "date", "session"], unique=False
        )

    op.create_table(
        "session_mark",
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("session", sa.String(length=2), nullable=False),
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("minutes_late", sa.SmallInteger(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.CheckConstraint("session IN ('AM', 'PM')", name="session_am_pm"),
        sa.ForeignKeyConstraint(
            ["pupil_id"],
            ["pupil.id"],
        ),
        sa.PrimaryKeyConstraint("pupil_id", "date", "session"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:

    op.drop_table("session_mark")
    with op.batch_alter_table("mark_amendment", schema=None) as batch_op:
        batch_op.drop_index("ix_mark_amendment_mark")

    op.drop_table("mark_amendment")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_pupil_id"))

    op.drop_table("contact")
    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pupil_upn"))
        batch_op.drop_index(batch_op.f("ix_pupil_school_id"))

    op.drop_table("pupil")
    op.drop_table("school")
