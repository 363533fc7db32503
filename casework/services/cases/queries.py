"""Case reads: what a person sees of cases, as frozen read models with real dates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.machines import LIFECYCLES
from casework.machines.audit import EventAction
from casework.machines.lifecycle import NextStep
from casework.services.cases.facts import (
    build_facts,
    load_case_page,
    standing_of,
)
from casework.services.errors import CaseNotFoundError
from casework.services.reach import Actor, visible_to
from casework.store.database import Database
from casework.store.models import (
    Case,
    CaseEvent,
    Pupil,
    School,
)
from casework.store.projection import year_start


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """A case as a list shows it."""

    id: int
    upn: str
    kind: str
    state: str
    version: int
    school_urn: str
    opened_on: date
    pupil_name: str = ""


@dataclass(frozen=True, slots=True)
class Fired:
    """A step taken on a case: the case as it now is, the deadlines set, the cases started."""

    case: CaseSummary
    from_state: str
    to_state: str
    deadlines: list[tuple[str, date]]
    opened: list[CaseSummary] = field(default_factory=list)
    # The letter the step drafts: the letters' ids, or why it could not be drafted yet.
    letters: list[int] = field(default_factory=list)
    letter_refused: str | None = None


@dataclass(frozen=True, slots=True)
class EvidenceView:
    id: int
    kind: str
    recorded_on: date
    details: dict[str, Any]
    superseded_by: int | None
    supersedes: int | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class DeadlineView:
    name: str
    label: str
    due_on: date
    status: str
    fires: str | None


@dataclass(frozen=True, slots=True)
class EventView:
    seq: int
    on: date
    at: datetime
    action: EventAction
    trigger: str | None
    from_state: str | None
    to_state: str | None
    by: str
    role: str
    position: str
    evidence_id: int | None
    note: str | None
    by_name: str = ""  # the person's name, as they are on record now


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """A case as its page shows it: state, evidence, deadlines, chronology and next steps."""

    summary: CaseSummary
    kind_title: str
    state_label: str
    details: dict[str, Any]  # the case's own data and its live measures
    evidence: tuple[EvidenceView, ...]
    deadlines: tuple[DeadlineView, ...]
    chronology: tuple[EventView, ...]
    next_steps: tuple[NextStep, ...]
    reachable: tuple[str, ...]
    # The case's letters as rows of their table, oldest first, read with the rest of the page
    # (the letters service makes them into what its lists show).
    letter_rows: tuple[Any, ...] = ()


def _summary_query() -> Any:
    return (
        select(Case, Pupil.upn, Pupil.forename, Pupil.surname, School.urn)
        .join(Pupil, Pupil.id == Case.pupil_id)
        .join(School, School.id == Case.school_id)
    )


def _summary(row: Any) -> CaseSummary:
    case, upn, forename, surname, urn = row
    return CaseSummary(
        case.id,
        upn,
        case.kind,
        case.state,
        case.version,
        urn,
        case.opened_on,
        f"{forename} {surname}".strip(),
    )


def case_summaries(session: Session, case_ids: Sequence[int]) -> list[CaseSummary]:
    """The summaries of these cases, in the order given, from one joined query."""
    rows = session.execute(_summary_query().where(Case.id.in_(case_ids)))
    found = {s.id: s for s in map(_summary, rows)}
    return [found[i] for i in case_ids]


def list_cases(db: Database, *, who: Actor, include_closed: bool = False) -> list[CaseSummary]:
    """The cases this user may see, newest first."""
    with db.transaction() as session:
        query = _summary_query().where(visible_to(who, Case)).order_by(Case.id.desc())
        if not include_closed:
            query = query.where(Case.closed_on.is_(None))
        return [_summary(row) for row in session.execute(query)]


def show_case(db: Database, *, case_id: int, who: Actor, today: date) -> CaseDetail:
    """State, evidence, deadlines, chronology and the next steps for this user."""
    with db.reads() as session:
        page = load_case_page(session, case_id, who, year_start(today))
        case, pupil, school = page.case, page.pupil, page.school
        machine = LIFECYCLES[case.kind]
        rows = page.evidence
        facts, _school, _pupil = build_facts(session, case, today, page=page)
        superseded = {e.supersedes_id: e.id for e in rows if e.supersedes_id}
        evidence = tuple(
            EvidenceView(
                e.id,
                e.kind,
                e.recorded_on,
                e.details,
                superseded.get(e.id),
                e.supersedes_id,
                e.supersede_reason,
            )
            for e in rows
        )
        deadlines = tuple(
            DeadlineView(d.name, d.label, d.due_on, d.status, d.fires) for d in page.deadlines
        ) + tuple(
            DeadlineView(limit.name, limit.label, due, "open" if due >= today else "passed", None)
            for limit in machine.time_limits
            if (due := limit.due(facts)) is not None
        )
        chronology = tuple(
            EventView(
                e.seq,
                e.on_day,
                e.at,
                EventAction(e.action),
                e.trigger,
                e.from_state,
                e.to_state,
                e.username,
                e.role,
                e.position,
                e.evidence_id,
                e.note,
                e.by_name or "",
            )
            for e in page.chronology
        )
        # A case closed without a step of its own (the pupil went off roll) has none left.
        steps = (
            ()
            if case.closed_on
            else tuple(machine.next_steps(facts, who.role, standing_of(who, school)))
        )
        return CaseDetail(
            summary=_summary((case, pupil.upn, pupil.forename, pupil.surname, school.urn)),
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
            reachable=tuple(sorted({s.dest for s in steps})),
            letter_rows=tuple(page.letters),
        )


def replay_state(db: Database, case_id: int) -> str:
    """The state the audit trail leads to (it must equal the stored state)."""
    with db.transaction() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise CaseNotFoundError(case_id)
        events = session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.action == EventAction.TRANSITION.value)
            .order_by(CaseEvent.seq)
        )
        return LIFECYCLES[case.kind].replay(
            (e.trigger or "", e.from_state or "", e.to_state or "") for e in events
        )
