"""letters: drafted letters and the PDFs of those sent

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("finding_id", sa.Integer(), nullable=True),
        sa.Column("template", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("addressee", sa.String(length=200), nullable=False),
        sa.Column("addressee_kind", sa.String(length=10), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("letter_date", sa.Date(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drafted_by", sa.String(length=100), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_by", sa.String(length=100), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.ForeignKeyConstraint(["pupil_id"], ["pupil.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["casefile.id"]),
        sa.ForeignKeyConstraint(["finding_id"], ["pupil_finding.id"]),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"]),
        sa.ForeignKeyConstraint(["evidence_id"], ["case_evidence.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_letter_school_status", "letter", ["school_id", "status"])
    op.create_index(op.f("ix_letter_pupil_id"), "letter", ["pupil_id"])
    op.create_index(op.f("ix_letter_case_id"), "letter", ["case_id"])
    op.create_table(
        "letter_pdf",
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["letter_id"], ["letter.id"]),
        sa.PrimaryKeyConstraint("letter_id"),
    )
    # A sent letter's PDF is what the family received: the database refuses to change it.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION letter_pdf_write_once() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'letter_pdf is written once: % refused', TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER letter_pdf_write_once BEFORE UPDATE OR DELETE ON letter_pdf "
            "FOR EACH ROW EXECUTE FUNCTION letter_pdf_write_once()"
        )
        op.execute(
            "CREATE TRIGGER letter_pdf_no_truncate BEFORE TRUNCATE ON letter_pdf "
            "FOR EACH STATEMENT EXECUTE FUNCTION letter_pdf_write_once()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER letter_pdf_no_{action.lower()} BEFORE {action} ON letter_pdf "
                f"BEGIN SELECT RAISE(ABORT, 'letter_pdf is written once: {action} refused'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS letter_pdf_no_truncate ON letter_pdf")
        op.execute("DROP TRIGGER IF EXISTS letter_pdf_write_once ON letter_pdf")
        op.execute("DROP FUNCTION IF EXISTS letter_pdf_write_once()")
    op.drop_table("letter_pdf")
    op.drop_index(op.f("ix_letter_case_id"), table_name="letter")
    op.drop_index(op.f("ix_letter_pupil_id"), table_name="letter")
    op.drop_index("ix_letter_school_status", table_name="letter")
    op.drop_table("letter")
