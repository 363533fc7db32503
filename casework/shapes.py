"""The JSON shapes of what Casework shows, defined once for the CLI's --json and the web API."""

from __future__ import annotations

from datetime import date
from typing import Any

from casework.machines import LIFECYCLES
from casework.machines.diagram import mermaid
from casework.machines.lifecycle import NextStep
from casework.register.statistics import PupilStats
from casework.services.cases import CaseDetail, CaseSummary, Fired
from casework.services.daily_sweep import SweepRunView
from casework.services.pupils import PupilView
from casework.services.reach import Actor
from casework.services.worklist import Worklist


def case_summary(case: CaseSummary) -> dict[str, Any]:
    return {
        "id": case.id,
        "upn": case.upn,
        "kind": case.kind,
        "state": case.state,
        "version": case.version,
        "school": case.school_urn,
        "opened_on": case.opened_on.isoformat(),
    }


def next_step(step: NextStep) -> dict[str, Any]:
    return step.as_dict()


def case_detail(detail: CaseDetail) -> dict[str, Any]:
    return {
        **case_summary(detail.summary),
        "title": detail.kind_title,
        "state_label": detail.state_label,
        "details": detail.details,
        "evidence": [
            {
                "id": e.id,
                "kind": e.kind,
                "recorded_on": e.recorded_on.isoformat(),
                "details": e.details,
                "superseded_by": e.superseded_by,
                "supersedes": e.supersedes,
                "reason": e.reason,
            }
            for e in detail.evidence
        ],
        "deadlines": [
            {
                "name": d.name,
                "label": d.label,
                "due_on": d.due_on.isoformat(),
                "status": d.status,
                "fires": d.fires,
            }
            for d in detail.deadlines
        ],
        "chronology": [
            {
                "seq": e.seq,
                "on": e.on.isoformat(),
                "at": e.at.isoformat(),
                "action": e.action.value,
                "trigger": e.trigger,
                "from": e.from_state,
                "to": e.to_state,
                "by": e.by,
                "role": e.role,
                "position": e.position,
                "evidence": e.evidence_id,
                "note": e.note,
            }
            for e in detail.chronology
        ],
        "next_steps": [next_step(s) for s in detail.next_steps],
    }


def case_shown(detail: CaseDetail) -> dict[str, Any]:
    """What `case show --json` prints and `GET /api/cases/{id}` answers: one place, no drift."""
    summary = detail.summary
    return {**case_detail(detail), "diagram": mermaid(LIFECYCLES[summary.kind], summary.state)}


def fired(outcome: Fired) -> dict[str, Any]:
    return {
        **case_summary(outcome.case),
        "from": outcome.from_state,
        "to": outcome.to_state,
        "deadlines": [
            {"label": label, "due_on": due.isoformat()} for label, due in outcome.deadlines
        ],
        "opened": [case_summary(c) for c in outcome.opened],
        "letters": outcome.letters,
        "letter_refused": outcome.letter_refused,
    }


def user(actor: Actor) -> dict[str, Any]:
    return {
        "username": actor.username,
        "name": actor.name,
        "position": actor.position,
        "role": actor.role.value,
    }


def pupil(view: PupilView) -> dict[str, Any]:
    return {
        "upn": view.upn,
        "forename": view.forename,
        "surname": view.surname,
        "date_of_birth": view.date_of_birth.isoformat(),
        "sex": view.sex,
        "year_group": view.year_group,
        "pupil_premium": view.pupil_premium,
        "send": view.send,
        "ehcp": view.ehcp,
        "looked_after": view.looked_after,
        "social_worker": view.social_worker,
        "admission_date": _day(view.admission_date),
        "leaving_date": _day(view.leaving_date),
        "school": view.school_urn,
        "school_name": view.school_name,
        "contacts": [
            {
                "name": c.name,
                "relationship": c.relationship,
                "parental_responsibility": c.parental_responsibility,
                "lives_with_pupil": c.lives_with_pupil,
                "priority": c.priority,
                "phone": c.phone,
                "email": c.email,
                "address": c.address,
            }
            for c in view.contacts
        ],
        "cases": [case_summary(c) for c in view.cases],
    }


def pupil_with_statistics(view: PupilView, stats: PupilStats) -> dict[str, Any]:
    """The pupil and what `casework stats UPN --json` prints for them."""
    return {"pupil": pupil(view), "statistics": stats.as_dict()}


def sweep_run(run: SweepRunView | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "as_of": run.as_of.isoformat(),
        "finished_at": run.finished_at.isoformat(),
        "findings": run.findings,
        "cases_opened": run.cases_opened,
    }


def worklist(work: Worklist) -> dict[str, Any]:
    def deadline(item: Any) -> dict[str, Any]:
        return {"case": case_summary(item.case), "label": item.label, "due_on": _day(item.due_on)}

    return {
        "today": work.today.isoformat(),
        "overdue": [deadline(i) for i in work.overdue],
        "due": [deadline(i) for i in work.due],
        "findings": [
            {
                "case": case_summary(i.case),
                "rule": i.rule,
                "reason": i.reason,
                "staff_reason": i.staff_reason,
                "recorded_on": i.recorded_on.isoformat(),
                "in_cool_off": i.in_cool_off,
                "cool_off_ends": _day(i.cool_off_ends),
            }
            for i in work.findings
        ],
        "waiting": [
            {"case": case_summary(i.case), "steps": list(i.steps), "la_decision": i.la_decision}
            for i in work.waiting
        ],
        "last_sweep": sweep_run(work.last_sweep),
        "notices": [
            {
                "upn": i.upn,
                "pupil_name": i.pupil_name,
                "rule": i.rule,
                "reason": i.reason,
                "staff_reason": i.staff_reason,
                "began": i.began.isoformat(),
                "found_on": i.found_on.isoformat(),
            }
            for i in work.notices
        ],
    }


def _day(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None
