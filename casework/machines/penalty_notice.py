"""A penalty notice to one parent with parental responsibility for one child."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from casework.machines import guards
from casework.machines.decisions import la_decides
from casework.machines.lifecycle import (
    CaseFacts,
    Changes,
    DeadlineRule,
    Lifecycle,
    OtherCase,
    PriorNotice,
    RelatedFacts,
    State,
    Step,
    Unit,
    add_period,
    as_date,
)
from casework.machines.roles import LA, SCHOOL_STAFF, SLT, SYSTEM
from casework.policy.model import Policy
from casework.text import long_date

KIND = "penalty_notice"

STATES = (
    State("requested", "Requested by the school", la_visible=True),
    State("returned", "Returned to the school by the LA", la_visible=True),
    State("approved", "Accepted by the LA", la_visible=True),
    State("issued", "Issued", la_visible=True),
    State("paid_reduced", "Paid at the reduced amount", final=True, la_visible=True),
    State("paid_full", "Paid in full", final=True, la_visible=True),
    State("unpaid", "Unpaid after the final date", la_visible=True),
    State("prosecution", "Prosecution", final=True, la_visible=True),
    State("withdrawn", "Withdrawn", final=True, la_visible=True),
    State("refused", "Refused", final=True, la_visible=True),
)


def amounts(facts: CaseFacts) -> tuple[float, float]:
    """(reduced, full) amounts for this notice: a repeat within the window is full only."""
    full = float(facts.number("penalty_notice", "full_amount"))
    years = int(facts.number("penalty_notice", "repeat_window_years"))
    issued = as_date(facts.details.get("issued_on") or facts.today)
    if guards.counted_notices(
        facts.related.prior_notices, guards.years_before(issued, years), issued
    ):
        repeat = float(facts.number("penalty_notice", "repeat_amount"))
        return repeat, repeat
    return float(facts.number("penalty_notice", "reduced_amount")), full


def fix_amounts(facts: CaseFacts) -> Changes:
    """The amounts are fixed when the notice is issued; a repeat notice has no reduction, so
    no reduced-payment date to meet."""
    reduced, full = amounts(facts)
    skip = ("payment_reduced",) if reduced == full else ()
    return Changes(
        {"reduced_amount": reduced, "full_amount": full}, skip_deadlines=skip, before_stamps=True
    )


def related_facts(
    details: dict[str, Any], others: Iterable[OtherCase], today: date, policy: Policy
) -> RelatedFacts:
    """What a case needs to know of the pupil's penalty notices: their states, this parent's
    earlier notices, and whether a further notice is barred."""
    notices = [n for n in others if n.kind == KIND]
    states = tuple(n.state for n in notices)
    parent = details.get("parent")
    prior = tuple(
        PriorNotice(as_date(n.details["issued_on"]), n.state)
        for n in notices
        if parent and n.details.get("parent") == parent and n.details.get("issued_on")
    )
    barred = tuple("barred" for n in notices if n.details.get("barred"))
    # A parent who already had as many notices for this child as the policy allows in its
    # window cannot be given another: that bar is what opens the way to prosecution instead.
    rules = policy.sections.get("penalty_notice") or {}
    if "repeat_window_years" in rules and "max_notices_in_window" in rules:
        since = guards.years_before(today, int(rules["repeat_window_years"]))
        by_parent: dict[str, list[PriorNotice]] = {}
        for n in notices:
            if n.details.get("parent") and n.details.get("issued_on"):
                by_parent.setdefault(n.details["parent"], []).append(
                    PriorNotice(as_date(n.details["issued_on"]), n.state)
                )
        most = int(rules["max_notices_in_window"])
        if any(len(guards.counted_notices(issued, since)) >= most for issued in by_parent.values()):
            barred += ("barred",)
    return RelatedFacts(penalty_notice_states=states + barred, prior_notices=prior)


def _payment(facts: CaseFacts) -> tuple[float, date] | None:
    latest = facts.latest("payment")
    if latest is None:
        return None
    return float(latest.get("amount")), as_date(latest.get("paid_on"))


def _final_date(facts: CaseFacts, key: str) -> date:
    issued = as_date(facts.details["issued_on"])
    return add_period(facts.calendar, issued, int(facts.number("penalty_notice", key)), Unit.DAYS)


def paid_reduced_in_time(facts: CaseFacts) -> str | None:
    """Paid at least the reduced amount within the reduced-payment period."""
    payment = _payment(facts)
    if payment is None:
        return "no payment recorded"
    amount, paid_on = payment
    reduced, full = amounts(facts)
    if reduced == full:
        return "a repeat notice has no reduced amount"
    by = _final_date(facts, "reduced_within_days")
    if paid_on > by:
        return f"paid on {long_date(paid_on)}, after the reduced-payment date {long_date(by)}"
    if amount < reduced:
        return f"paid £{amount:.2f}, less than £{reduced:.2f}"
    return None


def paid_full_in_time(facts: CaseFacts) -> str | None:
    """Paid the full amount by the final date."""
    payment = _payment(facts)
    if payment is None:
        return "no payment recorded"
    amount, paid_on = payment
    _reduced, full = amounts(facts)
    by = _final_date(facts, "full_within_days")
    if paid_on > by:
        return f"paid on {long_date(paid_on)}, after the final date {long_date(by)}"
    if amount < full:
        return f"paid £{amount:.2f}, less than £{full:.2f}"
    return None


def final_date_passed_unpaid(facts: CaseFacts) -> str | None:
    """The final payment date has passed with no payment in full."""
    by = _final_date(facts, "full_within_days")
    if facts.today <= by:
        return f"payment is due by {long_date(by)}"
    if paid_full_in_time(facts) is None or paid_reduced_in_time(facts) is None:
        return "the notice was paid"
    return None


def parent_has_responsibility(facts: CaseFacts) -> str | None:
    """The notice names a parent with parental responsibility for the child."""
    parent = facts.details.get("parent")
    if not parent:
        return "no parent named on the notice"
    if not any(c.name == parent for c in facts.pupil.parents):
        return f"{parent} does not have parental responsibility on record"
    return None


def concern_referred_for_prosecution(facts: CaseFacts) -> str | None:
    """The offence is prosecuted on the child's attendance concern, where the LA's ESO
    consideration, the evidence pack and the time limit are checked."""
    if ("attendance_concern", "prosecution") in facts.related.case_states:
        return None
    return "the attendance concern has not been referred for prosecution"


# -- the LA returns a request to the school, which sends it again once it is put right -------

LA_RETURN_STEPS = (
    la_decides(
        "returned",
        trigger="return",
        source=("requested",),
        dest="returned",
        label="Return the request to the school",
    ),
    Step(
        trigger="resubmit",
        source=("returned",),
        dest="requested",
        label="Send the request to the LA again",
        roles=SCHOOL_STAFF,
        needs=("note",),  # what was put right
        effect=lambda facts: Changes({"la_decision": None}),
    ),
)

PAYMENT_DUE = DeadlineRule(
    name="payment_reduced",
    label="reduced payment due",
    section="penalty_notice",
    key="reduced_within_days",
    unit=Unit.DAYS,
)
PAYMENT_FINAL = DeadlineRule(
    name="payment_final",
    label="final payment date",
    section="penalty_notice",
    key="full_within_days",
    unit=Unit.DAYS,
    fires="expire",
)

STEPS = (
    # The head approved the request on the concern; the LA decides on it.
    la_decides(
        "accepted",
        trigger="approve",
        source=("requested",),
        dest="approved",
        label="Accept the request",
        guards=(
            guards.compulsory_school_age,
            parent_has_responsibility,
            guards.within_notice_limit,
        ),
        reason_needed=False,
    ),
    la_decides(
        "refused",
        trigger="refuse",
        source=("requested",),
        dest="refused",
        label="Refuse the request",
    ),
    # The school's own approval of a notice per parent, as before the LA's decision steps:
    # the head (or a delegate) may issue penalty notices under the LA's code of conduct.
    Step(
        trigger="approve",
        source=("requested",),
        dest="approved",
        label="Approve the notice for this parent (the school issues it)",
        roles=SLT,
        guards=(
            guards.compulsory_school_age,
            parent_has_responsibility,
            guards.within_notice_limit,
        ),
    ),
    Step(
        trigger="refuse",
        source=("requested",),
        dest="refused",
        label="Refuse the notice for this parent",
        roles=SLT,
        needs=("note",),
    ),
    *LA_RETURN_STEPS,
    Step(
        trigger="issue",
        source=("approved",),
        dest="issued",
        label="Issue the notice",
        roles=LA | SLT,
        guards=(
            guards.compulsory_school_age,
            parent_has_responsibility,
            guards.within_notice_limit,
        ),
        deadlines=(PAYMENT_DUE, PAYMENT_FINAL),
        stamps=("issued_on",),
        effect=fix_amounts,
    ),
    Step(
        trigger="record_payment",
        source=("issued",),
        dest="paid_reduced",
        label="Record payment at the reduced amount",
        roles=LA,
        guards=(paid_reduced_in_time,),
    ),
    Step(
        trigger="record_payment",
        source=("issued",),
        dest="paid_full",
        label="Record payment in full",
        roles=LA,
        guards=(paid_full_in_time,),
    ),
    Step(
        trigger="expire",
        source=("issued",),
        dest="unpaid",
        label="Mark unpaid after the final date",
        roles=LA | SYSTEM,
        guards=(final_date_passed_unpaid,),
        automatic=True,
    ),
    Step(
        trigger="prosecute",
        source=("unpaid",),
        dest="prosecution",
        label="Prosecute for the offence",
        roles=LA,
        guards=(guards.la_decided("prosecute"), concern_referred_for_prosecution),
    ),
    Step(
        trigger="withdraw",
        source=("approved", "issued", "unpaid"),
        dest="withdrawn",
        label="Withdraw the notice",
        roles=LA,
        guards=(guards.la_decided("withdraw"),),
        needs=("note",),
    ),
)

LIFECYCLE = Lifecycle(
    kind=KIND,
    title="Penalty notice",
    states=STATES,
    initial="requested",
    steps=STEPS,
    opening_refusal="penalty notices are opened by requesting one on an attendance concern",
)
