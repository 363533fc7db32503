"""cases: users, cases, evidence, deadlines, audit events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 01:06:54.512892
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("la_code", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "casefile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("entered_state_on", sa.Date(), nullable=False),
        sa.Column("la_visible", sa.Boolean(), nullable=False),
        sa.Column("parent_case_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_case_id"],
            ["casefile.id"],
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"],
            ["pupil.id"],
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("casefile", schema=None) as batch_op:
        batch_op.create_index(
            "ix_casefile_one_open",
            ["pupil_id", "kind"],
            unique=True,
            sqlite_where=sa.text(
                "closed_on IS NULL AND kind IN ('attendance_concern', 'missing_education')"
            ),
            postgresql_where=sa.text(
                "closed_on IS NULL AND kind IN ('attendance_concern', 'missing_education')"
            ),
        )
        batch_op.create_index(batch_op.f("ix_casefile_pupil_id"), ["pupil_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_casefile_school_id"), ["school_id"], unique=False)

    op.create_table(
        "case_deadline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("fires", sa.String(length=50), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("set_in_state", sa.String(length=40), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["casefile.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_deadline", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_deadline_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_case_deadline_open_due", ["status", "due_on"], unique=False)

    op.create_table(
        "case_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("supersede_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["casefile.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["case_evidence.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_evidence_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("on_day", sa.Date(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("trigger", sa.String(length=50), nullable=True),
        sa.Column("from_state", sa.String(length=40), nullable=True),
        sa.Column("to_state", sa.String(length=40), nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("position", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["casefile.id"],
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["case_evidence.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "seq"),
    )
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_event_case_id"), ["case_id"], unique=False)

    # The audit trail is append only: the database itself refuses to change or remove an event.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION case_event_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'case_event is append only: % refused', TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER case_event_append_only BEFORE UPDATE OR DELETE ON case_event "
            "FOR EACH ROW EXECUTE FUNCTION case_event_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER case_event_no_{action.lower()} BEFORE {action} ON case_event "
                f"BEGIN SELECT RAISE(ABORT, 'case_event is append only: {action} refused'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_event_append_only ON case_event")
        op.execute("DROP FUNCTION IF EXISTS case_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS case_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS case_event_no_delete")

    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_event_case_id"))

    op.drop_table("case_event")
    with op.batch_alter_table("case_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_evidence_case_id"))

    op.drop_table("case_evidence")
    with op.batch_alter_table("case_deadline", schema=None) as batch_op:
        batch_op.drop_index("ix_case_deadline_open_due")
        batch_op.drop_index(batch_op.f("ix_case_deadline_case_id"))

    op.drop_table("case_deadline")
    with op.batch_alter_table("casefile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_casefile_school_id"))
        batch_op.drop_index(batch_op.f("ix_casefile_pupil_id"))
        batch_op.drop_index(
            "ix_casefile_one_open",
            sqlite_where=sa.text(
                "closed_on IS NULL AND kind IN ('attendance_concern', 'missing_education')"
            ),
            postgresql_where=sa.text(
                "closed_on IS NULL AND kind IN ('attendance_concern', 'missing_education')"
            ),
        )

    op.drop_table("casefile")
    op.drop_table("app_user")
