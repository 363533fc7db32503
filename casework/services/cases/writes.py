"""Writes within an open session: the pieces that case commands and the daily sweep compose.

None of these commits; the caller owns the transaction (one per action, or one per sweep).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from casework.machines import lifecycle_of
from casework.machines.audit import EventAction
from casework.machines.evidence import EvidenceError, evidence_kind
from casework.machines.lifecycle import CaseFacts, Fired, FollowOn, LeavesRoll, as_date
from casework.machines.roles import may, role_words, roles_text, with_article
from casework.services.cases.facts import build_facts
from casework.services.errors import CaseError, ConflictError
from casework.services.reach import Actor
from casework.store.models import Case, CaseDeadline, CaseEvent, CaseEvidence, Pupil
from casework.text import long_date


def write_event(
    session: Session,
    case: Case,
    who: Actor,
    today: date,
    action: EventAction,
    *,
    trigger: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    evidence_id: int | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Append the next event to the case's audit trail."""
    seq = session.scalar(
        select(func.coalesce(func.max(CaseEvent.seq), 0)).where(CaseEvent.case_id == case.id)
    )
    event = CaseEvent(
        case_id=case.id,
        seq=int(seq or 0) + 1,
        at=datetime.now(UTC),
        on_day=today,
        action=action.value,
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


def create_case(
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
    """A new case in its kind's first state, with the event that opened it."""
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
    write_event(
        session,
        case,
        who,
        today,
        EventAction.OPENED,
        to_state=case.state,
        note=note,
        data={"details": case.details},
    )
    return case


def record_evidence(
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
    """Evidence of a kind `who` may record, checked against its fields, with its event."""
    spec = evidence_kind(kind)
    if not may(who.role, spec.roles):
        raise CaseError(
            f"{with_article(role_words(who.role))} may not record {spec.label.lower()} "
            f"(needs {roles_text(spec.roles)})"
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
    _evidence_deadlines(session, case, today, kind, parsed)
    write_event(
        session,
        case,
        who,
        today,
        EventAction.SUPERSEDED if supersedes else EventAction.EVIDENCE,
        evidence_id=row.id,
        note=reason,
        data={"kind": kind, "details": parsed, "supersedes": supersedes.id if supersedes else None},
    )
    return row


def _evidence_deadlines(
    session: Session, case: Case, today: date, kind: str, details: dict[str, Any]
) -> None:
    """The deadlines this item of evidence sets, each replacing the open one of its name."""
    declared = [e for e in lifecycle_of(case.kind).evidence_deadlines if e.kind == kind]
    if not declared or case.closed_on is not None:
        return
    facts, _school, _pupil = build_facts(session, case, today)
    for rule in declared:
        try:
            due = rule.due(facts, details)
        except ValueError as error:  # a period running past the school calendar
            raise CaseError(f"cannot set the {rule.label} date: {error}") from None
        if due is None:
            continue
        session.execute(
            update(CaseDeadline)
            .where(
                CaseDeadline.case_id == case.id,
                CaseDeadline.status == "open",
                CaseDeadline.name == rule.name,
            )
            .values(status="closed", closed_on=today)
        )
        _open_deadline(session, case, rule.name, rule.label, due, None, case.state)


def _open_deadline(
    session: Session,
    case: Case,
    name: str,
    label: str,
    due: date,
    fires: str | None,
    state: str,
) -> None:
    session.add(
        CaseDeadline(
            case_id=case.id,
            name=name,
            label=label,
            due_on=due,
            fires=fires,
            status="open",
            set_in_state=state,
        )
    )


def change_details(
    session: Session, case: Case, who: Actor, today: date, changes: dict[str, Any], note: str
) -> None:
    """Change a case's own data outside a transition (the holiday flag): the row is locked,
    its version moves on (someone acting on what they saw before gets a conflict) and the
    change is in the audit trail, since guards read it."""
    session.refresh(case, with_for_update=True)
    case.details = {**case.details, **changes}
    case.version = case.version + 1
    session.flush()
    write_event(
        session, case, who, today, EventAction.DETAILS, note=note, data={"details": changes}
    )


def open_case_of(session: Session, pupil_id: int, kind: str) -> Case | None:
    """The pupil's oldest open case of a kind, if any."""
    return session.scalars(
        select(Case)
        .where(Case.pupil_id == pupil_id, Case.kind == kind, Case.closed_on.is_(None))
        .order_by(Case.id)
    ).first()


def apply_step(
    session: Session,
    case: Case,
    who: Actor,
    today: date,
    fired: Fired,
    params: dict[str, Any],
    version: int,
) -> list[tuple[str, date]]:
    """Store a step the machine allowed: state, version, details, deadlines and the event.

    The version check and the change are one statement: of two people firing at once,
    exactly one update matches; the other sees no row and gets a conflict.
    """
    machine = lifecycle_of(case.kind)
    closed = machine.is_final(fired.to_state)
    # A step that stays in its state (the LA accepting a referral) keeps the day the state was
    # entered, so approvals given in it still count, and the deadlines it set.
    stays = fired.to_state == fired.from_state
    result = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.version == version)
        .values(
            state=fired.to_state,
            version=version + 1,
            entered_state_on=case.entered_state_on if stays else today,
            la_visible=case.la_visible or machine.states[fired.to_state].la_visible,
            closed_on=today if closed else None,
            details={**case.details, **fired.details},
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        current = session.scalar(select(Case.version).where(Case.id == case.id)) or version
        raise ConflictError(
            case.id, version, int(current), {"trigger": fired.step.trigger, **params}
        )
    session.refresh(case)
    ending: list[ColumnElement[bool]] = [
        CaseDeadline.case_id == case.id,
        CaseDeadline.status == "open",
    ]
    if stays:
        ending.append(CaseDeadline.name.in_([rule.name for rule, _due in fired.scheduled]))
    elif not closed:  # a measure's deadline runs beside the steps, until the case closes
        ending.append(CaseDeadline.name.not_in([e.name for e in machine.evidence_deadlines]))
    session.execute(update(CaseDeadline).where(*ending).values(status="closed", closed_on=today))
    scheduled = []
    for rule, due in fired.scheduled:
        _open_deadline(session, case, rule.name, rule.label, due, rule.fires, fired.to_state)
        scheduled.append((rule.label, due))
    # The evidence the step records comes first, so the transition ends its part of the trail.
    for kind, details in fired.recorded:
        try:
            record_evidence(session, case, who, today, kind, details)
        except EvidenceError as error:
            raise CaseError(str(error), error.field) from None
    write_event(
        session,
        case,
        who,
        today,
        EventAction.TRANSITION,
        trigger=fired.step.trigger,
        from_state=fired.from_state,
        to_state=fired.to_state,
        note=params.get("note"),
        data={
            "params": {k: str(v) for k, v in params.items() if k != "note"},
            "deadlines": [(n, d.isoformat()) for n, d in scheduled],
        },
    )
    return scheduled


def open_follow_ons(
    session: Session, case: Case, who: Actor, today: date, fired: Fired, facts: CaseFacts
) -> list[Case]:
    """The cases the step starts, as its lifecycle declares them."""
    pupil = session.get_one(Pupil, case.pupil_id)
    opened: list[Case] = []
    for follow in fired.step.opens:
        note = follow.note.format(case=case.id)
        details = follow.details(facts) if follow.details else {}
        if follow.per_parent:
            # Every parent in the sense of s576; which are liable is for the LA to decide.
            for parent in facts.pupil.parents_s576:
                if follow.for_parent is not None and not follow.for_parent(facts, parent.name):
                    continue
                opened.append(
                    _follow_on_case(
                        session,
                        case,
                        who,
                        today,
                        follow,
                        pupil,
                        note,
                        {"parent": parent.name, **details},
                    )
                )
            continue
        existing = open_case_of(session, pupil.id, follow.kind)
        if existing is None or follow.if_open == "open":
            opened.append(_follow_on_case(session, case, who, today, follow, pupil, note, details))
        elif follow.if_open == "flag" and any(
            existing.details.get(k) != v for k, v in follow.flag.items()
        ):
            change_details(session, existing, who, today, follow.flag, note)
    return opened


def _follow_on_case(
    session: Session,
    case: Case,
    who: Actor,
    today: date,
    follow: FollowOn,
    pupil: Pupil,
    note: str,
    details: dict[str, Any],
) -> Case:
    return create_case(
        session,
        school_id=case.school_id,
        pupil=pupil,
        kind=follow.kind,
        who=who,
        today=today,
        details=details,
        parent_case_id=case.id,
        note=note,
    )


class _Leaves(Protocol):
    @property
    def leaving_date(self) -> date | None: ...


def off_roll(pupil: _Leaves, today: date) -> bool:
    """Whether the pupil is off roll today: from the leaving date on, no case opens."""
    return pupil.leaving_date is not None and pupil.leaving_date <= today


def take_off_roll(
    session: Session,
    case: Case,
    who: Actor,
    today: date,
    leaves: LeavesRoll,
    params: dict[str, Any],
) -> list[int]:
    """A step took the pupil off roll: set the leaving date and close the pupil's other open
    cases, each with an event saying why. Returns the ids of the cases closed."""
    leaving = as_date(params[leaves.on_param])
    pupil = session.get_one(Pupil, case.pupil_id)
    pupil.leaving_date = leaving
    note = leaves.note.format(on=long_date(leaving), case=case.id)
    others = list(
        session.scalars(
            select(Case)
            .where(Case.pupil_id == pupil.id, Case.id != case.id, Case.closed_on.is_(None))
            .order_by(Case.id)
            .with_for_update()
        )
    )
    for other in others:
        other.closed_on = today
        other.version = other.version + 1  # someone acting on what they saw gets a conflict
        session.execute(
            update(CaseDeadline)
            .where(CaseDeadline.case_id == other.id, CaseDeadline.status == "open")
            .values(status="closed", closed_on=today)
        )
        session.flush()
        write_event(
            session,
            other,
            who,
            today,
            EventAction.CLOSED,
            note=note,
            data={"by_case": case.id, "leaving_date": leaving.isoformat()},
        )
    return [c.id for c in others]
