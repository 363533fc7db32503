"""pupil findings: the sweep's findings that open no case, kept once per occurrence

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08 08:00:00
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
        "pupil_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("began", sa.Date(), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("staff_reason", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.ForeignKeyConstraint(["pupil_id"], ["pupil.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pupil_id", "rule", "began"),
    )
    op.create_index("ix_pupil_finding_school_found", "pupil_finding", ["school_id", "found_on"])


def downgrade() -> None:
    op.drop_table("pupil_finding")
