"""A penalty notice to one parent with parental responsibility for one child."""

from __future__ import annotations

from datetime import date

from casework.machines import guards as g
from casework.machines.lifecycle import (
    LA,
    SLT,
    CaseFacts,
    DeadlineRule,
    Lifecycle,
    Role,
    State,
    Step,
    Unit,
    add_period,
    as_date,
)
from casework.text import long_date

KIND = "penalty_notice"

STATES = (
    State("requested", "Requested by the school", la_visible=True),
    State("approved", "Approved by a senior leader", la_visible=True),
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
    since = g._years_before(issued, years)
    earlier = [
        n
        for n in facts.related.prior_notices
        if since < n.issued_on < issued and n.state not in ("withdrawn", "refused")
    ]
    if earlier:
        repeat = float(facts.number("penalty_notice", "repeat_amount"))
        return repeat, repeat
    return float(facts.number("penalty_notice", "reduced_amount")), full


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


PAYMENT_DUE = DeadlineRule(
    "payment_reduced", "reduced payment due", "penalty_notice", "reduced_within_days", Unit.DAYS
)
PAYMENT_FINAL = DeadlineRule(
    "payment_final",
    "final payment date",
    "penalty_notice",
    "full_within_days",
    Unit.DAYS,
    fires="expire",
)

STEPS = (
    Step(
        "approve",
        ("requested",),
        "approved",
        "Approve the request",
        SLT,
        (parent_has_responsibility, g.within_notice_limit),
    ),
    Step("refuse", ("requested",), "refused", "Refuse the request", SLT, needs=("note",)),
    Step(
        "issue",
        ("approved",),
        "issued",
        "Issue the notice",
        LA | SLT,
        (parent_has_responsibility, g.within_notice_limit),
        deadlines=(PAYMENT_DUE, PAYMENT_FINAL),
        stamps=("issued_on",),
    ),
    Step(
        "record_payment",
        ("issued",),
        "paid_reduced",
        "Record payment at the reduced amount",
        LA,
        (paid_reduced_in_time,),
    ),
    Step(
        "record_payment",
        ("issued",),
        "paid_full",
        "Record payment in full",
        LA,
        (paid_full_in_time,),
    ),
    Step(
        "expire",
        ("issued",),
        "unpaid",
        "Mark unpaid after the final date",
        LA | frozenset({Role.SYSTEM}),
        (final_date_passed_unpaid,),
        automatic=True,
    ),
    Step(
        "prosecute",
        ("unpaid",),
        "prosecution",
        "Prosecute for the offence",
        LA,
        (g.la_decided("prosecute"),),
    ),
    Step(
        "withdraw",
        ("approved", "issued", "unpaid"),
        "withdrawn",
        "Withdraw the notice",
        LA,
        (g.la_decided("withdraw"),),
        needs=("note",),
    ),
)

LIFECYCLE = Lifecycle(KIND, "Penalty notice", STATES, "requested", STEPS)
