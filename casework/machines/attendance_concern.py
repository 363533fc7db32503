"""The attendance concern: from monitoring through support to enforcement, and closing."""

from __future__ import annotations

from datetime import date
from typing import Any

from casework.machines import guards
from casework.machines import penalty_notice as notices
from casework.machines.lifecycle import (
    CaseFacts,
    Changes,
    DeadlineRule,
    FindingFacts,
    FollowOn,
    Guard,
    Lifecycle,
    LiveMeasure,
    MeasureContext,
    State,
    Step,
    Unit,
    as_date,
)
from casework.machines.roles import LA, SCHOOL_STAFF, SLT, SYSTEM, Role
from casework.policy.rules import Finding, lookback_start, session_count_now
from casework.register.codes import BY_CODE
from casework.register.marks import Register

KIND = "attendance_concern"
OPEN_STATES = (
    "monitoring",
    "school_support",
    "attendance_plan",
    "formal_support",
    "notice_to_improve",
    "penalty_notice",
    "prosecution",
)
CLOSE_OUTCOMES = ("improved_sustained", "left_roll", "transferred", "other")

STATES = (
    State("monitoring", "Monitoring"),
    State("school_support", "School-led support"),
    State("attendance_plan", "Individual attendance plan"),
    State("formal_support", "Formal support with the LA", la_visible=True),
    State("notice_to_improve", "Notice to improve", la_visible=True),
    State("penalty_notice", "Penalty notice", la_visible=True),
    State("prosecution", "Prosecution referral", la_visible=True),
    State("closed", "Closed", final=True),
)

PLAN_REVIEW = DeadlineRule(
    name="plan_review",
    label="attendance plan review due",
    section="attendance_plan",
    key="review_max_school_weeks",
    unit=Unit.SCHOOL_WEEKS,
)
CONTRACT_REVIEW = DeadlineRule(
    name="contract_review",
    label="formal support review due",
    section="attendance_contract",
    key="review_max_school_weeks",
    unit=Unit.SCHOOL_WEEKS,
)
NOTICE_PERIOD = DeadlineRule(
    name="notice_period_end",
    label="notice-to-improve period ends",
    section="notice_to_improve",
    key="period_school_weeks",
    unit=Unit.SCHOOL_WEEKS,
)

STAFF_OR_LA = SCHOOL_STAFF | LA

# A penalty notice is issued to a parent, so a request opens one notice case per parent,
# except a parent barred from a third notice within the repeat window.
NOTICE_PER_PARENT = FollowOn(
    kind="penalty_notice",
    per_parent=True,
    for_parent=lambda facts, parent: parent not in facts.related.barred_parents,
    details=lambda facts: {
        "holiday": bool(facts.details.get("holiday")),
        "offence_on": (facts.details.get("penalty_threshold") or {}).get("as_of"),
    },
    note="requested on attendance concern {case}",
)


def offence_day(context: MeasureContext) -> date:
    """The last day of the offence a penalty step is for: the one a notice to improve was
    issued for (pinned on the case), else today (the rolling window as it stands)."""
    pinned = context.details.get("offence_on")
    return min(as_date(pinned), context.today) if pinned else context.today


def _threshold_window(context: MeasureContext) -> tuple[date, date] | None:
    if "penalty_threshold" not in context.policy.rules:
        return None
    # The register from the earliest day any rule looks at; the rule picks its own window.
    day = offence_day(context)
    return lookback_start(context.policy, context.calendar, day), day


def _threshold_count(register: Register, context: MeasureContext) -> dict[str, Any]:
    """The statutory rule's count over the offence's window. Only unauthorised codes count,
    whatever a rule lists: an authorised absence (I, C, ...) is never an offence."""
    spec = context.policy.rules["penalty_threshold"]
    day = offence_day(context)
    measured = session_count_now(spec, register, 0, day)
    codes = [c for c in measured["codes"] if BY_CODE[c].unauthorised]
    return {
        "penalty_threshold": {
            **measured,
            "count": len(codes),
            "codes": codes,
            "as_of": day.isoformat(),
        }
    }


def pin_offence(facts: CaseFacts) -> Changes:
    """The offence the step is for is fixed on the case: a later request rests on it, with no
    recount of the rolling window on the day."""
    measure = facts.details.get("penalty_threshold") or {}
    return Changes({"offence_on": measure.get("as_of", facts.today.isoformat())})


def clear_offence(facts: CaseFacts) -> Changes:
    """Back to support: the next enforcement step is for a new offence."""
    return Changes({"offence_on": None})


HOLIDAY_CODE = "G"  # unauthorised leave of absence in term time


def holiday_finding(finding: Finding) -> FindingFacts | None:
    """A penalty-threshold finding made up by an unauthorised term-time holiday (code G)
    makes the concern a holiday case, which goes to a penalty notice by its own route."""
    if not finding.rule.endswith("penalty_threshold"):
        return None
    threshold = int(finding.facts.get("threshold", 0) or 0)
    holiday = sum(1 for m in finding.evidence if m.code == HOLIDAY_CODE)
    if not (threshold and holiday >= threshold):
        return None
    return FindingFacts(
        {"holiday": True}, f"the sweep found an unauthorised term-time holiday: {finding.rule}"
    )


# The penalty threshold over the offence's window, which the enforcement guards quote.
PENALTY_THRESHOLD_NOW = LiveMeasure(window=_threshold_window, measure=_threshold_count)

# Notices that are over without going to court: the concern can go back to support.
SETTLED_NOTICES = ("paid_reduced", "paid_full", "withdrawn", "refused", "not_liable")


def notices_settled(facts: CaseFacts) -> str | None:
    """Every penalty notice of the child is over, and one was paid or withdrawn."""
    states = [s for s in facts.related.penalty_notice_states if s in notices.LIFECYCLE.states]
    pending = sorted({s for s in states if not notices.LIFECYCLE.is_final(s)})
    if pending:
        return "a penalty notice is still open: " + ", ".join(s.replace("_", " ") for s in pending)
    if not any(s in SETTLED_NOTICES for s in states):
        return "no penalty notice paid or withdrawn"
    return None


def notice_to_improve(source: tuple[str, ...], support_offered: Guard) -> Step:
    """Issuing a notice to improve from `source`, once `support_offered` holds: for an offence
    that meets the national threshold, which the notice pins for a later request."""
    return Step(
        trigger="issue_notice_to_improve",
        source=source,
        dest="notice_to_improve",
        label="Issue a notice to improve",
        roles=SCHOOL_STAFF | LA,
        guards=(
            guards.compulsory_school_age,
            guards.not_holiday,
            support_offered,
            guards.penalty_threshold_met,
            guards.parents_named,
            guards.slt_approved("issue_notice_to_improve"),
        ),
        deadlines=(NOTICE_PERIOD,),
        stamps=("notice_to_improve_issued",),
        effect=pin_offence,
    )


STEPS = (
    Step(
        trigger="offer_support",
        source=("monitoring",),
        dest="school_support",
        label="Offer school-led support",
        roles=SCHOOL_STAFF,
        guards=(guards.family_contacted,),
    ),
    Step(
        trigger="agree_plan",
        source=("school_support",),
        dest="attendance_plan",
        label="Agree an individual attendance plan",
        roles=SCHOOL_STAFF,
        guards=(
            guards.support_meeting_held,
            guards.signed_plan("attendance_plan", "attendance_plan"),
        ),
        deadlines=(PLAN_REVIEW,),
    ),
    Step(
        trigger="refer_formal_support",
        source=("school_support", "attendance_plan"),
        dest="formal_support",
        label="Refer for formal support with the LA",
        roles=SCHOOL_STAFF,
        guards=(
            guards.support_meeting_held,
            guards.slt_approved("refer_formal_support"),
            guards.referral_pack_complete,
        ),
        deadlines=(CONTRACT_REVIEW,),
    ),
    # A notice to improve follows formal support, or school-led support or a plan that did
    # not work (issue 8, item 3); what support must have been offered depends on which.
    notice_to_improve(("formal_support",), guards.formal_support_offered),
    notice_to_improve(
        ("school_support", "attendance_plan"), guards.support_offered_before_enforcement
    ),
    # -- the penalty route (issue 8, item 3) ---------------------------------------------------
    Step(
        # The request rests on the offence the notice was issued for and SLT's judgement that
        # attendance did not improve enough, not on the rolling window on the day.
        trigger="request_penalty_notice",
        source=("notice_to_improve",),
        dest="penalty_notice",
        label="Request a penalty notice",
        roles=SCHOOL_STAFF,
        guards=(
            guards.compulsory_school_age,
            guards.penalty_threshold_met,
            guards.notice_period_over,
            guards.improvement_not_sufficient,
            guards.parents_named,
            guards.no_third_notice,
            guards.slt_approved("request_penalty_notice"),
        ),
        opens=(NOTICE_PER_PARENT,),
    ),
    Step(
        # No notice to improve where SLT recorded why one is not appropriate (a term-time
        # holiday, say); the offence must still meet the national threshold.
        trigger="request_penalty_notice",
        source=("monitoring", "school_support", "attendance_plan", "formal_support"),
        dest="penalty_notice",
        label="Request a penalty notice (a notice to improve is not appropriate)",
        roles=SCHOOL_STAFF,
        guards=(
            guards.compulsory_school_age,
            guards.no_notice_to_improve,
            guards.penalty_threshold_met,
            guards.parents_named,
            guards.no_third_notice,
            guards.slt_approved("request_penalty_notice"),
        ),
        effect=pin_offence,
        opens=(NOTICE_PER_PARENT,),
    ),
    Step(
        trigger="return_to_support",
        source=("penalty_notice",),
        dest="school_support",
        label="Return to school-led support (the notices were paid or withdrawn)",
        roles=STAFF_OR_LA,
        guards=(notices_settled,),
        needs=("note",),
        stamps=("returned_to_support",),
        effect=clear_offence,
    ),
    Step(
        trigger="refer_prosecution",
        source=("penalty_notice", "formal_support", "notice_to_improve"),
        dest="prosecution",
        label="Refer for prosecution",
        roles=SLT | LA,
        guards=(
            guards.compulsory_school_age,
            guards.penalty_route_exhausted,
            guards.eso_considered,
            guards.referral_pack_complete,
            guards.slt_approved("refer_prosecution"),
        ),
    ),
    Step(
        trigger="step_down",
        source=("school_support",),
        dest="monitoring",
        label="Step down to monitoring (support is working)",
        roles=SCHOOL_STAFF,
        needs=("note",),
    ),
    Step(
        trigger="step_down",
        source=("attendance_plan",),
        dest="school_support",
        label="Step down to school-led support (plan is working)",
        roles=SCHOOL_STAFF,
        needs=("note",),
    ),
    Step(
        trigger="step_down",
        source=("formal_support", "notice_to_improve"),
        dest="attendance_plan",
        label="Step down to an attendance plan (attendance improved)",
        roles=STAFF_OR_LA,
        guards=(guards.signed_plan("attendance_plan", "attendance_plan"),),
        needs=("note",),
        deadlines=(PLAN_REVIEW,),
        effect=clear_offence,
    ),
    Step(
        trigger="close",
        source=OPEN_STATES,
        dest="closed",
        label="Close the case",
        roles=frozenset({Role.ATTENDANCE_OFFICER, Role.SENIOR_LEADER, Role.LA_OFFICER}),
        guards=(guards.outcome_in(*CLOSE_OUTCOMES), guards.pupil_left_roll),
        needs=("outcome", "note"),
    ),
)

LIFECYCLE = Lifecycle(
    kind=KIND,
    title="Attendance concern",
    states=STATES,
    initial="monitoring",
    steps=STEPS,
    opened_by=SCHOOL_STAFF | SYSTEM,
    one_open_per_pupil=True,
    measures=(PENALTY_THRESHOLD_NOW,),
    from_finding=holiday_finding,
)
