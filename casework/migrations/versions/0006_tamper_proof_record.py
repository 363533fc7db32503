"""tamper-proof record: evidence and events can be neither changed, replaced nor emptied

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 14:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The record of what happened on a case, and the letters as they were sent: written once.
WRITTEN_ONCE = {
    "case_event": ("id", "(case_id = NEW.case_id AND seq = NEW.seq)"),
    "case_evidence": ("id", None),
    "letter_pdf": ("letter_id", None),
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION casework_written_once() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% is written once: % refused', TG_TABLE_NAME, TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        # case_event and letter_pdf refuse row changes already (0002, 0005); evidence now
        # too, and each of the three refuses TRUNCATE, which no row trigger sees.
        op.execute(
            "CREATE TRIGGER case_evidence_written_once BEFORE UPDATE OR DELETE ON case_evidence "
            "FOR EACH ROW EXECUTE FUNCTION casework_written_once()"
        )
        for table in ("case_event", "case_evidence"):
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION casework_written_once()"
            )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER case_evidence_no_{action.lower()} BEFORE {action} ON case_evidence "
            f"BEGIN SELECT RAISE(ABORT, 'case_evidence is written once: {action} refused'); END"
        )
    # SQLite's REPLACE (INSERT OR REPLACE) deletes the row it collides with without firing
    # its delete trigger: an insert that would collide is refused before it can replace.
    for table, (key, unique) in WRITTEN_ONCE.items():
        clash = f"{key} = NEW.{key}" + (f" OR {unique}" if unique else "")
        op.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {clash}) "
            f"BEGIN SELECT RAISE(ABORT, '{table} is written once: a replacing INSERT refused'); "
            "END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("case_event", "case_evidence"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP TRIGGER IF EXISTS case_evidence_written_once ON case_evidence")
        op.execute("DROP FUNCTION IF EXISTS casework_written_once()")
        return
    for action in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS case_evidence_no_{action}")
    for table in WRITTEN_ONCE:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
