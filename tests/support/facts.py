"""Builders for the facts a lifecycle reads, with no database (the machines unit tests).

The 2025/26 school calendar, the national policy, a pupil with two contacts (one with parental
responsibility), evidence items checked against their kinds, and `Case`, which walks a case
through its lifecycle the way the case service does (stamps, the day each state is entered,
the agreed end of partly granted leave).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import pytest

from casework.machines import LIFECYCLES
from casework.machines.evidence import evidence_kind
from casework.machines.lifecycle import (
    BlockedError,
    CaseFacts,
    ContactFacts,
    EvidenceItem,
    Fired,
    Lifecycle,
    PriorNotice,
    PupilFacts,
    RelatedFacts,
    TriggerError,
)
from casework.machines.roles import NO_STANDING, Role, Standing
from casework.policy.loader import load_policy
from tests.support.calendar import CALENDAR_WITHOUT_INSET
from tests.support.dates import d

# -- the world -------------------------------------------------------------------------------

CALENDAR = CALENDAR_WITHOUT_INSET  # the 2025/26 year; 5 January 2026 is a school day here
POLICY = load_policy("national-2024")

MUM = ContactFacts("Dana Shaw", "mother", parental_responsibility=True, lives_with_pupil=True)
GRANDAD = ContactFacts("Len Shaw", "grandfather", parental_responsibility=False)
PUPIL = PupilFacts(
    "B801200005001",
    vulnerable=False,
    leaving_date=None,
    contacts=(MUM, GRANDAD),
    date_of_birth=date(2016, 1, 1),
)
VULNERABLE = replace(PUPIL, vulnerable=True)
THE_HEAD = Standing(head=True)  # the senior leader who is the school's head
NO_PARENT = replace(PUPIL, contacts=(GRANDAD,))
NO_CONTACTS = replace(PUPIL, contacts=())
LEFT = replace(PUPIL, leaving_date=date(2026, 3, 20))


# -- evidence --------------------------------------------------------------------------------

_ids = itertools.count(1)


def evidence(kind: str, on: str | date, **details: Any) -> EvidenceItem:
    """An evidence item as the service stores it: details checked and normalised by its kind."""
    if "with_" in details:
        details["with"] = details.pop("with_")
    return EvidenceItem(next(_ids), kind, d(on), evidence_kind(kind).parse(details))


def contact(on: str, who: str = MUM.name, outcome: str = "reached") -> EvidenceItem:
    return evidence("contact_attempt", on, channel="phone", contact=who, outcome=outcome)


def meeting(on: str, purpose: str = "school_support") -> EvidenceItem:
    return evidence("meeting", on, purpose=purpose, attendees="Dana Shaw, Mr B Lead", outcome="ok")


def plan(signed_on: str, review_date: str, kind: str = "attendance_plan") -> EvidenceItem:
    return evidence(
        "signed_plan", signed_on, plan=kind, signed_on=signed_on, review_date=review_date
    )


def letter(on: str, kind: str = "attendance_concern") -> EvidenceItem:
    return evidence("letter_sent", on, letter=kind, sent_on=on)


def home_visit(on: str, outcome: str = "parent_seen") -> EvidenceItem:
    return evidence("home_visit", on, outcome=outcome)


def agencies(on: str, names: str = "none") -> EvidenceItem:
    return evidence("agencies", on, agencies=names)


def slt(on: str, step: str, decision: str = "approved") -> EvidenceItem:
    return evidence("slt_approval", on, decision=decision, step=step)


def la(on: str, decision: str) -> EvidenceItem:
    return evidence("la_decision", on, decision=decision)


def support(on: str, kind: str = "attendance_contract", accepted: str = "N") -> EvidenceItem:
    return evidence("support_offered", on, support=kind, accepted=accepted)


def eso(on: str) -> EvidenceItem:
    return evidence("eso_considered", on, decision="not_appropriate", reason="support refused")


def prosecution_pack(on: str) -> EvidenceItem:
    return evidence("prosecution_pack", on, sent_on=on, sent_to="LA legal services")


def eso_order(on: str, stage: str = "applied", ends_on: str | None = None) -> EvidenceItem:
    """An education supervision order applied for, granted (with its end) or breached."""
    extra = {"ends_on": ends_on} if ends_on else {}
    return evidence("education_supervision_order", on, stage=stage, stage_on=on, **extra)


def absent_until(on: str | None) -> dict[str, Any]:
    """The last unauthorised absence within the prosecution time limit, as the case service
    measures it from the register (None: none in time)."""
    return {"prosecution_time_limit": {"last_absence": on}}


def payment(on: str, amount: float) -> EvidenceItem:
    return evidence("payment", on, amount=amount, paid_on=on)


def welfare_check(on: str) -> EvidenceItem:
    return evidence("welfare_check", on, requested_on=on)


def enquiry(on: str, where: str = "sibling_school") -> EvidenceItem:
    return evidence("enquiry", on, with_=where, outcome="not known there")


def finding(on: str, rule: str = "cme_continuous_absence") -> EvidenceItem:
    return evidence("finding", on, rule=rule, reason="absent without reason", as_of=on)


def referral_pack(on: str) -> list[EvidenceItem]:
    """What an LA referral needs besides a signed plan and a named parent."""
    return [letter(on), home_visit(on), agencies(on)]


def threshold(
    count: int, needed: int = 10, *, as_of: str | None = None, codes: list[str] | None = None
) -> dict[str, Any]:
    """The penalty threshold as the case service measures it from the register (over the
    10 school weeks up to `as_of`, the offence's day, when given)."""
    out: dict[str, Any] = {
        "count": count,
        "threshold": needed,
        "window": "in the last 10 school weeks",
    }
    if as_of:
        out["as_of"] = as_of
    if codes is not None:
        out["codes"] = codes
    return out


def not_appropriate(on: str, reason: str = "term_time_holiday") -> EvidenceItem:
    """SLT's recorded reason why a notice to improve is not appropriate."""
    return evidence("no_notice_to_improve", on, reason=reason, explanation="as recorded by SLT")


def liability(on: str, liable: str = "Y") -> EvidenceItem:
    """The LA's decision whether the parent a penalty notice names is liable."""
    return evidence("liability_decision", on, liable=liable, reason="has care of the child")


def judgement(on: str, improvement: str = "not_sufficient") -> EvidenceItem:
    """SLT's judgement of the improvement after a notice to improve."""
    return evidence("improvement_judgement", on, improvement=improvement, reason="96% to 88%")


# -- facts -----------------------------------------------------------------------------------


def facts(
    kind: str,
    state: str,
    today: str | date,
    *,
    evidence: tuple[EvidenceItem, ...] | list[EvidenceItem] = (),
    details: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    pupil: PupilFacts = PUPIL,
    related: RelatedFacts | None = None,
    entered_state_on: str | date | None = None,
) -> CaseFacts:
    return CaseFacts(
        kind=kind,
        state=state,
        today=d(today),
        calendar=CALENDAR,
        policy=POLICY,
        pupil=pupil,
        evidence=tuple(evidence),
        entered_state_on=d(entered_state_on) if entered_state_on else None,
        details=dict(details or {}),
        related=related or RelatedFacts(),
        params=dict(params or {}),
    )


def notices(*issued: tuple[str, str]) -> RelatedFacts:
    """Earlier penalty notices to this parent for this child: (issued_on, state) pairs."""
    return RelatedFacts(prior_notices=tuple(PriorNotice(d(on), state) for on, state in issued))


@dataclass
class Case:
    """One case walked through its lifecycle as the case service would walk it."""

    kind: str
    opened: str | date
    state: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    pupil: PupilFacts = PUPIL
    related: RelatedFacts = field(default_factory=RelatedFacts)
    evidence: list[EvidenceItem] = field(default_factory=list)
    entered: date = field(init=False)
    moves: list[tuple[str, str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.state = self.state or self.lifecycle.initial
        self.entered = d(self.opened)

    @property
    def lifecycle(self) -> Lifecycle:
        return LIFECYCLES[self.kind]

    def add(self, *items: EvidenceItem | list[EvidenceItem]) -> Case:
        for item in items:
            self.evidence.extend(item if isinstance(item, list) else [item])
        return self

    def facts(self, today: str | date, **params: Any) -> CaseFacts:
        return facts(
            self.kind,
            self.state,
            today,
            evidence=self.evidence,
            details=self.details,
            params=params,
            pupil=self.pupil,
            related=self.related,
            entered_state_on=self.entered,
        )

    def fire(
        self,
        trigger: str,
        role: Role,
        today: str | date,
        standing: Standing | None = None,
        **params: Any,
    ) -> Fired:
        """Take a step as `role`; a senior leader is the head unless `standing` says not."""
        if standing is None:
            standing = THE_HEAD if role is Role.SENIOR_LEADER else NO_STANDING
        fired = self.lifecycle.fire(self.facts(today, **params), trigger, role, standing)
        assert fired.from_state == self.state
        # What the step sets on the case (stamps, the agreed end of a part grant), as the
        # service stores it.
        self.details.update(fired.details)
        self.moves.append((trigger, self.state, fired.to_state))
        self.state = fired.to_state
        self.entered = d(today)
        return fired

    def refused(
        self,
        trigger: str,
        role: Role,
        today: str | date,
        error: type[TriggerError] = BlockedError,
        standing: Standing | None = None,
        **params: Any,
    ) -> list[str]:
        """The reasons a trigger is refused; the case is left as it was."""
        before = (self.state, dict(self.details), len(self.moves))
        with pytest.raises(error) as info:
            self.fire(trigger, role, today, standing, **params)
        assert (self.state, self.details, len(self.moves)) == before
        return info.value.reasons


def due(fired: Fired) -> dict[str, date]:
    """The deadlines a step scheduled, by name."""
    return {rule.name: when for rule, when in fired.deadlines}
