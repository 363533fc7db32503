"""Loading what a case's guards read: the case, its evidence, the pupil and the register today."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import Row, bindparam, select
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
from casework.machines.roles import Standing, standing_at
from casework.policy.model import Policy
from casework.register.marks import Register
from casework.services.errors import CaseNotFoundError
from casework.services.reach import Actor, visible_to
from casework.services.schools import SchoolContext, school_context_of
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


def _check_id(case_id: int) -> None:
    if not 0 < case_id <= MAX_ID:
        # No row has such an id, and PostgreSQL refuses to compare an integer column with it.
        raise CaseNotFoundError(case_id)


def load_case(session: Session, case_id: int, who: Actor, *, lock: bool = False) -> Case:
    """The case, if `who` may see it; otherwise not found (a user outside the case must not
    learn that it exists)."""
    _check_id(case_id)
    query = select(Case).where(Case.id == case_id, visible_to(who, Case))
    if lock:
        query = query.with_for_update()
    case = session.scalars(query).first()
    if case is None:
        raise CaseNotFoundError(case_id)
    return case


def load_case_page(session: Session, case_id: int, who: Actor) -> tuple[Case, Pupil, SchoolContext]:
    """The case with its pupil and school in one query, if `who` may see it (a case page's
    first read; the same reach as `load_case`)."""
    _check_id(case_id)
    row = session.execute(
        select(Case, Pupil, School.urn, School.name, School.updated_at)
        .join(Pupil, Pupil.id == Case.pupil_id)
        .join(School, School.id == Case.school_id)
        .where(Case.id == case_id, visible_to(who, Case))
    ).first()
    if row is None:
        raise CaseNotFoundError(case_id)
    case, pupil, urn, name, updated_at = row
    return case, pupil, school_context_of(session, case.school_id, urn, name, updated_at)


# Reads on every case page and step, built once: plain rows of the tables (read-only, so no
# ORM objects are made for them), which answer to the same attribute names as the models.
_EVIDENCE = (
    select(CaseEvidence.__table__)
    .where(CaseEvidence.__table__.c.case_id == bindparam("case_id"))
    .order_by(CaseEvidence.__table__.c.id)
)
_DEADLINES = (
    select(CaseDeadline.__table__)
    .where(CaseDeadline.__table__.c.case_id == bindparam("case_id"))
    .order_by(CaseDeadline.__table__.c.due_on)
)
_CONTACTS = (
    select(Contact.__table__)
    .where(Contact.__table__.c.pupil_id == bindparam("pupil_id"))
    .order_by(Contact.__table__.c.priority)
)

_MARKS_T = SessionMark.__table__
_MARKS = select(_MARKS_T.c.date, _MARKS_T.c.session, _MARKS_T.c.code).where(
    _MARKS_T.c.pupil_id == bindparam("pupil_id"),
    _MARKS_T.c.date >= bindparam("start", type_=_MARKS_T.c.date.type),
    _MARKS_T.c.date <= bindparam("end", type_=_MARKS_T.c.date.type),
)
_CASES_T = Case.__table__
_OTHER_CASES = select(
    _CASES_T.c.kind, _CASES_T.c.state, _CASES_T.c.details, _CASES_T.c.parent_case_id
).where(_CASES_T.c.pupil_id == bindparam("pupil_id"), _CASES_T.c.id != bindparam("case_id"))


def all_evidence(session: Session, case_id: int) -> list[Row[Any]]:
    """Every item of the case's evidence, superseded or not, oldest first."""
    return list(session.execute(_EVIDENCE, {"case_id": case_id}))


def current_evidence(
    session: Session, case_id: int, rows: list[Row[Any]] | None = None
) -> list[Row[Any]]:
    """The case's evidence less what has been superseded, oldest first (from `rows` when the
    caller has them already)."""
    rows = all_evidence(session, case_id) if rows is None else rows
    superseded = {e.supersedes_id for e in rows if e.supersedes_id}
    return [e for e in rows if e.id not in superseded]


def all_deadlines(session: Session, case_id: int) -> list[Row[Any]]:
    """Every deadline the case has had, soonest first."""
    return list(session.execute(_DEADLINES, {"case_id": case_id}))


def pupil_register(
    session: Session, school: SchoolContext, pupil: Pupil, start: date, end: date
) -> Register:
    """One pupil's marks in a window, for guards that quote the register."""
    marks = session.execute(_MARKS, {"pupil_id": pupil.id, "start": start, "end": end})
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
    context = MeasureContext(today_in, calendar, school.policy, dict(case.details), case.state)
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
    rows = list(session.execute(_OTHER_CASES, {"pupil_id": case.pupil_id, "case_id": case.id}))
    others = [OtherCase(c.kind, c.state, dict(c.details)) for c in rows]
    found = related_facts(case.details, others, today, policy)
    return replace(
        found,
        case_states=tuple((c.kind, c.state) for c in rows),
        started_states=tuple((c.kind, c.state) for c in rows if c.parent_case_id == case.id),
    )


def standing_of(who: Actor, school: SchoolContext) -> Standing:
    """Whether `who` is the school's head, or holds a decision the head delegated to them."""
    return standing_at(school.config, username=who.username, name=who.name, position=who.position)


def contact_facts(session: Session, pupil: Pupil) -> tuple[ContactFacts, ...]:
    """The pupil's contacts as guards see them, in the school's order of priority."""
    return tuple(
        ContactFacts(c.name, c.relationship, c.parental_responsibility, c.lives_with_pupil)
        for c in session.execute(_CONTACTS, {"pupil_id": pupil.id})
    )


def build_facts(
    session: Session,
    case: Case,
    today: date,
    params: dict[str, Any] | None = None,
    *,
    evidence_rows: list[Row[Any]] | None = None,
    deadline_rows: list[Row[Any]] | None = None,
    loaded: tuple[Pupil, SchoolContext] | None = None,
) -> tuple[CaseFacts, SchoolContext, Pupil]:
    """Everything the case's guards may read as of `today`, with what the person supplied.

    A caller that shows the case's evidence and deadlines passes the rows it read, and one
    that read the pupil and school with the case passes them, so that each is read once.
    """
    if loaded is None:
        pupil = session.get_one(Pupil, case.pupil_id)
        urn, name, updated_at = session.execute(
            select(School.urn, School.name, School.updated_at).where(School.id == case.school_id)
        ).one()
        school = school_context_of(session, case.school_id, urn, name, updated_at)
    else:
        pupil, school = loaded
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
            contacts=contact_facts(session, pupil),
        ),
        evidence=evidence,
        entered_state_on=case.entered_state_on,
        details=details,
        related=related(session, case, today, school.policy),
        params=dict(params or {}),
    )
    return facts, school, pupil
