"""The attendance concern: from monitoring through support to enforcement, and closing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from casework.machines import guards, penalty_notice
from casework.machines.decisions import la_decides
from casework.machines.lifecycle import (
    CaseFacts,
    Changes,
    DeadlineRule,
    EvidenceDeadline,
    FindingFacts,
    FollowOn,
    Guard,
    Lifecycle,
    LiveMeasure,
    MeasureContext,
    State,
    Step,
    TimeLimit,
    Unit,
    as_date,
    cool_off_end,
)
from casework.machines.roles import LA, SCHOOL_STAFF, SLT, SYSTEM, Role
from casework.policy.model import PolicyError
from casework.policy.rules import Finding, lookback_start, session_count_now
from casework.register.codes import BY_CODE
from casework.register.marks import UNAUTHORISED, Register, cited_codes

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
STATE_LABELS = {state.name: state.label for state in STATES}

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
    holiday = cited_codes(finding.evidence).count(HOLIDAY_CODE)
    if not (threshold and holiday >= threshold):
        return None
    return FindingFacts(
        {"holiday": True}, f"the sweep found an unauthorised term-time holiday: {finding.rule}"
    )


# The penalty threshold over the offence's window, which the enforcement guards quote.
PENALTY_THRESHOLD_NOW = LiveMeasure(window=_threshold_window, measure=_threshold_count)


# -- prosecution ----------------------------------------------------------------------------

PROSECUTION_FROM = ("formal_support", "notice_to_improve", "penalty_notice")


def _prosecution_window(context: MeasureContext) -> tuple[date, date] | None:
    if context.state not in PROSECUTION_FROM:
        return None
    months = context.policy.section("prosecution").get("time_limit_months")
    if months is None:
        raise PolicyError(f"policy {context.policy.id}: [prosecution] has no time_limit_months")
    # Only absences within the time limit can still be prosecuted, so only they are read.
    return guards.months_after(context.today, -int(months)), context.today


def _last_unauthorised(register: Register, context: MeasureContext) -> dict[str, Any]:
    marks = register.marks_where(0, UNAUTHORISED)
    last = marks[-1].date.isoformat() if marks else None
    return {"prosecution_time_limit": {"last_absence": last}}


# The last unauthorised absence still in time for a prosecution, which its guard and the time
# limit shown on the case read.
LAST_UNAUTHORISED_ABSENCE = LiveMeasure(window=_prosecution_window, measure=_last_unauthorised)

PROSECUTION_TIME_LIMIT = TimeLimit(
    name="prosecution_time_limit",
    label="last day to start a prosecution (time limit from the last unauthorised absence)",
    due=lambda facts: (
        guards.prosecution_starts_by(facts) if facts.state in PROSECUTION_FROM else None
    ),
)

# States of a penalty notice in which the parent may still pay it (or it awaits a decision):
# while one is, the offence it covers cannot also be prosecuted.
NOTICE_PENDING = tuple(
    name
    for name, state in penalty_notice.LIFECYCLE.states.items()
    if not state.final and name != "unpaid"
)


def no_penalty_notice_pending(facts: CaseFacts) -> str | None:
    """No penalty notice this concern requested (for its offence) still awaits a decision or
    payment."""
    pending = [
        state
        for kind, state in facts.related.started_states
        if kind == penalty_notice.KIND and state in NOTICE_PENDING
    ]
    if pending:
        return f"a penalty notice is still {pending[0]}: prosecution waits until it is unpaid"
    return None


def relied_on(facts: CaseFacts) -> Changes:
    """The referral records the last absence it relies on, which its time limit ran from."""
    measure = facts.details.get("prosecution_time_limit") or {}
    return Changes({"prosecution_relies_on_absence_until": measure.get("last_absence")})


# -- the LA's decision on a formal-support referral --------------------------------------------

REFERRED_FROM = ("school_support", "attendance_plan")


def referred(facts: CaseFacts) -> Changes:
    """A referral records where it came from (a returned one goes back there) and clears the
    LA's decision on an earlier referral."""
    return Changes({"referred_from": facts.state, "la_decision": None})


def came_from(state: str) -> Guard:
    label = STATE_LABELS[state].lower()

    def guard(facts: CaseFacts) -> str | None:
        source = facts.details.get("referred_from") or (
            # Referred before the source was recorded: a signed plan says it was the plan.
            "attendance_plan" if facts.of_kind("signed_plan") else "school_support"
        )
        if source == state:
            return None
        return f"the referral came from {STATE_LABELS[source].lower()}, not {label}"

    guard.__doc__ = f"The referral came from {label}."
    return guard


def _back_to_school(trigger: str, verb: str, decision: str) -> tuple[Step, ...]:
    return tuple(
        la_decides(
            decision,
            trigger=trigger,
            source=("formal_support",),
            dest=state,
            label=f"{verb} the referral to the school (back to {STATE_LABELS[state].lower()})",
            guards=(came_from(state),),
        )
        for state in REFERRED_FROM
    )


LA_DECISION_STEPS = (
    # The LA takes the case on: it stays in formal support, its review date unchanged.
    la_decides(
        "accepted",
        trigger="accept_referral",
        source=("formal_support",),
        dest="formal_support",
        label="Accept the referral",
        reason_needed=False,
    ),
    *_back_to_school("return_referral", "Return", "returned"),
    *_back_to_school("refuse_referral", "Refuse", "refused"),
)

# Notices that are over without going to court: the concern can go back to support.
SETTLED_NOTICES = ("paid_reduced", "paid_full", "withdrawn", "refused", "not_liable")


def notices_settled(facts: CaseFacts) -> str | None:
    """Every penalty notice of the child is over, and one was paid or withdrawn."""
    states = [
        s for s in facts.related.penalty_notice_states if s in penalty_notice.LIFECYCLE.states
    ]
    pending = sorted({s for s in states if not penalty_notice.LIFECYCLE.is_final(s)})
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
        letter="notice_to_improve",
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


# -- closing, and the cool-off after "improved and sustained" (issue 10, item 11) -------------

# Attendance that improved is still short of the line for a while (a year-to-date rate takes
# weeks to recover), so the sweep would open a new concern the day after one closes.
COOL_OFF_AFTER = ("improved_sustained",)


def closed_with(facts: CaseFacts) -> Changes:
    """The case keeps the outcome it was closed with: the sweep reads whether it cools off."""
    return Changes({"close_outcome": facts.params.get("outcome")})


def cool_off_ends(facts: CaseFacts) -> date | None:
    """The day a closed concern's cool-off ends, from which a finding opens a new concern."""
    if facts.state != "closed" or facts.details.get("close_outcome") not in COOL_OFF_AFTER:
        return None
    if facts.policy.cool_off_school_weeks is None or facts.entered_state_on is None:
        return None
    return cool_off_end(facts.policy, facts.calendar, facts.entered_state_on)


COOL_OFF = TimeLimit(
    name="cool_off_ends",
    label="cool-off ends (until then the sweep records a finding here, not in a new concern)",
    due=cool_off_ends,
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
        letter="attendance_plan",
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
        letter="formal_referral",
        guards=(
            guards.support_meeting_held,
            guards.slt_approved("refer_formal_support"),
            guards.referral_pack_complete,
        ),
        deadlines=(CONTRACT_REVIEW,),
        effect=referred,
    ),
    *LA_DECISION_STEPS,
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
        letter="penalty_notice_request",
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
        letter="penalty_notice_request",
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
        # Not only after an unpaid penalty notice: formal support or a notice to improve
        # may lead here too (s444 Education Act 1996 has no such precondition).
        guards=(
            guards.compulsory_school_age,
            no_penalty_notice_pending,
            guards.eso_considered,
            guards.referral_pack_complete,
            guards.prosecution_pack_sent,
            guards.within_prosecution_time_limit,
            guards.slt_approved("refer_prosecution"),
        ),
        stamps=("prosecution_referred",),
        effect=relied_on,
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
        effect=closed_with,
        choices={"outcome": CLOSE_OUTCOMES},
    ),
)

# -- formal support measures ----------------------------------------------------------------

# Evidence with deadlines rather than states: a contract, an early help referral and an order
# run beside formal support (and may outlast it), so none of them is where the case is.
MEASURE_DEADLINES = (
    EvidenceDeadline(
        kind="attendance_contract",
        name="attendance_contract_review",
        label="attendance contract review due",
        rule=DeadlineRule(
            name="attendance_contract_review",
            label="attendance contract review due",
            section="attendance_contract",
            key="review_max_school_weeks",
            unit=Unit.SCHOOL_WEEKS,
            start_param="signed_on",
        ),
    ),
    EvidenceDeadline(
        kind="education_supervision_order",
        name="education_supervision_order_ends",
        label="education supervision order ends",
        when={"stage": "granted"},
        on_field="ends_on",
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
    measures=(PENALTY_THRESHOLD_NOW, LAST_UNAUTHORISED_ABSENCE),
    from_finding=holiday_finding,
    time_limits=(PROSECUTION_TIME_LIMIT, COOL_OFF),
    evidence_deadlines=MEASURE_DEADLINES,
    cool_off_after=COOL_OFF_AFTER,
)
