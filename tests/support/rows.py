"""Reading stored rows back: whole tables, one case with its trail, and the session marks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from sqlalchemy import select

from casework.store.database import Database
from casework.store.models import (
    Base,
    Case,
    CaseDeadline,
    CaseEvent,
    CaseEvidence,
    Pupil,
    PupilFinding,
    SessionMark,
)

# -- whole tables -------------------------------------------------------------------------

TableRows = dict[str, list[tuple[Any, ...]]]
Snapshot = Callable[[Database], TableRows]  # the `snapshot` fixture


def table_rows(db: Database) -> TableRows:
    """Every row of every table, each table ordered by its primary key."""
    with db.engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


# -- the stored case ----------------------------------------------------------------------


def _row(obj: Any, columns: Iterable[str]) -> dict[str, Any]:
    return {c: getattr(obj, c) for c in columns}


CASE_COLUMNS = [c.name for c in Case.__table__.columns]
EVENT_COLUMNS = [c.name for c in CaseEvent.__table__.columns]
EVIDENCE_COLUMNS = [c.name for c in CaseEvidence.__table__.columns]
DEADLINE_COLUMNS = [c.name for c in CaseDeadline.__table__.columns]


def case_row(db: Database, case_id: int) -> dict[str, Any]:
    with db.transaction() as session:
        return _row(session.get_one(Case, case_id), CASE_COLUMNS)


def events(db: Database, case_id: int) -> list[dict[str, Any]]:
    with db.transaction() as session:
        return [
            _row(e, EVENT_COLUMNS)
            for e in session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
            )
        ]


def transitions(db: Database, case_id: int) -> list[dict[str, Any]]:
    return [e for e in events(db, case_id) if e["action"] == "transition"]


def evidence_rows(db: Database, case_id: int) -> list[dict[str, Any]]:
    with db.transaction() as session:
        return [
            _row(e, EVIDENCE_COLUMNS)
            for e in session.scalars(
                select(CaseEvidence)
                .where(CaseEvidence.case_id == case_id)
                .order_by(CaseEvidence.id)
            )
        ]


def deadlines(db: Database, case_id: int, status: str | None = None) -> list[dict[str, Any]]:
    with db.transaction() as session:
        query = select(CaseDeadline).where(CaseDeadline.case_id == case_id)
        if status:
            query = query.where(CaseDeadline.status == status)
        return [_row(d, DEADLINE_COLUMNS) for d in session.scalars(query.order_by(CaseDeadline.id))]


def open_deadlines(db: Database, case_id: int) -> dict[str, date]:
    return {d["name"]: d["due_on"] for d in deadlines(db, case_id, "open")}


def case_snapshot(db: Database, case_id: int) -> dict[str, Any]:
    """The case row, its evidence, deadlines and events: what a refused action must not touch."""
    return {
        "case": case_row(db, case_id),
        "evidence": evidence_rows(db, case_id),
        "deadlines": deadlines(db, case_id),
        "events": events(db, case_id),
    }


def pupil_row(db: Database, pupil_upn: str) -> dict[str, Any]:
    """The stored pupil (the leaving date a deletion from roll sets, say)."""
    with db.transaction() as session:
        pupil = session.scalars(select(Pupil).where(Pupil.upn == pupil_upn)).one()
        return _row(pupil, [c.name for c in Pupil.__table__.columns])


def pupil_findings(db: Database, pupil_upn: str) -> list[dict[str, Any]]:
    """The stored findings that opened no case for the pupil, oldest first."""
    with db.transaction() as session:
        query = (
            select(PupilFinding)
            .join(Pupil, Pupil.id == PupilFinding.pupil_id)
            .where(Pupil.upn == pupil_upn)
            .order_by(PupilFinding.id)
        )
        columns = [c.name for c in PupilFinding.__table__.columns]
        return [_row(f, columns) for f in session.scalars(query)]


def cases_of(db: Database, pupil_upn: str, kind: str | None = None) -> list[dict[str, Any]]:
    with db.transaction() as session:
        query = select(Case).join(Pupil, Pupil.id == Case.pupil_id).where(Pupil.upn == pupil_upn)
        if kind:
            query = query.where(Case.kind == kind)
        return [_row(c, CASE_COLUMNS) for c in session.scalars(query.order_by(Case.id))]


# -- session marks ------------------------------------------------------------------------

StoredMarks = dict[tuple[str, date, str], tuple[str, int | None, str | None]]


def stored_marks(db: Database, *, no_comment: str | None = None) -> StoredMarks:
    """Every stored mark: (upn, date, session) -> (code, minutes late, comment or no_comment)."""
    with db.transaction() as session:
        rows = session.execute(
            select(
                Pupil.upn,
                SessionMark.date,
                SessionMark.session,
                SessionMark.code,
                SessionMark.minutes_late,
                SessionMark.comment,
            ).join(Pupil, Pupil.id == SessionMark.pupil_id)
        )
        return {(u, d, s): (c, m, no_comment if n is None else n) for u, d, s, c, m, n in rows}
