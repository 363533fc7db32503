"""Case commands: open a case, record evidence, take a step; each one transaction."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.machines import LIFECYCLES, OPENED_BY_HAND
from casework.machines.evidence import EvidenceError, evidence_kind
from casework.machines.lifecycle import Lifecycle, OpeningError, PupilFacts
from casework.machines.roles import may
from casework.services.cases.facts import (
    build_facts,
    contact_facts,
    current_evidence,
    load_case,
    standing_of,
)
from casework.services.cases.queries import CaseSummary, Fired, case_summaries
from casework.services.cases.writes import (
    apply_step,
    create_case,
    off_roll,
    open_case_of,
    open_follow_ons,
    record_evidence,
    take_off_roll,
)
from casework.services.errors import (
    CaseError,
    CasePupilNotFoundError,
    ConflictError,
    LetterError,
    PupilNotFoundError,
)
from casework.services.reach import Actor, visible_to
from casework.services.register.schools import SchoolContext, school_context
from casework.store.database import Database
from casework.store.models import Case, CaseEvidence, Pupil, School
from casework.text import long_date


def _pupil(session: Session, upn: str, school_urn: str | None, who: Actor) -> Pupil:
    if "\x00" in upn:  # no UPN holds one, and no database can be asked about it
        raise CasePupilNotFoundError(upn, f"no pupil with UPN {upn!r} at your school")
    query = select(Pupil).where(Pupil.upn == upn, visible_to(who, Pupil))
    if school_urn:
        query = query.join(School).where(School.urn == school_urn)
    found = list(session.scalars(query))
    if not found:
        raise CasePupilNotFoundError(upn, f"no pupil with UPN {upn} at your school")
    if len(found) > 1:
        raise PupilNotFoundError(upn, f"UPN {upn} is at more than one school", several=True)
    return found[0]


def open_case(
    db: Database,
    *,
    upn: str,
    kind: str,
    who: Actor,
    today: date,
    details: dict[str, Any] | None = None,
    school_urn: str | None = None,
    note: str | None = None,
) -> CaseSummary:
    """Open a case by hand (a leave request, a missing education enquiry, a concern)."""
    machine = LIFECYCLES.get(kind)
    if machine is not None and machine.opening_refusal:
        raise CaseError(machine.opening_refusal)
    if machine is None or kind not in OPENED_BY_HAND:
        raise CaseError(f"unknown case kind {kind!r} (kinds: {', '.join(OPENED_BY_HAND)})")
    # A NUL character is kept by no database (PostgreSQL refuses it outright): refused by name.
    for name, value in [*(details or {}).items(), ("note", note)]:
        if isinstance(value, str) and "\x00" in value:
            raise CaseError(f"{name} contains a NUL character", name)
    unknown = sorted(set(details or {}) - set(machine.opening_details))
    if unknown:
        allowed = ", ".join(machine.opening_details) or "none"
        raise CaseError(
            f"a {kind.replace('_', ' ')} case is not opened with {unknown[0]!r} "
            f"(details it takes: {allowed})"
        )
    with db.transaction() as session:
        if not machine.may_open(who.role):
            raise CaseError("only school attendance staff open cases")
        pupil = _pupil(session, upn, school_urn, who)
        if off_roll(pupil, today) and pupil.leaving_date is not None:
            raise CaseError(
                f"{upn} is off roll from {long_date(pupil.leaving_date)}: no new case opens"
            )
        school = school_context(session.get_one(School, pupil.school_id))
        details = dict(details or {})
        if machine.prepare is not None:
            try:
                details = machine.prepare(details, school.calendar, today)
            except (OpeningError, EvidenceError) as error:
                raise CaseError(str(error)) from None
        if machine.opening_check is not None:
            facts = PupilFacts(
                upn=pupil.upn,
                vulnerable=pupil.social_worker or pupil.looked_after,
                leaving_date=pupil.leaving_date,
                contacts=contact_facts(session, pupil),
                date_of_birth=pupil.date_of_birth,
            )
            try:
                details = machine.opening_check(details, facts)
            except OpeningError as error:
                raise CaseError(str(error)) from None
        if machine.same_request is not None:
            _refuse_same_request(session, machine, pupil, details)
        existing = open_case_of(session, pupil.id, kind)
        if existing is not None and machine.one_open_per_pupil:
            raise CaseError(
                f"{upn} already has an open {kind.replace('_', ' ')} case: {existing.id}"
            )
        case = create_case(
            session,
            school_id=pupil.school_id,
            pupil=pupil,
            kind=kind,
            who=who,
            today=today,
            details=details,
            note=note,
        )
        return case_summaries(session, [case.id])[0]


def _refuse_same_request(
    session: Session, machine: Lifecycle, pupil: Pupil, details: dict[str, Any]
) -> None:
    """Refuse a case that repeats one the pupil has (a leave request for the same dates),
    naming that case and where it is."""
    same = machine.same_request
    assert same is not None
    # Two people asking at once: the second waits here, then sees the first one's request.
    session.execute(select(Pupil.id).where(Pupil.id == pupil.id).with_for_update())
    for case in session.scalars(
        select(Case).where(Case.pupil_id == pupil.id, Case.kind == machine.kind).order_by(Case.id)
    ):
        if same.repeats(details, case.state, case.details):
            state = machine.states[case.state].label.lower()
            raise CaseError(
                f"{pupil.upn} already has a {machine.title.lower()} {same.words(details)}: "
                f"case {case.id} ({state}); nothing was opened"
            )


def add_evidence(
    db: Database,
    *,
    case_id: int,
    kind: str,
    details: dict[str, Any],
    who: Actor,
    today: date,
    recorded_on: date | None = None,
    supersedes: int | None = None,
    reason: str | None = None,
) -> int:
    """Attach evidence to a case (or supersede an earlier item, with a reason)."""
    with db.transaction() as session:
        case = load_case(session, case_id, who, lock=True)
        old = None
        if supersedes is not None:
            old = session.get(CaseEvidence, supersedes)
            if old is None or old.case_id != case.id:
                raise CaseError(f"case {case_id} has no evidence {supersedes}")
            if not reason:
                raise CaseError("superseding evidence needs a reason")
            if old.id not in {e.id for e in current_evidence(session, case.id)}:
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
            spec = evidence_kind(kind)
            if spec.check_on_case is not None and may(who.role, spec.roles):
                # Limits that depend on the case and its policy (who may record it is checked
                # when it is recorded).
                facts, _school, _pupil = build_facts(session, case, today)
                spec.check_on_case(spec.parse(details), facts)
            row = record_evidence(
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
            raise CaseError(str(error), error.field) from None
        return row.id


def fire(
    db: Database,
    *,
    case_id: int,
    trigger: str,
    who: Actor,
    today: date,
    params: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Fired:
    """Take a transition: check version, permission and guards; record state, audit, deadlines."""
    params = _checked_params({k: v for k, v in (params or {}).items() if v not in (None, "")})
    with db.transaction() as session:
        case = load_case(session, case_id, who)
        version = case.version if expected_version is None else expected_version
        if case.version != version:
            raise ConflictError(case_id, version, case.version, {"trigger": trigger, **params})
        machine = LIFECYCLES[case.kind]
        if case.closed_on is not None and not machine.is_final(case.state):
            # Closed without a step of its own (the pupil went off roll): nothing more to take.
            raise CaseError(f"case {case_id} was closed on {long_date(case.closed_on)}")
        facts, school, _pupil = build_facts(session, case, today, params)
        try:
            fired = LIFECYCLES[case.kind].fire(facts, trigger, who.role, standing_of(who, school))
        except ValueError as error:
            # A date the calendar cannot reach (a deadline after its last day, say): a
            # refusal with the reason, not a crash.
            raise CaseError(f"cannot {trigger.replace('_', ' ')}: {error}") from error
        scheduled = apply_step(session, case, who, today, fired, params, version)
        opened = open_follow_ons(session, case, who, today, fired, facts)
        if fired.step.leaves_roll is not None:
            take_off_roll(session, case, who, today, fired.step.leaves_roll, params)
        session.flush()
        letters, refused = (
            _draft_step_letter(session, case, fired.step.letter, who, today, school)
            if fired.step.letter and STEP_LETTERS
            else ([], None)
        )
        summary, *started = case_summaries(session, [case.id, *(c.id for c in opened)])
        return Fired(
            summary, fired.from_state, fired.to_state, scheduled, started, letters, refused
        )


class LetterDrafter(Protocol):
    def __call__(
        self, session: Session, case: Case, letter: str, who: Actor, today: date, school: Any
    ) -> list[int]: ...


# Who drafts the letter a step names: the letters service, which reads cases and so cannot be
# imported by them; it puts itself here when casework.services is imported.
STEP_LETTERS: list[LetterDrafter] = []


def _draft_step_letter(
    session: Session,
    case: Case,
    letter: str,
    who: Actor,
    today: date,
    school: SchoolContext,
) -> tuple[list[int], str | None]:
    """Draft the letter a step names, for a person to review and send. The step stands if the
    letter cannot be drafted yet (a parent's address missing): the refusal says what it lacks."""
    try:
        with session.begin_nested():  # a refusal leaves no half-drafted letters behind
            drafted = [
                i
                for draft in STEP_LETTERS
                for i in draft(session, case, letter, who, today, school)
            ]
    except LetterError as error:
        return [], str(error)
    return drafted, None


def _checked_params(params: dict[str, Any]) -> dict[str, Any]:
    """What the person firing supplied, refused by name when it is not what a step can use."""
    out = dict(params)
    # A number of days granted is a number; dates granted are checked by the step's guard.
    if str(out.get("days_granted", "")).strip().isdigit():
        out["days_granted"] = int(str(out["days_granted"]).strip())
    for key, value in params.items():
        if key.endswith(("_on", "_date")) and not isinstance(value, date):
            try:
                date.fromisoformat(str(value))
            except ValueError:
                raise CaseError(f"{key} {value!r} is not a date in the form YYYY-MM-DD") from None
    return out
