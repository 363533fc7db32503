"""Loading what a case's guards read: the case, its evidence, the pupil and the register today."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.machines import lifecycle_of, related_facts
from casework.machines.lifecycle import (
    CaseFacts,
    ContactFacts,
    EvidenceItem,
    MeasureContext,
    OtherCase,
    PupilFacts,
    RelatedFacts,
)
from casework.policy.model import Policy
from casework.register.marks import Register
from casework.services.errors import CaseNotFoundError
from casework.services.reach import Actor, visible_to
from casework.services.schools import SchoolContext, school_context
from casework.store.models import (
    Case,
    CaseDeadline,
    CaseEvidence,
    Contact,
    Pupil,
    School,
    SessionMark,
)

MAX_ID = 2**31 - 1  # ids are INTEGER columns


def load_case(session: Session, case_id: int, who: Actor, *, lock: bool = False) -> Case:
    """The case, if `who` may see it; otherwise not found (a user outside the case must not
    learn that it exists)."""
    if not 0 < case_id <= MAX_ID:
        # No row has such an id, and PostgreSQL refuses to compare an integer column with it.
        raise CaseNotFoundError(case_id)
    query = select(Case).where(Case.id == case_id, visible_to(who, Case))
    if lock:
        query = query.with_for_update()
    case = session.scalars(query).first()
    if case is None:
        raise CaseNotFoundError(case_id)
    return case


def all_evidence(session: Session, case_id: int) -> list[CaseEvidence]:
    """Every item of the case's evidence, superseded or not, oldest first."""
    return list(
        session.scalars(
            select(CaseEvidence).where(CaseEvidence.case_id == case_id).order_by(CaseEvidence.id)
        )
    )


def current_evidence(
    session: Session, case_id: int, rows: list[CaseEvidence] | None = None
) -> list[CaseEvidence]:
    """The case's evidence less what has been superseded, oldest first (from `rows` when the
    caller has them already)."""
    rows = all_evidence(session, case_id) if rows is None else rows
    superseded = {e.supersedes_id for e in rows if e.supersedes_id}
    return [e for e in rows if e.id not in superseded]


def all_deadlines(session: Session, case_id: int) -> list[CaseDeadline]:
    """Every deadline the case has had, soonest first."""
    return list(
        session.scalars(
            select(CaseDeadline)
            .where(CaseDeadline.case_id == case_id)
            .order_by(CaseDeadline.due_on)
        )
    )


def pupil_register(
    session: Session, school: SchoolContext, pupil: Pupil, start: date, end: date
) -> Register:
    """One pupil's marks in a window, for guards that quote the register."""
    marks = session.execute(
        select(SessionMark.date, SessionMark.session, SessionMark.code).where(
            SessionMark.pupil_id == pupil.id, SessionMark.date >= start, SessionMark.date <= end
        )
    )
    start = max(start, school.calendar.first_day)
    return Register.from_marks(
        school.calendar, start, end, [pupil.upn], ((0, d, s, c) for d, s, c in marks)
    )


def live_measures(
    session: Session, case: Case, school: SchoolContext, pupil: Pupil, today: date
) -> dict[str, Any]:
    """The figures the case's kind measures from the register as it is today."""
    calendar = school.calendar
    # Once the calendar has run out, figures are as of its last day.
    today_in = (
        calendar.last_day if not calendar.covers(today) and today > calendar.last_day else today
    )
    context = MeasureContext(today_in, calendar, school.policy, dict(case.details))
    out: dict[str, Any] = {}
    for measure in lifecycle_of(case.kind).measures:
        window = measure.window(context)
        if window is None or window[0] > window[1]:
            continue
        register = pupil_register(session, school, pupil, *window)
        out.update(measure.measure(register, context))
    return out


def related(session: Session, case: Case, today: date, policy: Policy) -> RelatedFacts:
    """Facts from the pupil's other cases (penalty notices and their limit)."""
    others = [
        OtherCase(c.kind, c.state, dict(c.details))
        for c in session.scalars(
            select(Case).where(Case.pupil_id == case.pupil_id, Case.id != case.id)
        )
    ]
    return related_facts(case.details, others, today, policy)


def build_facts(
    session: Session,
    case: Case,
    today: date,
    params: dict[str, Any] | None = None,
    *,
    evidence_rows: list[CaseEvidence] | None = None,
    deadline_rows: list[CaseDeadline] | None = None,
) -> tuple[CaseFacts, SchoolContext, Pupil]:
    """Everything the case's guards may read as of `today`, with what the person supplied.

    A caller that shows the case's evidence and deadlines passes the rows it read, so that
    they are read once.
    """
    school = school_context(session.get_one(School, case.school_id))
    pupil = session.get_one(Pupil, case.pupil_id)
    contacts = session.scalars(
        select(Contact).where(Contact.pupil_id == pupil.id).order_by(Contact.priority)
    )
    evidence = tuple(
        EvidenceItem(e.id, e.kind, e.recorded_on, dict(e.details))
        for e in current_evidence(session, case.id, evidence_rows)
    )
    # The case's open deadlines, as "<name>_due" dates: guards such as the CME welfare check
    # read them (the deadline rows are the only place those dates are kept).
    deadlines = all_deadlines(session, case.id) if deadline_rows is None else deadline_rows
    due = {f"{d.name}_due": d.due_on.isoformat() for d in deadlines if d.status == "open"}
    details = {**due, **case.details, **live_measures(session, case, school, pupil, today)}
    facts = CaseFacts(
        kind=case.kind,
        state=case.state,
        today=today,
        calendar=school.calendar,
        policy=school.policy,
        pupil=PupilFacts(
            upn=pupil.upn,
            vulnerable=pupil.social_worker
            or pupil.looked_after
            or bool(case.details.get("safeguarding")),
            leaving_date=pupil.leaving_date,
            date_of_birth=pupil.date_of_birth,
            contacts=tuple(
                ContactFacts(c.name, c.relationship, c.parental_responsibility, c.lives_with_pupil)
                for c in contacts
            ),
        ),
        evidence=evidence,
        entered_state_on=case.entered_state_on,
        details=details,
        related=related(session, case, today, school.policy),
        params=dict(params or {}),
    )
    return facts, school, pupil
