"""A senior leader's queue: escalations awaiting SLT approval and the decisions only they take.

Both are read from the lifecycles' data, the same for every kind of case:

- an escalation awaits approval when a step from the case's state has a guard made by
  `guards.slt_approved`, no senior leader has decided on that step since the case entered its
  state, and every other guard of the step is met (approval is all that is missing);
- a decision waits on the head when a step from the case's state may be taken by senior leaders
  alone (grant or decline leave; approve or refuse a penalty notice for the school, which the LA
  may instead accept, return or refuse) and at least one such step is allowed now, given what
  the head types with it.

Approving or refusing an escalation records `slt_approval` evidence; a decision takes its step.
Both go through the case services, which check permission and guards as always.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select

from casework.machines import LIFECYCLES, guards
from casework.machines.lifecycle import CaseFacts, Lifecycle, Step
from casework.machines.roles import Role, Standing
from casework.services import cases
from casework.services.cases.facts import build_facts, load_case, standing_of
from casework.services.cases.queries import CaseSummary, case_summaries
from casework.services.errors import FieldErrors, ServiceError
from casework.services.reach import Actor, visible_to
from casework.store.database import Database
from casework.store.models import Case
from casework.text import in_sentence

DECISIONS = ("approved", "refused")
# What a head types with a decision: their note, which is also the reason a step may ask for
# (the exceptional circumstances that justify leave).
TYPED = {"note": "(typed)", "reason": "(typed)"}
NOTE_FIELDS = tuple(TYPED)  # what the note box supplies


class NotSeniorLeaderError(ServiceError):
    """The approvals queue is a senior leader's."""


@dataclass(frozen=True, slots=True)
class Choice:
    """A step the head may take from the queue, allowed now or blocked with its reasons."""

    trigger: str
    label: str
    needs: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return not self.reasons


@dataclass(frozen=True, slots=True)
class Escalation:
    """A step a senior leader is asked to approve; a member of staff then takes it."""

    case: CaseSummary
    kind_title: str
    state_label: str
    step: str
    label: str
    taken_by: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"escalation-{self.case.id}-{self.step}"


@dataclass(frozen=True, slots=True)
class Decision:
    """A case waiting on the head's own decision."""

    case: CaseSummary
    kind_title: str
    state_label: str
    details: dict[str, Any]
    choices: tuple[Choice, ...]

    @property
    def key(self) -> str:
        return f"decision-{self.case.id}"

    @property
    def fields(self) -> tuple[str, ...]:
        """What the form asks for besides the note: the needs of the allowed steps."""
        needs = [n for c in self.choices if c.allowed for n in c.needs if n not in NOTE_FIELDS]
        return tuple(dict.fromkeys(needs))


@dataclass(frozen=True, slots=True)
class ApprovalsQueue:
    today: date
    escalations: tuple[Escalation, ...]
    decisions: tuple[Decision, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an action from the queue did, and the row as it now is (None: it left the queue)."""

    case: CaseSummary
    message: str
    escalations: tuple[Escalation, ...] = ()  # the case's escalations still awaiting approval
    decision: Decision | None = None

    def escalation(self, key: str) -> Escalation | None:
        return next((e for e in self.escalations if e.key == key), None)


def _guard_reasons(step: Step, facts: CaseFacts, skip: str | None = None) -> list[str]:
    """The reasons the step's guards give (its needs left out), less the SLT guard `skip`."""
    return step.refused_by(
        facts, lambda guard: skip is not None and guards.approved_step(guard) == skip
    )


def _slt_steps(machine: Lifecycle, state: str) -> list[tuple[Step, str]]:
    return [
        (step, approves)
        for step in machine.steps_from(state)
        for approves in map(guards.approved_step, step.guards)
        if approves is not None
    ]


def _own_steps(
    machine: Lifecycle, state: str, role: Role, standing: Standing | None = None
) -> list[Step]:
    """Steps from the state that only this role may take (never automatic ones); with a
    standing, only those it holds (a head's decision is not every senior leader's)."""
    return [
        s
        for s in machine.steps_from(state)
        if s.roles == frozenset({role})
        and not s.automatic
        and (standing is None or standing.decides(s.decided_by))
    ]


def _items(
    db: Database, who: Actor, today: date, case_ids: list[int] | None = None
) -> tuple[list[Escalation], list[Decision]]:
    escalations: list[Escalation] = []
    decisions: list[Decision] = []
    with db.transaction() as session:
        query = select(Case).where(visible_to(who, Case), Case.closed_on.is_(None))
        if case_ids is not None:
            query = query.where(Case.id.in_(case_ids))
        # Only cases in a state with such a step are worth their facts (which read the register).
        rows = [
            c
            for c in session.scalars(query.order_by(Case.opened_on, Case.id))
            if _slt_steps(LIFECYCLES[c.kind], c.state)
            or _own_steps(LIFECYCLES[c.kind], c.state, who.role)
        ]
        summaries = {s.id: s for s in case_summaries(session, [c.id for c in rows])}
        for case in rows:
            machine = LIFECYCLES[case.kind]
            facts, school, _pupil = build_facts(session, case, today, TYPED)
            title, label = machine.title, machine.states[case.state].label
            seen: set[str] = set()
            for step, approves in _slt_steps(machine, case.state):
                if approves in seen or guards.slt_decision(facts, approves) is not None:
                    continue
                if _guard_reasons(step, facts, skip=approves):
                    continue
                seen.add(approves)
                taken_by = tuple(sorted(r.value for r in step.roles))
                escalations.append(
                    Escalation(summaries[case.id], title, label, approves, step.label, taken_by)
                )
            choices = tuple(
                Choice(s.trigger, s.label, s.needs, tuple(_guard_reasons(s, facts)))
                for s in _own_steps(machine, case.state, who.role, standing_of(who, school))
            )
            if any(c.allowed for c in choices):
                details = {k: v for k, v in case.details.items() if not isinstance(v, dict)}
                decisions.append(Decision(summaries[case.id], title, label, details, choices))
    return escalations, decisions


def _check_senior_leader(who: Actor) -> None:
    if who.role is not Role.SENIOR_LEADER:
        raise NotSeniorLeaderError("the approvals queue is for senior leaders")


def approvals_queue(db: Database, *, who: Actor, today: date) -> ApprovalsQueue:
    """What awaits this senior leader at their school, oldest case first."""
    _check_senior_leader(who)
    escalations, decisions = _items(db, who, today)
    return ApprovalsQueue(today, tuple(escalations), tuple(decisions))


def queue_row(db: Database, *, who: Actor, today: date, case_id: int, message: str = "") -> Outcome:
    """One case's rows of the queue as they now are (not found when out of reach)."""
    _check_senior_leader(who)
    escalations, decisions = _items(db, who, today, [case_id])
    with db.transaction() as session:
        load_case(session, case_id, who)
        (summary,) = case_summaries(session, [case_id])
    return Outcome(
        summary,
        message,
        tuple(escalations),
        decisions[0] if decisions else None,
    )


def decide_escalation(
    db: Database,
    *,
    who: Actor,
    today: date,
    case_id: int,
    step: str,
    decision: str,
    note: str = "",
) -> Outcome:
    """Record the head's approval or refusal of a step (a refusal needs a note)."""
    _check_senior_leader(who)
    note = note.strip()
    if decision not in DECISIONS:
        raise FieldErrors({"decision": "Choose approve or refuse"})
    if decision == "refused" and not note:
        raise FieldErrors({"note": "Enter why you refuse, for the attendance lead to read"})
    details = {"decision": decision, "step": step, **({"reason": note} if note else {})}
    cases.add_evidence(
        db, case_id=case_id, kind="slt_approval", details=details, who=who, today=today
    )
    row = queue_row(db, who=who, today=today, case_id=case_id)
    label = next(
        (s.label for s in LIFECYCLES[row.case.kind].steps if s.trigger == step),
        step.replace("_", " "),
    )
    verb = "approved" if decision == "approved" else "refused"
    return replace(row, message=f"you {verb} “{label}”")


def take_decision(
    db: Database,
    *,
    who: Actor,
    today: date,
    case_id: int,
    trigger: str,
    note: str = "",
    values: dict[str, str] | None = None,
    version: int | None = None,
) -> Outcome:
    """Take a step only the head takes (approve, refuse, grant, decline), with what it needs."""
    _check_senior_leader(who)
    with db.transaction() as session:
        case = load_case(session, case_id, who)  # not found when out of reach
        steps = LIFECYCLES[case.kind].steps_from(case.state)
    note = note.strip()
    typed = {k: v.strip() for k, v in (values or {}).items() if v.strip()}
    step = next((s for s in steps if s.trigger == trigger), None)
    if step is not None:
        missing = {
            need: f"Enter the {need.replace('_', ' ')}"
            for need in step.needs
            if not (note if need in NOTE_FIELDS else typed.get(need))
        }
        if missing:
            raise FieldErrors(missing)
    params = {**typed, **({"note": note, "reason": note} if note else {})}
    fired = cases.fire(
        db,
        case_id=case_id,
        trigger=trigger,
        who=who,
        today=today,
        params=params,
        expected_version=version,
    )
    label = step.label if step is not None else trigger.replace("_", " ")
    state = LIFECYCLES[fired.case.kind].states[fired.to_state].label
    message = f"{label}: the case is now {in_sentence(state)}"
    return queue_row(db, who=who, today=today, case_id=case_id, message=message)
