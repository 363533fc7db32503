"""An attendance lead's (or head's) day: deadlines, new findings and cases waiting on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from casework.machines import LIFECYCLES
from casework.machines.roles import may
from casework.services.cases.queries import CaseSummary, case_summaries
from casework.services.daily_sweep import SweepRunView, last_sweep
from casework.services.reach import Actor, visible_to
from casework.store.database import Database
from casework.store.models import Case, CaseDeadline, CaseEvidence, Pupil, PupilFinding

DUE_SOON_DAYS = 7  # how far ahead the worklist looks for deadlines
NEW_FINDING_DAYS = 7  # how recent a finding is still new


@dataclass(frozen=True, slots=True)
class DeadlineItem:
    case: CaseSummary
    label: str
    due_on: date


@dataclass(frozen=True, slots=True)
class FindingItem:
    case: CaseSummary
    rule: str
    reason: str  # the sentence for parents
    recorded_on: date
    staff_reason: str = ""  # the same for staff, naming the pupil (the one screens show)
    # Recorded on a concern closed as improved and sustained, in its cool-off, instead of
    # opening a new one: the lead decides whether the concern starts again.
    in_cool_off: bool = False
    cool_off_ends: date | None = None


@dataclass(frozen=True, slots=True)
class NoticeItem:
    """A recent finding of a rule that opens no case: a letter to send, the LA to tell, a
    register to complete."""

    upn: str
    pupil_name: str
    rule: str
    reason: str  # the sentence for parents
    staff_reason: str  # the same for staff, naming the pupil (the one screens show)
    began: date
    found_on: date


@dataclass(frozen=True, slots=True)
class WaitingItem:
    case: CaseSummary
    steps: tuple[str, ...]  # labels of the steps this person's role may take from the state
    la_decision: dict[str, Any] | None = None  # the LA returned or refused what was sent


@dataclass(frozen=True, slots=True)
class Worklist:
    today: date
    overdue: tuple[DeadlineItem, ...]
    due: tuple[DeadlineItem, ...]
    findings: tuple[FindingItem, ...]
    waiting: tuple[WaitingItem, ...]
    last_sweep: SweepRunView | None
    notices: tuple[NoticeItem, ...] = ()


def worklist(db: Database, *, who: Actor, today: date) -> Worklist:
    """What needs doing today on the cases `who` may see."""
    with db.transaction() as session:
        open_cases = visible_to(who, Case) & Case.closed_on.is_(None)
        deadlines = list(
            session.execute(
                select(CaseDeadline.case_id, CaseDeadline.label, CaseDeadline.due_on)
                .join(Case, Case.id == CaseDeadline.case_id)
                .where(
                    open_cases,
                    CaseDeadline.status == "open",
                    CaseDeadline.due_on <= today + timedelta(days=DUE_SOON_DAYS),
                )
                .order_by(CaseDeadline.due_on, CaseDeadline.id)
            )
        )
        # New findings on open cases, and those the sweep recorded on a closed concern in its
        # cool-off (after it closed, marked so) instead of opening a new one.
        findings = [
            (case_id, details, on)
            for case_id, details, on, closed_on in session.execute(
                select(
                    CaseEvidence.case_id,
                    CaseEvidence.details,
                    CaseEvidence.recorded_on,
                    Case.closed_on,
                )
                .join(Case, Case.id == CaseEvidence.case_id)
                .where(
                    visible_to(who, Case),
                    Case.closed_on.is_(None) | (Case.closed_on <= CaseEvidence.recorded_on),
                    CaseEvidence.kind == "finding",
                    CaseEvidence.recorded_on > today - timedelta(days=NEW_FINDING_DAYS),
                )
                .order_by(CaseEvidence.recorded_on.desc(), CaseEvidence.id.desc())
            )
            if closed_on is None or details.get("in_cool_off")
        ]
        notices = session.execute(
            select(
                Pupil.upn,
                Pupil.forename,
                Pupil.surname,
                PupilFinding.rule,
                PupilFinding.reason,
                PupilFinding.staff_reason,
                PupilFinding.began,
                PupilFinding.found_on,
            )
            .join(Pupil, Pupil.id == PupilFinding.pupil_id)
            .where(
                visible_to(who, PupilFinding),
                visible_to(who, Pupil),
                PupilFinding.found_on > today - timedelta(days=NEW_FINDING_DAYS),
            )
            .order_by(PupilFinding.found_on.desc(), PupilFinding.id.desc())
        )
        notice_items = tuple(
            NoticeItem(upn, f"{forename} {surname}".strip(), rule, reason, staff, began, found)
            for upn, forename, surname, rule, reason, staff, began, found in notices
        )
        states = list(
            session.execute(select(Case.id, Case.kind, Case.state, Case.details).where(open_cases))
        )
        waiting_ids: dict[int, tuple[str, ...]] = {}
        # A decision the school must act on; an acceptance needs nothing of it.
        sent_back = {
            case_id: decision
            for case_id, _kind, _state, details in states
            if (decision := details.get("la_decision"))
            and decision.get("decision") in ("returned", "refused")
        }
        for case_id, kind, state, _details in states:
            labels = tuple(
                step.label
                for step in LIFECYCLES[kind].steps_from(state)
                if may(who.role, step.roles) and not step.automatic
            )
            if labels:
                waiting_ids[case_id] = labels
        ids = {row[0] for row in deadlines} | {row[0] for row in findings} | set(waiting_ids)
        summaries = {s.id: s for s in case_summaries(session, sorted(ids))}
    items = [DeadlineItem(summaries[c], label, due) for c, label, due in deadlines]
    return Worklist(
        today=today,
        overdue=tuple(i for i in items if i.due_on < today),
        due=tuple(i for i in items if i.due_on >= today),
        findings=tuple(
            FindingItem(
                summaries[c],
                str(d.get("rule", "")),
                str(d.get("reason", "")),
                on,
                str(d.get("staff_reason") or d.get("reason", "")),
                bool(d.get("in_cool_off")),
                date.fromisoformat(d["cool_off_ends"]) if d.get("cool_off_ends") else None,
            )
            for c, d, on in findings
        ),
        waiting=tuple(
            WaitingItem(summaries[c], steps, sent_back.get(c))
            for c, steps in sorted(waiting_ids.items(), reverse=True)
        ),
        last_sweep=last_sweep(db, who=who),
        notices=notice_items,
    )
