"""The attendance concern: from monitoring through support to enforcement, and closing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from casework.machines import guards
from casework.machines.lifecycle import (
    DeadlineRule,
    FindingFacts,
    FollowOn,
    Lifecycle,
    LiveMeasure,
    MeasureContext,
    State,
    Step,
    Unit,
)
from casework.machines.roles import LA, SCHOOL_STAFF, SLT, SYSTEM, Role
from casework.policy.rules import Finding, lookback_start, session_count_now
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

# A penalty notice is issued to a parent, so a request opens one notice case per parent.
NOTICE_PER_PARENT = FollowOn(
    kind="penalty_notice",
    per_parent=True,
    details=lambda facts: {"holiday": bool(facts.details.get("holiday"))},
    note="requested on attendance concern {case}",
)


def _threshold_window(context: MeasureContext) -> tuple[date, date] | None:
    if "penalty_threshold" not in context.policy.rules:
        return None
    # The register from the earliest day any rule looks at; the rule picks its own window.
    return lookback_start(context.policy, context.calendar, context.today), context.today


def _threshold_count(register: Register, context: MeasureContext) -> dict[str, Any]:
    spec = context.policy.rules["penalty_threshold"]
    return {"penalty_threshold": session_count_now(spec, register, 0, context.today)}


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


# The penalty threshold as it stands today, which the enforcement guards quote.
PENALTY_THRESHOLD_NOW = LiveMeasure(window=_threshold_window, measure=_threshold_count)

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
            guards.review_date_in_window("attendance_plan"),
        ),
        # The review is due on the date the plan sets: the one given with the step, else the
        # signed plan's; the policy's review window gives the default (DOMAIN.md 4).
        accepts=("review_date",),
        deadlines=(replace(PLAN_REVIEW, sets_date=guards.plan_review_date("attendance_plan")),),
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
    Step(
        trigger="issue_notice_to_improve",
        source=("formal_support",),
        dest="notice_to_improve",
        label="Issue a notice to improve",
        roles=SCHOOL_STAFF | LA,
        guards=(
            guards.compulsory_school_age,
            guards.not_holiday,
            guards.formal_support_offered,
            guards.parents_named,
            guards.slt_approved("issue_notice_to_improve"),
        ),
        deadlines=(NOTICE_PERIOD,),
        stamps=("notice_to_improve_issued",),
    ),
    Step(
        trigger="request_penalty_notice",
        source=("notice_to_improve",),
        dest="penalty_notice",
        label="Request a penalty notice",
        roles=SCHOOL_STAFF,
        guards=(
            guards.compulsory_school_age,
            guards.penalty_threshold_met,
            guards.notice_period_over,
            guards.parents_named,
            guards.slt_approved("request_penalty_notice"),
        ),
        opens=(NOTICE_PER_PARENT,),
    ),
    Step(
        # An unauthorised term-time holiday goes to a penalty notice without a notice to improve.
        trigger="request_penalty_notice",
        source=("monitoring", "school_support", "attendance_plan", "formal_support"),
        dest="penalty_notice",
        label="Request a penalty notice (term-time holiday)",
        roles=SCHOOL_STAFF,
        guards=(
            guards.compulsory_school_age,
            guards.holiday_route,
            guards.penalty_threshold_met,
            guards.parents_named,
            guards.slt_approved("request_penalty_notice"),
        ),
        opens=(NOTICE_PER_PARENT,),
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
