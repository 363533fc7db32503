"""Case actions: open, add evidence, fire a transition, show and list; each in one transaction."""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from casework.machines import lifecycle as lifecycle_of
from casework.machines.evidence import EvidenceError, Field, evidence_kind
from casework.machines.guards import _years_before
from casework.machines.lifecycle import (
    CaseFacts,
    ContactFacts,
    EvidenceItem,
    Fired,
    NextStep,
    PriorNotice,
    PupilFacts,
    RelatedFacts,
    Role,
)
from casework.machines.penalty_notice import amounts as penalty_amounts
from casework.policy.model import Policy
from casework.policy.rules import lookback_start, session_count_now
from casework.register.marks import ABSENT, ATTENDING, Register
from casework.services.schools import SchoolContext, school_context
from casework.services.users import Actor, actor, can_see
from casework.store.database import Database
from casework.store.models import (
    Case,
    CaseDeadline,
    CaseEvent,
    CaseEvidence,
    Contact,
    Pupil,
    School,
    SessionMark,
)


class CaseError(ValueError):
    """A case action that cannot be done; the message says why."""


class CaseNotFoundError(CaseError):
    pass


class ConflictError(CaseError):
    """Someone else changed the case first. What this person submitted is kept to try again."""

    def __init__(self, case_id: int, expected: int, actual: int, submitted: dict[str, Any]) -> None:
        super().__init__(
            f"case {case_id} was changed by someone else (you saw version {expected}, it is now "
            f"version {actual}); nothing was saved: look at the case again and retry"
        )
        self.case_id = case_id
        self.expected = expected
        self.actual = actual
        self.submitted = submitted


# -- loading facts -------------------------------------------------------------------------


def _load_case(session: Session, case_id: int, who: Actor, *, lock: bool = False) -> Case:
    query = select(Case).where(Case.id == case_id)
    if lock:
        query = query.with_for_update()
    case = session.scalars(query).first()
    if case is None:
        raise CaseNotFoundError(f"no case {case_id}")
    school = session.get_one(School, case.school_id)
    if not can_see(who, school, case.la_visible):
        # Not "forbidden": a user outside the case must not learn that it exists.
        raise CaseNotFoundError(f"no case {case_id}")
    return case


def _current_evidence(session: Session, case_id: int) -> list[CaseEvidence]:
    rows = list(
        session.scalars(
            select(CaseEvidence).where(CaseEvidence.case_id == case_id).order_by(CaseEvidence.id)
        )
    )
    superseded = {e.supersedes_id for e in rows if e.supersedes_id}
    return [e for e in rows if e.id not in superseded]


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


def _live_measures(
    session: Session, case: Case, school: SchoolContext, pupil: Pupil, today: date
) -> dict[str, Any]:
    """Figures guards quote that come from the register as it is today."""
    calendar = school.calendar
    if not calendar.covers(today) and today > calendar.last_day:
        today_in = calendar.last_day
    else:
        today_in = today
    out: dict[str, Any] = {}
    if case.kind == "attendance_concern" and "penalty_threshold" in school.policy.rules:
        spec = school.policy.rules["penalty_threshold"]
        # The register from the earliest day any rule looks at; the rule picks its own window.
        start = lookback_start(school.policy, calendar, today_in)
        if start <= today_in:
            register = pupil_register(session, school, pupil, start, today_in)
            out["penalty_threshold"] = session_count_now(spec, register, 0, today_in)
    if case.kind == "leave_request" and case.details.get("start"):
        start = date.fromisoformat(case.details["start"])
        end = date.fromisoformat(case.details.get("agreed_end") or case.details["end"])
        last = min(today_in, calendar.last_day)
        if last >= start:
            register = pupil_register(session, school, pupil, start, last)
            codes = register.codes[0]
            days = len(register.days)
            absent_days = [
                bool(ABSENT[codes[2 * d]] or ABSENT[codes[2 * d + 1]]) for d in range(days)
            ]
            present_days = [
                bool(ATTENDING[codes[2 * d]] or ATTENDING[codes[2 * d + 1]]) for d in range(days)
            ]
            in_leave = sum(
                1 for d, day in enumerate(register.days) if day <= end and absent_days[d]
            )
            after = 0
            for d, day in enumerate(register.days):
                if day <= end:
                    continue
                if present_days[d]:
                    break
                if absent_days[d]:
                    after += 1
            out["absent_days_in_leave"] = in_leave
            out["absent_days_after_leave"] = after
    return out


def _related(session: Session, case: Case, today: date, policy: Policy) -> RelatedFacts:
    notices = list(
        session.scalars(
            select(Case).where(
                Case.pupil_id == case.pupil_id, Case.kind == "penalty_notice", Case.id != case.id
            )
        )
    )
    states = tuple(n.state for n in notices)
    parent = case.details.get("parent")
    prior = tuple(
        PriorNotice(date.fromisoformat(n.details["issued_on"]), n.state)
        for n in notices
        if parent and n.details.get("parent") == parent and n.details.get("issued_on")
    )
    barred = tuple("barred" for n in notices if n.details.get("barred"))
    # A parent who already had as many notices for this child as the policy allows in its
    # window cannot be given another: that bar is what opens the way to prosecution instead.
    rules = policy.sections.get("penalty_notice") or {}
    if "repeat_window_years" in rules and "max_notices_in_window" in rules:
        since = _years_before(today, int(rules["repeat_window_years"]))
        per_parent = Counter(
            n.details.get("parent")
            for n in notices
            if n.details.get("parent")
            and n.details.get("issued_on")
            and date.fromisoformat(n.details["issued_on"]) > since
            and n.state not in ("withdrawn", "refused")
        )
        if any(count >= int(rules["max_notices_in_window"]) for count in per_parent.values()):
            barred += ("barred",)
    return RelatedFacts(penalty_notice_states=states + barred, prior_notices=prior)


def build_facts(
    session: Session, case: Case, today: date, params: dict[str, Any] | None = None
) -> tuple[CaseFacts, SchoolContext, Pupil]:
    school = school_context(session.get_one(School, case.school_id))
    pupil = session.get_one(Pupil, case.pupil_id)
    contacts = session.scalars(
        select(Contact).where(Contact.pupil_id == pupil.id).order_by(Contact.priority)
    )
    evidence = tuple(
        EvidenceItem(e.id, e.kind, e.recorded_on, dict(e.details))
        for e in _current_evidence(session, case.id)
    )
    # The case's open deadlines, as "<name>_due" dates: guards such as the CME welfare check
    # read them (the deadline rows are the only place those dates are kept).
    due = {
        f"{d.name}_due": d.due_on.isoformat()
        for d in session.scalars(
            select(CaseDeadline).where(
                CaseDeadline.case_id == case.id, CaseDeadline.status == "open"
            )
        )
    }
    details = {**due, **case.details, **_live_measures(session, case, school, pupil, today)}
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
            contacts=tuple(
                ContactFacts(c.name, c.relationship, c.parental_responsibility) for c in contacts
            ),
        ),
        evidence=evidence,
        entered_state_on=case.entered_state_on,
        details=details,
        related=_related(session, case, today, school.policy),
        params=dict(params or {}),
    )
    return facts, school, pupil


# -- writing -------------------------------------------------------------------------------


def _event(
    session: Session,
    case: Case,
    who: Actor,
    today: date,
    action: str,
    *,
    trigger: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    evidence_id: int | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    seq = session.scalar(
        select(func.coalesce(func.max(CaseEvent.seq), 0)).where(CaseEvent.case_id == case.id)
    )
    event = CaseEvent(
        case_id=case.id,
        seq=int(seq or 0) + 1,
        at=datetime.now(UTC),
        on_day=today,
        action=action,
        trigger=trigger,
        from_state=from_state,
        to_state=to_state,
        evidence_id=evidence_id,
        user_id=who.id,
        username=who.username,
        role=who.role.value,
        position=who.position,
        note=note,
        data=data or {},
    )
    session.add(event)
    session.flush()
    return event


def _create_case(
    session: Session,
    *,
    school_id: int,
    pupil: Pupil,
    kind: str,
    who: Actor,
    today: date,
    details: dict[str, Any] | None = None,
    parent_case_id: int | None = None,
    note: str | None = None,
) -> Case:
    machine = lifecycle_of(kind)
    case = Case(
        school_id=school_id,
        pupil_id=pupil.id,
        kind=kind,
        state=machine.initial,
        version=1,
        opened_on=today,
        entered_state_on=today,
        la_visible=machine.states[machine.initial].la_visible,
        parent_case_id=parent_case_id,
        details=details or {},
    )
    session.add(case)
    session.flush()
    _event(
        session,
        case,
        who,
        today,
        "opened",
        to_state=case.state,
        note=note,
        data={"details": case.details},
    )
    return case


def _add_evidence_row(
    session: Session,
    case: Case,
    who: Actor,
    today: date,
    kind: str,
    details: dict[str, Any],
    *,
    recorded_on: date | None = None,
    supersedes: CaseEvidence | None = None,
    reason: str | None = None,
) -> CaseEvidence:
    spec = evidence_kind(kind)
    if who.role not in spec.roles:
        roles = " or ".join(sorted(r.value for r in spec.roles))
        raise CaseError(
            f"a {who.role.value.replace('_', ' ')} may not record {spec.label.lower()} "
            f"(needs {roles})"
        )
    parsed = spec.parse(details)
    row = CaseEvidence(
        case_id=case.id,
        kind=kind,
        recorded_on=recorded_on or today,
        details=parsed,
        recorded_by_id=who.id,
        recorded_at=datetime.now(UTC),
        supersedes_id=supersedes.id if supersedes else None,
        supersede_reason=reason,
    )
    session.add(row)
    session.flush()
    _event(
        session,
        case,
        who,
        today,
        "superseded" if supersedes else "evidence",
        evidence_id=row.id,
        note=reason,
        data={"kind": kind, "details": parsed, "supersedes": supersedes.id if supersedes else None},
    )
    return row


def _change_details(
    session: Session, case: Case, who: Actor, today: date, changes: dict[str, Any], note: str
) -> None:
    """Change a case's own data outside a transition (the holiday flag): the row is locked,
    its version moves on (someone acting on what they saw before gets a conflict) and the
    change is in the audit trail, since guards read it."""
    session.refresh(case, with_for_update=True)
    case.details = {**case.details, **changes}
    case.version = case.version + 1
    session.flush()
    _event(session, case, who, today, "details", note=note, data={"details": changes})


def _pupil(session: Session, upn: str, school_urn: str | None, who: Actor) -> Pupil:
    query = select(Pupil).where(Pupil.upn == upn)
    if who.school_id is not None:
        query = query.where(Pupil.school_id == who.school_id)
    elif school_urn:
        query = query.join(School).where(School.urn == school_urn)
    found = list(session.scalars(query))
    if not found:
        raise CaseError(f"no pupil with UPN {upn} at your school")
    if len(found) > 1:
        raise CaseError(f"UPN {upn} is at more than one school: name one with --school")
    return found[0]


@dataclass(frozen=True, slots=True)
class CaseSummary:
    id: int
    upn: str
    kind: str
    state: str
    version: int
    school_urn: str
    opened_on: date

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "upn": self.upn,
            "kind": self.kind,
            "state": self.state,
            "version": self.version,
            "school": self.school_urn,
            "opened_on": self.opened_on.isoformat(),
        }


def _summary(session: Session, case: Case) -> CaseSummary:
    pupil = session.get_one(Pupil, case.pupil_id)
    school = session.get_one(School, case.school_id)
    return CaseSummary(
        case.id, pupil.upn, case.kind, case.state, case.version, school.urn, case.opened_on
    )


# What a person may give when opening a case by hand. Everything else a case holds is set by
# its steps (dates stamped, amounts, the holiday flag) and guards rely on it, so it cannot be
# typed in: a concern opened with notice_to_improve_issued would skip the notice to improve.
OPENING_DETAILS: dict[str, tuple[str, ...]] = {
    "attendance_concern": (),
    "missing_education": ("safeguarding",),
    "leave_request": ("start", "end", "requested_on", "reason"),
}


def open_case(
    db: Database,
    *,
    upn: str,
    kind: str,
    username: str,
    today: date,
    details: dict[str, Any] | None = None,
    school_urn: str | None = None,
    note: str | None = None,
) -> CaseSummary:
    """Open a case by hand (a leave request, a missing education enquiry, a concern)."""
    if kind == "penalty_notice":
        raise CaseError("penalty notices are opened by requesting one on an attendance concern")
    if kind not in OPENING_DETAILS:
        raise CaseError(f"unknown case kind {kind!r} (kinds: {', '.join(OPENING_DETAILS)})")
    unknown = sorted(set(details or {}) - set(OPENING_DETAILS[kind]))
    if unknown:
        allowed = ", ".join(OPENING_DETAILS[kind]) or "none"
        raise CaseError(
            f"a {kind.replace('_', ' ')} case is not opened with {unknown[0]!r} "
            f"(details it takes: {allowed})"
        )
    with db.transaction() as session:
        who = actor(session, username)
        if who.role not in (Role.ATTENDANCE_OFFICER, Role.SENIOR_LEADER, Role.SYSTEM):
            raise CaseError("only school attendance staff open cases")
        pupil = _pupil(session, upn, school_urn, who)
        school = school_context(session.get_one(School, pupil.school_id))
        details = dict(details or {})
        if kind == "leave_request":
            details = _leave_details(school, details, today)
        if "safeguarding" in details:
            try:
                details["safeguarding"] = bool(
                    Field("safeguarding", "flag").parse(details["safeguarding"])
                )
            except EvidenceError as error:
                raise CaseError(str(error)) from None
        existing = _open_case_of(session, pupil.id, kind)
        if existing is not None and kind in ("attendance_concern", "missing_education"):
            raise CaseError(
                f"{upn} already has an open {kind.replace('_', ' ')} case: {existing.id}"
            )
        case = _create_case(
            session,
            school_id=pupil.school_id,
            pupil=pupil,
            kind=kind,
            who=who,
            today=today,
            details=details,
            note=note,
        )
        return _summary(session, case)


def _leave_details(school: SchoolContext, details: dict[str, Any], today: date) -> dict[str, Any]:
    """A leave request's dates, checked, with the school days it covers."""
    try:
        start = date.fromisoformat(str(details["start"]))
        end = date.fromisoformat(str(details["end"]))
    except KeyError as missing:
        raise CaseError(f"a leave request needs {missing.args[0]} (a date)") from None
    except ValueError as error:
        raise CaseError(f"leave dates must be YYYY-MM-DD: {error}") from None
    if end < start:
        raise CaseError(f"the leave ends ({end}) before it starts ({start})")
    requested = date.fromisoformat(str(details.get("requested_on") or today))
    days = len(school.calendar.school_days(start, end))
    if days == 0:
        raise CaseError(f"there are no school days from {start} to {end}")
    return {
        **details,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "requested_on": requested.isoformat(),
        "school_days_requested": days,
    }


def _open_case_of(session: Session, pupil_id: int, kind: str) -> Case | None:
    return session.scalars(
        select(Case)
        .where(Case.pupil_id == pupil_id, Case.kind == kind, Case.closed_on.is_(None))
        .order_by(Case.id)
    ).first()


def add_evidence(
    db: Database,
    *,
    case_id: int,
    kind: str,
    details: dict[str, Any],
    username: str,
    today: date,
    recorded_on: date | None = None,
    supersedes: int | None = None,
    reason: str | None = None,
) -> int:
    """Attach evidence to a case (or supersede an earlier item, with a reason)."""
    with db.transaction() as session:
        who = actor(session, username)
        case = _load_case(session, case_id, who, lock=True)
        old = None
        if supersedes is not None:
            old = session.get(CaseEvidence, supersedes)
            if old is None or old.case_id != case.id:
                raise CaseError(f"case {case_id} has no evidence {supersedes}")
            if not reason:
                raise CaseError("superseding evidence needs a reason")
            if old.id not in {e.id for e in _current_evidence(session, case.id)}:
                raise CaseError(f"evidence {supersedes} was already superseded")
            # A correction is of the same kind, by someone who may record that kind: otherwise
            # a note could supersede (and so hide) an SLT refusal or a sweep finding.
            if kind and kind != old.kind:
                raise CaseError(
                    f"evidence {supersedes} is a {old.kind.replace('_', ' ')}: "
                    f"it can only be superseded by another {old.kind.replace('_', ' ')}"
                )
            kind = old.kind
        try:
            row = _add_evidence_row(
                session,
                case,
                who,
                today,
                kind,
                details,
                recorded_on=recorded_on,
                supersedes=old,
                reason=reason,
            )
        except EvidenceError as error:
            raise CaseError(str(error)) from None
        return row.id


@dataclass(frozen=True, slots=True)
class FireOutcome:
    case: CaseSummary
    from_state: str
    to_state: str
    deadlines: list[tuple[str, date]]
    opened: list[CaseSummary] = field(default_factory=list)


def fire(
    db: Database,
    *,
    case_id: int,
    trigger: str,
    username: str,
    today: date,
    params: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> FireOutcome:
    """Take a transition: check version, permission and guards; record state, audit, deadlines."""
    params = _checked_params({k: v for k, v in (params or {}).items() if v not in (None, "")})
    with db.transaction() as session:
        who = actor(session, username)
        case = _load_case(session, case_id, who)
        version = case.version if expected_version is None else expected_version
        if case.version != version:
            raise ConflictError(case_id, version, case.version, {"trigger": trigger, **params})
        facts, _school, pupil = build_facts(session, case, today, params)
        try:
            fired = lifecycle_of(case.kind).fire(facts, trigger, who.role)
        except ValueError as error:
            # A date the calendar cannot reach (a deadline after its last day, say): a
            # refusal with the reason, not a crash.
            raise CaseError(f"cannot {trigger.replace('_', ' ')}: {error}") from error
        if case.kind == "penalty_notice" and fired.to_state == "issued":
            # The amounts are fixed when the notice is issued: a repeat notice has no reduction.
            reduced, full = penalty_amounts(facts)
            case.details = {**case.details, "reduced_amount": reduced, "full_amount": full}
            if reduced == full:  # a repeat notice: there is no reduced-payment date to meet
                kept = tuple(d for d in fired.deadlines if d[0].name != "payment_reduced")
                fired = dataclasses.replace(fired, deadlines=kept)
        return _apply(session, case, who, today, fired, params, version, pupil)


def _checked_params(params: dict[str, Any]) -> dict[str, Any]:
    """What the person firing supplied, refused by name when it is not what a step can use."""
    out = dict(params)
    if "days_granted" in out:
        try:
            out["days_granted"] = int(str(out["days_granted"]).strip())
        except ValueError:
            raise CaseError(
                "days_granted must be a whole number of school days, "
                f"not {params['days_granted']!r}"
            ) from None
    for key, value in params.items():
        if key.endswith("_on") and not isinstance(value, date):
            try:
                date.fromisoformat(str(value))
            except ValueError:
                raise CaseError(f"{key} {value!r} is not a date in the form YYYY-MM-DD") from None
    return out


def _apply(
    session: Session,
    case: Case,
    who: Actor,
    today: date,
    fired: Fired,
    params: dict[str, Any],
    version: int,
    pupil: Pupil,
) -> FireOutcome:
    machine = lifecycle_of(case.kind)
    details = dict(case.details)
    for key in fired.step.stamps:
        details[key] = today.isoformat()
    if fired.step.trigger == "grant_in_part":
        days = int(params["days_granted"])
        school = school_context(session.get_one(School, case.school_id))
        start = date.fromisoformat(details["start"])
        agreed = school.calendar.school_days(start, date.fromisoformat(details["end"]))[days - 1]
        details["agreed_end"] = agreed.isoformat()
        details["days_granted"] = days
    closed = machine.is_final(fired.to_state)
    # The version check and the change are one statement: of two people firing at once,
    # exactly one update matches; the other sees no row and gets a conflict.
    result = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.version == version)
        .values(
            state=fired.to_state,
            version=version + 1,
            entered_state_on=today,
            la_visible=case.la_visible or machine.states[fired.to_state].la_visible,
            closed_on=today if closed else None,
            details=details,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        current = session.scalar(select(Case.version).where(Case.id == case.id)) or version
        raise ConflictError(
            case.id, version, int(current), {"trigger": fired.step.trigger, **params}
        )
    session.refresh(case)
    session.execute(
        update(CaseDeadline)
        .where(CaseDeadline.case_id == case.id, CaseDeadline.status == "open")
        .values(status="closed", closed_on=today)
    )
    scheduled = []
    for rule, due in fired.deadlines:
        session.add(
            CaseDeadline(
                case_id=case.id,
                name=rule.name,
                label=rule.label,
                due_on=due,
                fires=rule.fires,
                status="open",
                set_in_state=fired.to_state,
            )
        )
        scheduled.append((rule.label, due))
    _event(
        session,
        case,
        who,
        today,
        "transition",
        trigger=fired.step.trigger,
        from_state=fired.from_state,
        to_state=fired.to_state,
        note=params.get("note"),
        data={
            "params": {k: str(v) for k, v in params.items() if k != "note"},
            "deadlines": [(n, d.isoformat()) for n, d in scheduled],
        },
    )
    opened = _follow_on(session, case, who, today, fired, pupil)
    session.flush()
    return FireOutcome(_summary(session, case), fired.from_state, fired.to_state, scheduled, opened)


def _follow_on(
    session: Session, case: Case, who: Actor, today: date, fired: Fired, pupil: Pupil
) -> list[CaseSummary]:
    """Cases a transition starts: penalty notices per parent, a missing education enquiry."""
    opened: list[Case] = []
    if case.kind == "attendance_concern" and fired.to_state == "penalty_notice":
        parents = session.scalars(
            select(Contact)
            .where(Contact.pupil_id == pupil.id, Contact.parental_responsibility.is_(True))
            .order_by(Contact.priority)
        )
        for parent in parents:
            opened.append(
                _create_case(
                    session,
                    school_id=case.school_id,
                    pupil=pupil,
                    kind="penalty_notice",
                    who=who,
                    today=today,
                    details={"parent": parent.name, "holiday": bool(case.details.get("holiday"))},
                    parent_case_id=case.id,
                    note=f"requested on attendance concern {case.id}",
                )
            )
    if (
        case.kind == "leave_request"
        and fired.to_state == "not_returned"
        and _open_case_of(session, pupil.id, "missing_education") is None
    ):
        opened.append(
            _create_case(
                session,
                school_id=case.school_id,
                pupil=pupil,
                kind="missing_education",
                who=who,
                today=today,
                parent_case_id=case.id,
                note=f"not back after leave (leave request {case.id})",
            )
        )
    if case.kind == "leave_request" and fired.to_state == "taken_without_permission":
        concern = _open_case_of(session, pupil.id, "attendance_concern")
        if concern is None:
            concern = _create_case(
                session,
                school_id=case.school_id,
                pupil=pupil,
                kind="attendance_concern",
                who=who,
                today=today,
                details={"holiday": True},
                parent_case_id=case.id,
                note=f"leave taken without permission (leave request {case.id})",
            )
            opened.append(concern)
        elif not concern.details.get("holiday"):
            _change_details(
                session,
                concern,
                who,
                today,
                {"holiday": True},
                f"leave taken without permission (leave request {case.id})",
            )
    return [_summary(session, c) for c in opened]


# -- reading -------------------------------------------------------------------------------


def list_cases(db: Database, *, username: str, include_closed: bool = False) -> list[CaseSummary]:
    """The cases this user may see, newest first."""
    with db.transaction() as session:
        who = actor(session, username)
        query = (
            select(Case, School).join(School, School.id == Case.school_id).order_by(Case.id.desc())
        )
        if not include_closed:
            query = query.where(Case.closed_on.is_(None))
        if who.role is Role.LA_OFFICER:
            query = query.where(Case.la_visible.is_(True), School.la_code == who.la_code)
        elif who.role is not Role.SYSTEM:
            query = query.where(Case.school_id == who.school_id)
        return [_summary(session, case) for case, _school in session.execute(query)]


@dataclass(frozen=True, slots=True)
class CaseDetail:
    summary: CaseSummary
    kind_title: str
    state_label: str
    details: dict[str, Any]
    evidence: list[dict[str, Any]]
    deadlines: list[dict[str, Any]]
    chronology: list[dict[str, Any]]
    next_steps: list[NextStep]
    reachable: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.summary.as_dict(),
            "title": self.kind_title,
            "state_label": self.state_label,
            "details": self.details,
            "evidence": self.evidence,
            "deadlines": self.deadlines,
            "chronology": self.chronology,
            "next_steps": [s.as_dict() for s in self.next_steps],
        }


def show_case(db: Database, *, case_id: int, username: str, today: date) -> CaseDetail:
    """State, evidence, deadlines, chronology and the next steps for this user."""
    with db.transaction() as session:
        who = actor(session, username)
        case = _load_case(session, case_id, who)
        facts, _school, _pupil = build_facts(session, case, today)
        machine = lifecycle_of(case.kind)
        rows = list(
            session.scalars(
                select(CaseEvidence)
                .where(CaseEvidence.case_id == case.id)
                .order_by(CaseEvidence.id)
            )
        )
        superseded = {e.supersedes_id: e.id for e in rows if e.supersedes_id}
        evidence = [
            {
                "id": e.id,
                "kind": e.kind,
                "recorded_on": e.recorded_on.isoformat(),
                "details": e.details,
                "superseded_by": superseded.get(e.id),
                "supersedes": e.supersedes_id,
                "reason": e.supersede_reason,
            }
            for e in rows
        ]
        deadlines = [
            {
                "name": d.name,
                "label": d.label,
                "due_on": d.due_on.isoformat(),
                "status": d.status,
                "fires": d.fires,
            }
            for d in session.scalars(
                select(CaseDeadline)
                .where(CaseDeadline.case_id == case.id)
                .order_by(CaseDeadline.due_on)
            )
        ]
        chronology = [
            {
                "seq": e.seq,
                "on": e.on_day.isoformat(),
                "at": e.at.isoformat(),
                "action": e.action,
                "trigger": e.trigger,
                "from": e.from_state,
                "to": e.to_state,
                "by": e.username,
                "role": e.role,
                "position": e.position,
                "evidence": e.evidence_id,
                "note": e.note,
            }
            for e in session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
            )
        ]
        steps = machine.next_steps(facts, who.role)
        return CaseDetail(
            summary=_summary(session, case),
            kind_title=machine.title,
            state_label=machine.states[case.state].label,
            # The case's data and live measures; deadline dates are listed under deadlines.
            details={
                k: v
                for k, v in facts.details.items()
                if k in case.details or not k.endswith("_due")
            },
            evidence=evidence,
            deadlines=deadlines,
            chronology=chronology,
            next_steps=steps,
            reachable=sorted({s.dest for s in steps}),
        )


def replay_state(db: Database, case_id: int) -> str:
    """The state the audit trail leads to (it must equal the stored state)."""
    with db.transaction() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise CaseNotFoundError(f"no case {case_id}")
        events = session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.action == "transition")
            .order_by(CaseEvent.seq)
        )
        return lifecycle_of(case.kind).replay(
            (e.trigger or "", e.from_state or "", e.to_state or "") for e in events
        )
