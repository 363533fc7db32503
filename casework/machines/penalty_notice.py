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
    EvidenceItem,
    Guard,
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
from casework.machines.roles import LA, SCHOOL_STAFF, SLT, SYSTEM, Role
from casework.policy.model import Policy
from casework.register.calendar import nth_working_day_after
from casework.text import long_date

KIND = "penalty_notice"

STATES = (
    State("requested", "Requested by the school", la_visible=True),
    State("returned", "Returned to the school by the LA", la_visible=True),
    State("approved", "Approved (by the LA or the head), to be issued", la_visible=True),
    State("issued", "Issued", la_visible=True),
    State("served", "Served: the payment periods run", la_visible=True),
    State("paid_reduced", "Paid at the reduced amount", final=True, la_visible=True),
    State("paid_full", "Paid in full", final=True, la_visible=True),
    State("unpaid", "Unpaid after the final date", la_visible=True),
    State("prosecution", "Prosecution", final=True, la_visible=True),
    State("withdrawn", "Withdrawn", final=True, la_visible=True),
    State("refused", "Refused", final=True, la_visible=True),
    State("not_liable", "Not liable: the LA's decision", final=True, la_visible=True),
)


def amounts(facts: CaseFacts) -> tuple[float, float]:
    """(reduced, full) amounts for this notice: a repeat within the window is full only."""
    full = float(facts.number("penalty_notice", "full_amount"))
    years = int(facts.number("penalty_notice", "repeat_window_years"))
    issued = as_date(facts.details.get("issued_on") or facts.today)
    counts_from = as_date(facts.number("penalty_notice", "counts_from"))
    if guards.counted_notices(
        facts.related.prior_notices,
        guards.years_before(issued, years),
        issued,
        counts_from=counts_from,
    ):
        repeat = float(facts.number("penalty_notice", "repeat_amount"))
        return repeat, repeat
    return float(facts.number("penalty_notice", "reduced_amount")), full


def fix_amounts(facts: CaseFacts) -> Changes:
    """The amounts are fixed when the notice is issued."""
    reduced, full = amounts(facts)
    return Changes({"reduced_amount": reduced, "full_amount": full}, before_stamps=True)


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
    barred_parents: tuple[str, ...] = ()
    if {"repeat_window_years", "max_notices_in_window", "counts_from"} <= rules.keys():
        since = guards.years_before(today, int(rules["repeat_window_years"]))
        counts_from = as_date(rules["counts_from"])
        by_parent: dict[str, list[PriorNotice]] = {}
        for n in notices:
            if n.details.get("parent") and n.details.get("issued_on"):
                by_parent.setdefault(n.details["parent"], []).append(
                    PriorNotice(as_date(n.details["issued_on"]), n.state)
                )
        most = int(rules["max_notices_in_window"])
        barred_parents = tuple(
            name
            for name, issued in by_parent.items()
            if len(guards.counted_notices(issued, since, counts_from=counts_from)) >= most
        )
        if barred_parents:
            barred += ("barred",)
    return RelatedFacts(
        penalty_notice_states=states + barred,
        prior_notices=prior,
        barred_parents=barred_parents,
    )


def _payment(facts: CaseFacts) -> tuple[float, date] | None:
    latest = facts.latest("payment")
    if latest is None:
        return None
    return float(latest.get("amount")), as_date(latest.get("paid_on"))


def _final_date(facts: CaseFacts, key: str) -> date:
    """A payment period's last day, counted from service (from issue for a notice recorded
    before service was)."""
    served = as_date(facts.details.get("served_on") or facts.details["issued_on"])
    return add_period(facts.calendar, served, int(facts.number("penalty_notice", key)), Unit.DAYS)


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


def named_parent_on_record(facts: CaseFacts) -> str | None:
    """The notice names a parent of the child in the sense of s576: parental responsibility or
    care of the child (whether that parent is liable is the LA's decision)."""
    parent = facts.details.get("parent")
    if not parent:
        return "no parent named on the notice"
    if not any(c.name == parent for c in facts.pupil.parents_s576):
        return (
            f"{parent} is not a parent of the child on record "
            "(no parental responsibility, and the child does not live with them)"
        )
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

# -- liability (issue 8, item 11): the LA, not the product, decides which parents are liable --


def _liability(facts: CaseFacts) -> EvidenceItem | None:
    return facts.latest("liability_decision")


def la_found_liable(facts: CaseFacts) -> str | None:
    """The LA decided that the parent this notice names is liable."""
    decision = _liability(facts)
    if decision is None:
        return "needs the LA's decision whether this parent is liable"
    if not decision.get("liable"):
        return f"the LA found this parent not liable on {long_date(decision.recorded_on)}"
    return None


def la_not_found_not_liable(facts: CaseFacts) -> str | None:
    """The LA has not decided that the parent this notice names is not liable."""
    decision = _liability(facts)
    if decision is not None and not decision.get("liable"):
        return f"the LA found this parent not liable on {long_date(decision.recorded_on)}"
    return None


def la_found_not_liable(facts: CaseFacts) -> str | None:
    """The LA decided that the parent this notice names is not liable."""
    decision = _liability(facts)
    if decision is None or decision.get("liable"):
        return "needs the LA's decision that this parent is not liable"
    return None


# -- service (issue 8, item 5): the payment periods run from the day the notice is served ----

SERVICE_METHODS = ("hand", "post")


def served_on(facts: CaseFacts) -> date:
    """By hand: served the day it is handed over. By first-class post: the second working day
    after posting (working days, not school days)."""
    sent = as_date(facts.params.get("sent_on") or facts.today)
    if facts.params.get("service") == "post":
        days = int(facts.number("penalty_notice", "post_served_working_days"))
        return nth_working_day_after(sent, days)
    return sent


def service_recorded(facts: CaseFacts) -> str | None:
    """How the notice was served (by hand or by post) and the day it was handed over or
    posted: not before it was issued, not after today."""
    service = facts.params.get("service")
    if service is None or facts.params.get("sent_on") is None:
        return None  # a missing one is reported by the step's needs
    if service not in SERVICE_METHODS:
        return f"service must be one of {', '.join(SERVICE_METHODS)}, not {service!r}"
    sent = as_date(facts.params["sent_on"])
    issued = facts.details.get("issued_on")
    if issued and sent < as_date(issued):
        issued_on = long_date(as_date(issued))
        return f"sent on {long_date(sent)}, before the notice was issued on {issued_on}"
    if sent > facts.today:
        return f"sent on {long_date(sent)}, which is after today"
    return None


def record_served(facts: CaseFacts) -> Changes:
    """The service is kept on the notice; a repeat notice has no reduction, so no
    reduced-payment date to meet."""
    reduced = facts.details.get("reduced_amount")
    repeat = reduced is not None and reduced == facts.details.get("full_amount")
    return Changes(
        {
            "service": facts.params["service"],
            "sent_on": as_date(facts.params["sent_on"]).isoformat(),
            "served_on": served_on(facts).isoformat(),
        },
        skip_deadlines=("payment_reduced",) if repeat else (),
    )


PAYMENT_DUE = DeadlineRule(
    name="payment_reduced",
    label="reduced payment due",
    section="penalty_notice",
    key="reduced_within_days",
    unit=Unit.DAYS,
    start_from=served_on,
)
PAYMENT_FINAL = DeadlineRule(
    name="payment_final",
    label="final payment date",
    section="penalty_notice",
    key="full_within_days",
    unit=Unit.DAYS,
    fires="expire",
    start_from=served_on,
)


def issue_step(roles: frozenset[Role], label: str, liability: Guard) -> Step:
    """Issuing the notice, by `roles`, once `liability` holds: the same step but for who takes
    it and what they need of the LA's decision on liability."""
    return Step(
        trigger="issue",
        source=("approved",),
        dest="issued",
        label=label,
        roles=roles,
        guards=(*NOTICE_MAY_FOLLOW, liability),
        stamps=("issued_on",),
        effect=fix_amounts,
    )


# Whether a notice may go to this parent at all: a child of compulsory school age, a parent on
# record, and within the limit of notices; checked on approval and again on issue.
NOTICE_MAY_FOLLOW = (
    guards.compulsory_school_age,
    named_parent_on_record,
    guards.within_notice_limit,
)

STEPS = (
    # The head approved the request on the concern; the LA decides on it.
    la_decides(
        "accepted",
        trigger="approve",
        source=("requested",),
        dest="approved",
        label="Accept the request",
        guards=NOTICE_MAY_FOLLOW,
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
        guards=NOTICE_MAY_FOLLOW,
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
    # The LA issuing a notice is its own decision that this parent is liable; the head may
    # issue one only once the LA has recorded that decision.
    issue_step(LA, "Issue the notice", la_not_found_not_liable),
    issue_step(SLT, "Issue the notice (the LA has found this parent liable)", la_found_liable),
    Step(
        trigger="record_service",
        source=("issued",),
        dest="served",
        label="Record how the notice was served (by hand or by post, and the day sent)",
        roles=LA | SLT,
        guards=(service_recorded,),
        needs=("service", "sent_on"),
        choices={"service": SERVICE_METHODS},
        deadlines=(PAYMENT_DUE, PAYMENT_FINAL),
        effect=record_served,
    ),
    Step(
        # A payment recorded late but dated within its period puts an unpaid notice right; on
        # a notice whose service was never recorded, the periods count from issue.
        trigger="record_payment",
        source=("issued", "served", "unpaid"),
        dest="paid_reduced",
        label="Record payment at the reduced amount",
        roles=LA,
        guards=(paid_reduced_in_time,),
    ),
    Step(
        trigger="record_payment",
        source=("issued", "served", "unpaid"),
        dest="paid_full",
        label="Record payment in full",
        roles=LA,
        guards=(paid_full_in_time,),
    ),
    Step(
        trigger="expire",
        source=("served",),
        dest="unpaid",
        label="Mark unpaid after the final date",
        roles=LA | SYSTEM,
        guards=(final_date_passed_unpaid,),
        automatic=True,
    ),
    Step(
        trigger="record_not_liable",
        source=("requested", "approved"),
        dest="not_liable",
        label="Close as not liable (the LA's decision)",
        roles=LA,
        guards=(la_found_not_liable,),
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
        source=("approved", "issued", "served", "unpaid"),
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
