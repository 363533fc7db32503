"""The LA's decisions on what schools send it (a formal-support referral, a penalty request):
each is a step that records its own la_decision evidence and keeps the decision on the case."""

from __future__ import annotations

from casework.machines.lifecycle import CaseFacts, Changes, Effect, Records, Step


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
