"""Loading what a case's guards read: the case, its evidence, the pupil and the register today."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Row, Select, bindparam, select
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
from casework.services.register.schools import SchoolContext, school_context_of
from casework.store.json_rows import JsonRows
from casework.store.models import (
    AppUser,
    Case,
    CaseDeadline,
    CaseEvent,
    CaseEvidence,
    Contact,
    Letter,
    Pupil,
    RegisterYear,
    School,
)
from casework.store.projection import pupil_window, pupil_years, year_start

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


@dataclass(frozen=True, slots=True)
class CasePage:
    """What a case page reads, from one statement: the case, its pupil and school, and the
    rows under them (plain rows, oldest or soonest first, as the separate reads give them)."""

    case: Any  # a row of the case's table: the same names as a Case, no ORM object to build
    pupil: Any  # likewise a row of the pupil's
    school: SchoolContext
    evidence: list[Any]
    deadlines: list[Any]
    contacts: list[Any]
    other_cases: list[Any]
    chronology: list[Any]
    letters: list[Any]  # the case's letters that `who` may see, oldest first
    # The pupil's dense school years asked for, by their 1 September (None for a year with
    # no mark), or None when none were asked for.
    dense_years: dict[date, bytes | None] | None = None


_EVIDENCE_T = CaseEvidence.__table__
_DEADLINES_T = CaseDeadline.__table__
_CONTACTS_T = Contact.__table__
_EVENTS_T = CaseEvent.__table__
_USERS_T = AppUser.__table__
_LETTERS_T = Letter.__table__
_YEARS_T = RegisterYear.__table__
NO_YEAR = date(1900, 9, 1)  # a school year no mark is in
_OTHER_T = Case.__table__.alias("other_case")  # the pupil's other cases, beside this one

# The lists under a case, each gathered into one column of the case's own statement (one
# round trip for the page instead of six), built once.
_PAGE_EVIDENCE = JsonRows("EvidenceRow", list(_EVIDENCE_T.c), order=["id"])
_PAGE_DEADLINES = JsonRows("DeadlineRow", list(_DEADLINES_T.c), order=["due_on", "id"])
_PAGE_CONTACTS = JsonRows("ContactRow", list(_CONTACTS_T.c), order=["priority", "id"])
_PAGE_OTHER_CASES = JsonRows(
    "OtherCaseRow",
    [
        _OTHER_T.c.id,
        _OTHER_T.c.kind,
        _OTHER_T.c.state,
        _OTHER_T.c.details,
        _OTHER_T.c.parent_case_id,
    ],
    order=["id"],
)
_PAGE_EVENTS = JsonRows(
    "EventRow",
    [
        *(c for c in _EVENTS_T.c if c.key != "data"),  # the data is not shown
        _USERS_T.c.name.label("by_name"),
    ],
    order=["seq"],
)
_PAGE_LETTERS = JsonRows("LetterRow", list(_LETTERS_T.c), order=["id"])
_PAGE_LISTS = (
    _PAGE_EVIDENCE.gathered().where(_EVIDENCE_T.c.case_id == Case.id).scalar_subquery(),
    _PAGE_DEADLINES.gathered().where(_DEADLINES_T.c.case_id == Case.id).scalar_subquery(),
    _PAGE_CONTACTS.gathered().where(_CONTACTS_T.c.pupil_id == Case.pupil_id).scalar_subquery(),
    _PAGE_OTHER_CASES.gathered()
    .where(_OTHER_T.c.pupil_id == Case.pupil_id, _OTHER_T.c.id != Case.id)
    .scalar_subquery(),
    _PAGE_EVENTS.gathered()
    .select_from(_EVENTS_T.outerjoin(_USERS_T, _USERS_T.c.id == _EVENTS_T.c.user_id))
    .where(_EVENTS_T.c.case_id == Case.id)
    .scalar_subquery(),
)


_CASES_COLUMNS = tuple(Case.__table__.c)
_PUPILS_COLUMNS = tuple(Pupil.__table__.c)
_CaseRow = namedtuple("_CaseRow", [c.key for c in _CASES_COLUMNS])  # type: ignore[misc]
_PupilRow = namedtuple("_PupilRow", [c.key for c in _PUPILS_COLUMNS])  # type: ignore[misc]
_CASE_END = len(_CASES_COLUMNS)
_PUPIL_END = _CASE_END + len(_PUPILS_COLUMNS)


@lru_cache(maxsize=1024)
def _page_query(who: Actor) -> Select[Any]:
    """The case page's statement as `who` may run it, built once per person: a statement this
    size costs SQLAlchemy more to key for its compiled cache than PostgreSQL takes to run it,
    when it is built anew for every request (a statement built once is keyed once). The case
    and pupil come as plain columns: the page only reads them."""
    return (
        select(
            *_CASES_COLUMNS,
            *(c.label(f"pupil_{c.key}") for c in _PUPILS_COLUMNS),
            School.urn,
            School.name,
            School.updated_at,
            *_PAGE_LISTS,
            _PAGE_LETTERS.gathered()
            .where(_LETTERS_T.c.case_id == Case.id, visible_to(who, Letter))
            .scalar_subquery(),
            *(
                select(_YEARS_T.c.codes)
                .where(
                    _YEARS_T.c.pupil_id == Case.pupil_id,
                    _YEARS_T.c.year_start == bindparam(name, type_=_YEARS_T.c.year_start.type),
                )
                .scalar_subquery()
                for name in ("year", "year_before")
            ),
        )
        .select_from(Case.__table__)
        .join(Pupil.__table__, Pupil.id == Case.pupil_id)
        .join(School.__table__, School.id == Case.school_id)
        .where(Case.id == bindparam("case_id"), visible_to(who, Case))
    )


def load_case_page(
    session: Session, case_id: int, who: Actor, year: date | None = None
) -> CasePage:
    """The case with its pupil, school, evidence, deadlines, contacts, other cases, events and
    letters in one statement, if `who` may see it (the same reach as `load_case`)."""
    _check_id(case_id)
    # The school year (its 1 September) whose dense register comes with the page, and the one
    # before (a calendar that has run out is read as of its last day), if any.
    asked = year or NO_YEAR
    before = asked.replace(year=asked.year - 1)
    row = session.execute(
        _page_query(who), {"case_id": case_id, "year": asked, "year_before": before}
    ).first()
    if row is None:
        raise CaseNotFoundError(case_id)
    case: Any = _CaseRow(*row[:_CASE_END])
    pupil: Any = _PupilRow(*row[_CASE_END:_PUPIL_END])
    urn, name, updated_at, evidence, deadlines, contacts, others, events, letters = row[
        _PUPIL_END:-2
    ]
    this_year, year_before = row[-2:]
    return CasePage(
        case,
        pupil,
        school_context_of(session, case.school_id, urn, name, updated_at),
        _PAGE_EVIDENCE.decode(evidence),
        _PAGE_DEADLINES.decode(deadlines),
        _PAGE_CONTACTS.decode(contacts),
        _PAGE_OTHER_CASES.decode(others),
        _PAGE_EVENTS.decode(events),
        _PAGE_LETTERS.decode(letters),
        None
        if year is None
        else {
            asked: None if this_year is None else bytes(this_year),
            before: None if year_before is None else bytes(year_before),
        },
    )


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
    session: Session,
    school: SchoolContext,
    pupil: Pupil,
    start: date,
    end: date,
    read: dict[date, bytes | None] | None = None,
) -> Register:
    """One pupil's marks in a window, for guards that quote the register: from the dense
    register (a row of 732 bytes per school year, not a row per mark), or from `read`, school
    years of it read already, when the window lies in them."""
    first, last = year_start(start), year_start(end)
    if read is not None and first in read and last in read:
        years = {y: codes for y in {first, last} if (codes := read[y]) is not None}
    else:
        years = pupil_years(session, pupil.id, start, end)
    start = max(start, school.calendar.first_day)
    return pupil_window(school.calendar, start, end, pupil.upn, years)


def live_measures(
    session: Session,
    case: Case,
    school: SchoolContext,
    pupil: Pupil,
    today: date,
    read: dict[date, bytes | None] | None = None,
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
        register = pupil_register(session, school, pupil, *window, read=read)
        out.update(measure.measure(register, context))
    return out


def related(
    session: Session, case: Case, today: date, policy: Policy, rows: list[Any] | None = None
) -> RelatedFacts:
    """Facts from the pupil's other cases (penalty notices and their limit); from `rows` when
    the caller has them already."""
    if rows is None:
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


def contact_facts(
    session: Session, pupil: Pupil, rows: list[Any] | None = None
) -> tuple[ContactFacts, ...]:
    """The pupil's contacts as guards see them, in the school's order of priority (from `rows`
    when the caller has them already)."""
    if rows is None:
        rows = list(session.execute(_CONTACTS, {"pupil_id": pupil.id}))
    return tuple(
        ContactFacts(c.name, c.relationship, c.parental_responsibility, c.lives_with_pupil)
        for c in rows
    )


def build_facts(
    session: Session,
    case: Case,
    today: date,
    params: dict[str, Any] | None = None,
    *,
    page: CasePage | None = None,
) -> tuple[CaseFacts, SchoolContext, Pupil]:
    """Everything the case's guards may read as of `today`, with what the person supplied.

    A case page passes what it read in its one statement (`load_case_page`), so that nothing
    is read twice; everything else reads here.
    """
    if page is None:
        pupil = session.get_one(Pupil, case.pupil_id)
        urn, name, updated_at = session.execute(
            select(School.urn, School.name, School.updated_at).where(School.id == case.school_id)
        ).one()
        school = school_context_of(session, case.school_id, urn, name, updated_at)
        evidence_rows = all_evidence(session, case.id)
        deadlines = all_deadlines(session, case.id)
    else:
        pupil, school = page.pupil, page.school
        evidence_rows, deadlines = page.evidence, page.deadlines
    evidence = tuple(
        EvidenceItem(e.id, e.kind, e.recorded_on, dict(e.details))
        for e in current_evidence(session, case.id, evidence_rows)
    )
    # The case's open deadlines, as "<name>_due" dates: guards such as the CME welfare check
    # read them (the deadline rows are the only place those dates are kept).
    due = {f"{d.name}_due": d.due_on.isoformat() for d in deadlines if d.status == "open"}
    read = page.dense_years if page is not None else None
    details = {**due, **case.details, **live_measures(session, case, school, pupil, today, read)}
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
            contacts=contact_facts(session, pupil, page.contacts if page else None),
        ),
        evidence=evidence,
        entered_state_on=case.entered_state_on,
        details=details,
        related=related(session, case, today, school.policy, page.other_cases if page else None),
        params=dict(params or {}),
    )
    return facts, school, pupil
