"""The JSON shapes of what Casework shows, defined once for the CLI's --json and the web API."""

from __future__ import annotations

from typing import Any

from casework.machines.lifecycle import NextStep
from casework.services.cases import CaseDetail, CaseSummary, Fired
from casework.services.reach import Actor


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


def fired(outcome: Fired) -> dict[str, Any]:
    return {
        **case_summary(outcome.case),
        "from": outcome.from_state,
        "to": outcome.to_state,
        "deadlines": [
            {"label": label, "due_on": due.isoformat()} for label, due in outcome.deadlines
        ],
        "opened": [case_summary(c) for c in outcome.opened],
    }


def user(actor: Actor) -> dict[str, Any]:
    return {
        "username": actor.username,
        "name": actor.name,
        "position": actor.position,
        "role": actor.role.value,
    }
