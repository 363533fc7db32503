"""An LA officer's inbox: the cases that reached the LA from its schools, and its decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from casework.machines import LIFECYCLES
from casework.machines.decisions import records_la_decision
from casework.machines.lifecycle import TriggerError, as_date
from casework.machines.roles import Role
from casework.services import cases
from casework.services.cases.queries import CaseSummary, case_summaries
from casework.services.errors import CaseNotFoundError, FieldErrors, ServiceError
from casework.services.reach import Actor, visible_to
from casework.store.database import Database
from casework.store.models import Case, CaseEvent, CaseEvidence, School

# The decisions the inbox records on a referral (la_decision evidence has more, taken on the
# case page: prosecute, withdraw, located elsewhere).
INBOX_DECISIONS = ("accepted", "returned", "refused")
WHY_NEEDED = {
    "returned": "Enter why the referral goes back to the school",
    "refused": "Enter why the LA refuses it",
}


class NotLAOfficerError(ServiceError):
    """The referrals inbox is an LA officer's."""


@dataclass(frozen=True, slots=True)
class LADecision:
    decision: str
    reason: str
    recorded_on: date


@dataclass(frozen=True, slots=True)
class Referral:
    """A case with the LA, as the inbox lists it."""

    case: CaseSummary
    school_name: str
    kind_title: str
    state_label: str
    reached_la_on: date | None  # the first day the case entered a state the LA sees
    decision: LADecision | None  # the latest la_decision on the case

    @property
    def key(self) -> str:
        return f"referral-{self.case.id}"


@dataclass(frozen=True, slots=True)
class ReferralsInbox:
    referrals: tuple[Referral, ...]

    @property
    def undecided(self) -> tuple[Referral, ...]:
        return tuple(r for r in self.referrals if r.decision is None)


def _la_visible_states(kind: str) -> set[str]:
    return {s.name for s in LIFECYCLES[kind].states.values() if s.la_visible}


def _check_la_officer(who: Actor) -> None:
    if who.role is not Role.LA_OFFICER:
        raise NotLAOfficerError("the referrals inbox is for LA officers")


def _referrals(
    db: Database, who: Actor, case_ids: list[int] | None = None, *, closed: bool = False
) -> list[Referral]:
    with db.transaction() as session:
        query = (
            select(Case.id, Case.kind, School.name, Case.details)
            .join(School, School.id == Case.school_id)
            .where(visible_to(who, Case))
        )
        if not closed:
            query = query.where(Case.closed_on.is_(None))
        if case_ids is not None:
            query = query.where(Case.id.in_(case_ids))
        rows = list(session.execute(query.order_by(Case.id.desc())))
        ids = [r[0] for r in rows]
        # A decision step keeps the LA's decision on the case (None once sent again); older
        # decisions are only evidence.
        kept = {r[0]: r[3]["la_decision"] for r in rows if "la_decision" in r[3]}
        reached: dict[int, date] = {}
        kinds = {r[0]: r[1] for r in rows}
        for case_id, on_day, to_state in session.execute(
            select(CaseEvent.case_id, CaseEvent.on_day, CaseEvent.to_state)
            .where(CaseEvent.case_id.in_(ids), CaseEvent.to_state.is_not(None))
            .order_by(CaseEvent.case_id, CaseEvent.seq)
        ):
            if case_id not in reached and to_state in _la_visible_states(kinds[case_id]):
                reached[case_id] = on_day
        decided: dict[int, LADecision] = {}
        superseded = set(
            session.scalars(
                select(CaseEvidence.supersedes_id).where(
                    CaseEvidence.case_id.in_(ids), CaseEvidence.supersedes_id.is_not(None)
                )
            )
        )
        for evidence in session.scalars(
            select(CaseEvidence)
            .where(CaseEvidence.case_id.in_(ids), CaseEvidence.kind == "la_decision")
            .order_by(CaseEvidence.recorded_on, CaseEvidence.id)
        ):
            if evidence.id not in superseded:
                decided[evidence.case_id] = LADecision(
                    str(evidence.details.get("decision", "")),
                    str(evidence.details.get("reason", "")),
                    evidence.recorded_on,
                )
        summaries = {s.id: s for s in case_summaries(session, ids)}
    out = []
    for case_id, kind, school_name, _details in rows:
        summary = summaries[case_id]
        if case_id in kept:
            on_case = kept[case_id]
            if on_case:
                decided[case_id] = LADecision(
                    str(on_case["decision"]),
                    str(on_case.get("reason") or ""),
                    as_date(on_case["on"]),
                )
            else:
                decided.pop(case_id, None)
        machine = LIFECYCLES[kind]
        out.append(
            Referral(
                summary,
                school_name,
                machine.title,
                machine.states[summary.state].label,
                reached.get(case_id),
                decided.get(case_id),
            )
        )
    return out


def referrals_inbox(db: Database, *, who: Actor) -> ReferralsInbox:
    """The open cases with the LA from the officer's schools, newest first."""
    _check_la_officer(who)
    return ReferralsInbox(tuple(_referrals(db, who)))


def decide_referral(
    db: Database, *, who: Actor, today: date, case_id: int, decision: str, reason: str = ""
) -> Referral:
    """Accept, return or refuse a referral (a return or refusal needs the reason) by the step
    of its lifecycle that records that decision; a case with no such step from its state gets
    the decision as evidence. The row as it now is."""
    found = referral(db, who=who, case_id=case_id)  # out of reach is not found, whatever typed
    reason = reason.strip()
    if decision not in INBOX_DECISIONS:
        raise FieldErrors({"decision": "Choose accept, return or refuse"})
    if decision in WHY_NEEDED and not reason:
        raise FieldErrors({"reason": WHY_NEEDED[decision]})
    machine = LIFECYCLES[found.case.kind]
    steps = [s for s in machine.steps_from(found.case.state) if records_la_decision(s, decision)]
    if steps:
        try:
            cases.fire(
                db,
                case_id=case_id,
                trigger=steps[0].trigger,
                who=who,
                today=today,
                params={"note": reason},
                expected_version=found.case.version,
            )
        except TriggerError as error:
            raise FieldErrors({"reason": str(error)}) from None
    else:
        details = {"decision": decision, **({"reason": reason} if reason else {})}
        cases.add_evidence(
            db, case_id=case_id, kind="la_decision", details=details, who=who, today=today
        )
    # A refusal may close the case: the row is shown once more, as decided.
    return _referrals(db, who, [case_id], closed=True)[0]


def referral(db: Database, *, who: Actor, case_id: int) -> Referral:
    """One open case of the inbox (not found when out of reach or closed)."""
    _check_la_officer(who)
    found = _referrals(db, who, [case_id])
    if not found:
        raise CaseNotFoundError(case_id)
    return found[0]
