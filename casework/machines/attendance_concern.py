"""The attendance concern: from monitoring through support to enforcement, and closing."""

from __future__ import annotations

from casework.machines import guards as g
from casework.machines.lifecycle import (
    LA,
    SCHOOL_STAFF,
    SLT,
    DeadlineRule,
    Lifecycle,
    Role,
    State,
    Step,
    Unit,
)

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
    "plan_review",
    "attendance plan review due",
    "attendance_plan",
    "review_max_school_weeks",
    Unit.SCHOOL_WEEKS,
)
CONTRACT_REVIEW = DeadlineRule(
    "contract_review",
    "formal support review due",
    "attendance_contract",
    "review_max_school_weeks",
    Unit.SCHOOL_WEEKS,
)
NOTICE_PERIOD = DeadlineRule(
    "notice_period_end",
    "notice-to-improve period ends",
    "notice_to_improve",
    "period_school_weeks",
    Unit.SCHOOL_WEEKS,
)

STAFF_OR_LA = SCHOOL_STAFF | LA

STEPS = (
    Step(
        "offer_support",
        ("monitoring",),
        "school_support",
        "Offer school-led support",
        SCHOOL_STAFF,
        (g.family_contacted,),
    ),
    Step(
        "agree_plan",
        ("school_support",),
        "attendance_plan",
        "Agree an individual attendance plan",
        SCHOOL_STAFF,
        (g.support_meeting_held, g.signed_plan("attendance_plan", "attendance_plan")),
        deadlines=(PLAN_REVIEW,),
    ),
    Step(
        "refer_formal_support",
        ("school_support", "attendance_plan"),
        "formal_support",
        "Refer for formal support with the LA",
        SCHOOL_STAFF,
        (g.support_meeting_held, g.slt_approved("refer_formal_support"), g.referral_pack_complete),
        deadlines=(CONTRACT_REVIEW,),
    ),
    Step(
        "issue_notice_to_improve",
        ("formal_support",),
        "notice_to_improve",
        "Issue a notice to improve",
        SCHOOL_STAFF | LA,
        (
            g.not_holiday,
            g.formal_support_offered,
            g.parents_named,
            g.slt_approved("issue_notice_to_improve"),
        ),
        deadlines=(NOTICE_PERIOD,),
        stamps=("notice_to_improve_issued",),
    ),
    Step(
        "request_penalty_notice",
        ("notice_to_improve",),
        "penalty_notice",
        "Request a penalty notice",
        SCHOOL_STAFF,
        (
            g.penalty_threshold_met,
            g.notice_period_over,
            g.parents_named,
            g.slt_approved("request_penalty_notice"),
        ),
    ),
    Step(
        # An unauthorised term-time holiday goes to a penalty notice without a notice to improve.
        "request_penalty_notice",
        ("monitoring", "school_support", "attendance_plan", "formal_support"),
        "penalty_notice",
        "Request a penalty notice (term-time holiday)",
        SCHOOL_STAFF,
        (
            g.holiday_route,
            g.penalty_threshold_met,
            g.parents_named,
            g.slt_approved("request_penalty_notice"),
        ),
    ),
    Step(
        "refer_prosecution",
        ("penalty_notice", "formal_support", "notice_to_improve"),
        "prosecution",
        "Refer for prosecution",
        SLT | LA,
        (
            g.penalty_route_exhausted,
            g.eso_considered,
            g.referral_pack_complete,
            g.slt_approved("refer_prosecution"),
        ),
    ),
    Step(
        "step_down",
        ("school_support",),
        "monitoring",
        "Step down to monitoring (support is working)",
        SCHOOL_STAFF,
        needs=("note",),
    ),
    Step(
        "step_down",
        ("attendance_plan",),
        "school_support",
        "Step down to school-led support (plan is working)",
        SCHOOL_STAFF,
        needs=("note",),
    ),
    Step(
        "step_down",
        ("formal_support", "notice_to_improve"),
        "attendance_plan",
        "Step down to an attendance plan (attendance improved)",
        STAFF_OR_LA,
        (g.signed_plan("attendance_plan", "attendance_plan"),),
        needs=("note",),
        deadlines=(PLAN_REVIEW,),
    ),
    Step(
        "close",
        OPEN_STATES,
        "closed",
        "Close the case",
        frozenset({Role.ATTENDANCE_OFFICER, Role.SENIOR_LEADER, Role.LA_OFFICER}),
        (g.outcome_in(*CLOSE_OUTCOMES), g.pupil_left_roll),
        needs=("outcome", "note"),
    ),
)

LIFECYCLE = Lifecycle(KIND, "Attendance concern", STATES, "monitoring", STEPS)
