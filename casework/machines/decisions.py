"""The LA's decisions on what schools send it (a formal-support referral, a penalty request):
each is a step that records its own la_decision evidence and keeps the decision on the case."""

from __future__ import annotations

from casework.machines.lifecycle import CaseFacts, Changes, Effect, Guard, Records, Step
from casework.machines.roles import LA


def la_decision(decision: str) -> Records:
    """The decision as evidence; its reason is the note the step needs (the school reads it)."""
    return Records(
        kind="la_decision", details={"decision": decision}, from_params={"reason": "note"}
    )


def decided(decision: str) -> Effect:
    """The decision kept on the case, so that the case and the school's worklist show it."""

    def effect(facts: CaseFacts) -> Changes:
        on = facts.today.isoformat()
        return Changes(
            {"la_decision": {"decision": decision, "on": on, "reason": facts.params.get("note")}}
        )

    return effect


def records_la_decision(step: Step, decision: str) -> bool:
    """Whether taking `step` records this LA decision (how the referrals inbox finds it)."""
    return any(
        r.kind == "la_decision" and r.details.get("decision") == decision for r in step.records
    )


def la_decides(
    decision: str,
    *,
    trigger: str,
    source: tuple[str, ...],
    dest: str,
    label: str,
    guards: tuple[Guard, ...] = (),
    reason_needed: bool = True,
) -> Step:
    """A step by which the LA decides: its decision recorded and kept on the case; a return or
    a refusal needs the reason (the step's note)."""
    return Step(
        trigger=trigger,
        source=source,
        dest=dest,
        label=label,
        roles=LA,
        guards=guards,
        needs=("note",) if reason_needed else (),
        effect=decided(decision),
        records=(la_decision(decision),),
    )
