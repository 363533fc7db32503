"""dense register: each pupil's school year of codes as one byte per session, beside the marks

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 15:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "register_year",
        sa.Column("pupil_id", sa.Integer(), sa.ForeignKey("pupil.id"), primary_key=True),
        sa.Column("year_start", sa.Date(), primary_key=True),
        sa.Column("codes", sa.LargeBinary(), nullable=False),
    )
    # The marks already stored, projected once (what `casework register rebuild` does).
    from casework.store.projection import rebuild

    session = Session(bind=op.get_bind())
    rebuild(session)
    session.flush()


def downgrade() -> None:
    op.drop_table("register_year")
