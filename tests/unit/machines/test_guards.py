"""Every guard wired into a lifecycle: it blocks with its reason, then allows once the evidence,
approval or parameter exists.

`CHECKS` is the registry: one or more checks per guard, keyed by the guard's name (and, for a
guard made by a factory such as `slt_approved(step)`, its docstring). A guard added to a step
without a check here fails `test_every_wired_guard_has_a_check`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pytest

from casework.machines import LIFECYCLES
from casework.machines.lifecycle import CaseFacts, Guard, RelatedFacts, Step
from casework.machines.missing_education import GROUND_NOW
from tests.support.facts import (
    GRANDAD,
    LEFT,
    MUM,
    NO_CONTACTS,
    NO_PARENT,
    PUPIL,
    VULNERABLE,
    absent_until,
    agencies,
    contact,
    enquiry,
    eso,
    eso_order,
    evidence,
    facts,
    finding,
    home_visit,
    judgement,
    la,
    letter,
    liability,
    meeting,
    not_appropriate,
    notices,
    payment,
    plan,
    prosecution_pack,
    referral_pack,
    slt,
    support,
    threshold,
    welfare_check,
)


def guard_key(guard: Guard) -> str:
    outer, _, inner = guard.__qualname__.partition(".<locals>.")
    return f"{outer}: {guard.__doc__}" if inner else outer


def wired() -> dict[str, list[tuple[str, Step, Guard]]]:
    """Every guard referenced by every step of every lifecycle, by key."""
    out: dict[str, list[tuple[str, Step, Guard]]] = {}
    for lifecycle in LIFECYCLES.values():
        for step in lifecycle.steps:
            for guard in step.guards:
                out.setdefault(guard_key(guard), []).append((lifecycle.kind, step, guard))
    return out


WIRED = wired()


@dataclass(frozen=True)
class Check:
    guard: str
    blocked: CaseFacts
    reason: str
    allowed: CaseFacts


def ac(state: str, today: str, **kw: Any) -> CaseFacts:
    return facts("attendance_concern", state, today, **kw)


def started(*notice_states: str) -> RelatedFacts:
    """The penalty notices a concern requested, in these states."""
    return RelatedFacts(started_states=tuple(("penalty_notice", s) for s in notice_states))


def pn(state: str, today: str, **kw: Any) -> CaseFacts:
    kw.setdefault(
        "details", {"parent": MUM.name, "issued_on": "2026-04-14", "served_on": "2026-04-14"}
    )
    return facts("penalty_notice", state, today, **kw)


def cme(state: str, today: str, **kw: Any) -> CaseFacts:
    return facts("missing_education", state, today, **kw)


LEAVE = {
    "start": "2026-05-11",
    "end": "2026-05-15",
    "requested_on": "2026-04-14",
    "school_days_requested": 5,
}


def lv(state: str, today: str, details: dict[str, Any] | None = None, **kw: Any) -> CaseFacts:
    return facts("leave_request", state, today, details={**LEAVE, **(details or {})}, **kw)


def slt_checks(kind: str, state: str, step: str) -> list[Check]:
    def f(*items: Any) -> CaseFacts:
        return facts(kind, state, "2026-03-02", evidence=items, entered_state_on="2026-02-23")

    key = f"slt_approved: SLT approval for {step}."
    return [
        Check(key, f(), "needs SLT approval", f(slt("2026-02-27", step))),
        Check(
            key,
            f(slt("2026-02-27", "something_else")),
            "needs SLT approval",
            f(slt("2026-02-23", step)),
        ),
        # An approval given before the case entered its current state does not count.
        Check(key, f(slt("2026-02-20", step)), "needs SLT approval", f(slt("2026-03-02", step))),
        # The latest decision counts: refused, then approved after a second look.
        Check(
            key,
            f(slt("2026-02-24", step), slt("2026-02-25", step, "refused")),
            "SLT refused on 25 February 2026",
            f(slt("2026-02-25", step, "refused"), slt("2026-02-27", step)),
        ),
    ]


PLAN_KEY = "signed_plan: A signed attendance plan with a review date in the policy's window."
PACK = [*referral_pack("2025-11-21"), plan("2025-10-08", "2025-11-19")]
CLOSE_KEY = "outcome_in: The outcome is one of improved_sustained, left_roll, transferred, other."
ELSEWHERE_KEY = "outcome_in: The outcome is one of new_school, home_education, moved_away, other."
GROUNDS = "20 school days absent without reason, or not back 10 school days after leave"
FIRST_ABSENT = {"first_absent_on": "2026-01-12"}  # a Monday: day 5 is Friday 16 January
CONTRACT = plan("2025-11-26", "2026-01-14", "attendance_contract")

REVIEW_KEY = (
    "review_date_in_window: A review date given with the step falls in the policy's review window."
)

CHECKS: list[Check] = [
    # -- attendance concern ------------------------------------------------------------------
    # A plan agreed on Wed 8 Oct 2025 may be given a review date from Wed 12 Nov (4 school
    # weeks on, the half term skipped) to Wed 26 Nov (6 school weeks on).
    Check(
        REVIEW_KEY,
        ac("school_support", "2025-10-08", params={"review_date": "2025-11-11"}),
        "the review date 11 November 2025 must fall between 12 November 2025 and 26 November 2025",
        ac("school_support", "2025-10-08", params={"review_date": "2025-11-12"}),
    ),
    Check(
        REVIEW_KEY,
        ac("school_support", "2025-10-08", params={"review_date": "2025-11-27"}),
        "the review date 27 November 2025 must fall between 12 November 2025 and 26 November 2025",
        ac("school_support", "2025-10-08", params={"review_date": "2025-11-26"}),
    ),
    Check(  # none given: the signed plan's own date (checked by signed_plan) or the default
        REVIEW_KEY,
        ac("school_support", "2025-10-08", params={"review_date": "2026-03-01"}),
        "the review date 1 March 2026 must fall between 12 November 2025 and 26 November 2025",
        ac("school_support", "2025-10-08"),
    ),
    Check(
        "family_contacted",
        ac("monitoring", "2025-09-24"),
        "no contact with the family recorded yet",
        ac("monitoring", "2025-09-24", evidence=[contact("2025-09-23", outcome="no_answer")]),
    ),
    Check(
        "family_contacted",
        ac("monitoring", "2025-09-24", evidence=[home_visit("2025-09-23")]),
        "no contact with the family recorded yet",
        ac("monitoring", "2025-09-24", evidence=[letter("2025-09-23")]),
    ),
    Check(
        "family_contacted",
        ac("monitoring", "2025-09-24", evidence=[agencies("2025-09-23")]),
        "no contact with the family recorded yet",
        ac("monitoring", "2025-09-24", evidence=[meeting("2025-09-23")]),
    ),
    Check(
        "support_meeting_held",
        ac("school_support", "2025-10-08", evidence=[meeting("2025-10-01", "plan_review")]),
        "no school-led support meeting with the family recorded",
        ac("school_support", "2025-10-08", evidence=[meeting("2025-10-01")]),
    ),
    Check(
        PLAN_KEY,
        ac("school_support", "2025-10-08"),
        "no signed attendance plan on file",
        ac("school_support", "2025-10-08", evidence=[plan("2025-10-08", "2025-11-19")]),
    ),
    Check(
        PLAN_KEY,
        ac("school_support", "2025-10-08", evidence=[CONTRACT]),
        "no signed attendance plan on file",
        ac("school_support", "2025-10-08", evidence=[CONTRACT, plan("2025-10-08", "2025-11-19")]),
    ),
    # Signed Wed 8 Oct 2025: review between 4 school weeks on (Wed 12 Nov, the half term
    # skipped) and 6 school weeks on (Wed 26 Nov); both ends are allowed.
    Check(
        PLAN_KEY,
        ac("school_support", "2025-10-08", evidence=[plan("2025-10-08", "2025-11-05")]),
        "the attendance plan review date 5 November 2025 must fall between "
        "12 November 2025 and 26 November 2025",
        ac("school_support", "2025-10-08", evidence=[plan("2025-10-08", "2025-11-26")]),
    ),
    Check(
        PLAN_KEY,
        ac("school_support", "2025-10-08", evidence=[plan("2025-10-08", "2025-11-27")]),
        "the attendance plan review date 27 November 2025 must fall between "
        "12 November 2025 and 26 November 2025",
        ac("school_support", "2025-10-08", evidence=[plan("2025-10-08", "2025-11-12")]),
    ),
    # The latest plan is the one that counts. Signed Mon 12 Jan 2026: 4 school weeks on is
    # Mon 9 Feb, 6 school weeks on is Mon 2 Mar (the half term week of 16 Feb skipped).
    Check(
        PLAN_KEY,
        ac(
            "formal_support",
            "2026-01-12",
            evidence=[plan("2025-10-08", "2025-11-19"), plan("2026-01-12", "2026-01-19")],
        ),
        "the attendance plan review date 19 January 2026 must fall between "
        "9 February 2026 and 2 March 2026",
        ac(
            "formal_support",
            "2026-01-12",
            evidence=[plan("2025-10-08", "2025-11-27"), plan("2026-01-12", "2026-03-02")],
        ),
    ),
    *slt_checks("attendance_concern", "attendance_plan", "refer_formal_support"),
    *slt_checks("attendance_concern", "formal_support", "issue_notice_to_improve"),
    *slt_checks("attendance_concern", "notice_to_improve", "request_penalty_notice"),
    *slt_checks("attendance_concern", "penalty_notice", "refer_prosecution"),
    *slt_checks("missing_education", "referred", "delete_from_roll"),
    Check(
        "referral_pack_complete",
        ac("attendance_plan", "2025-11-26", pupil=NO_PARENT),
        "LA referral pack is missing: letters sent, home visit outcome, support plan, "
        "agencies involved, parents with parental responsibility",
        ac("attendance_plan", "2025-11-26", evidence=PACK),
    ),
    Check(
        "referral_pack_complete",
        ac("attendance_plan", "2025-11-26", evidence=PACK[1:]),
        "LA referral pack is missing: letters sent",
        ac("attendance_plan", "2025-11-26", evidence=PACK),
    ),
    Check(
        "no_notice_to_improve",
        ac("school_support", "2026-02-26", details={"holiday": True}),
        "needs a notice to improve first, or SLT's recorded reason why one is not appropriate "
        "(a term-time holiday; support would not help; a notice to this parent in the last "
        "12 months)",
        ac("school_support", "2026-02-26", evidence=[not_appropriate("2026-02-26")]),
    ),
    Check(
        "no_notice_to_improve",
        ac(
            "school_support",
            "2026-02-26",
            evidence=[not_appropriate("2026-02-26")],
            details={"penalty_threshold": threshold(10, codes=["O"] * 10)},
        ),
        "SLT recorded a term-time holiday, but the offence has no session coded G "
        "(leave not granted)",
        ac(
            "school_support",
            "2026-02-26",
            evidence=[not_appropriate("2026-02-26")],
            details={"penalty_threshold": threshold(10, codes=["O"] * 6 + ["G"] * 4)},
        ),
    ),
    Check(
        "improvement_not_sufficient",
        ac("notice_to_improve", "2026-03-27", entered_state_on="2026-02-26"),
        "needs SLT's judgement that improvement was not sufficient",
        ac(
            "notice_to_improve",
            "2026-03-27",
            entered_state_on="2026-02-26",
            evidence=[judgement("2026-03-27")],
        ),
    ),
    # Issued Thu 26 Feb 2026, the period ends Thu 26 Mar: a judgement that day is too soon.
    Check(
        "improvement_not_sufficient",
        ac(
            "notice_to_improve",
            "2026-03-27",
            details={"notice_to_improve_issued": "2026-02-26"},
            evidence=[judgement("2026-03-26")],
        ),
        "SLT's judgement of 26 March 2026 came before the notice-to-improve period ended on "
        "26 March 2026",
        ac(
            "notice_to_improve",
            "2026-03-27",
            details={"notice_to_improve_issued": "2026-02-26"},
            evidence=[judgement("2026-03-27")],
        ),
    ),
    Check(
        "improvement_not_sufficient",
        ac("notice_to_improve", "2026-03-27", evidence=[judgement("2026-03-27", "sufficient")]),
        "SLT judged the improvement sufficient on 27 March 2026: step down instead",
        ac(
            "notice_to_improve",
            "2026-03-27",
            evidence=[judgement("2026-03-27", "sufficient"), judgement("2026-03-30")],
        ),
    ),
    Check(
        "support_offered_before_enforcement",
        ac("school_support", "2026-02-26", evidence=[meeting("2026-01-14", "plan_review")]),
        "no support offered to the family yet (a support meeting, a plan or other support)",
        ac("school_support", "2026-02-26", evidence=[meeting("2026-01-14")]),
    ),
    Check(
        "support_offered_before_enforcement",
        ac("attendance_plan", "2026-02-26"),
        "no support offered to the family yet (a support meeting, a plan or other support)",
        ac("attendance_plan", "2026-02-26", evidence=[support("2026-01-14", "mentoring")]),
    ),
    Check(
        "notices_settled",
        ac("penalty_notice", "2026-05-20", related=RelatedFacts(("paid_full", "unpaid"))),
        "a penalty notice is still open: unpaid",
        ac("penalty_notice", "2026-05-20", related=RelatedFacts(("paid_full", "withdrawn"))),
    ),
    Check(
        "notices_settled",
        ac("penalty_notice", "2026-05-20", related=RelatedFacts(("prosecution", "barred"))),
        "no penalty notice paid or withdrawn",
        ac("penalty_notice", "2026-05-20", related=RelatedFacts(("withdrawn", "barred"))),
    ),
    Check(
        "compulsory_school_age",
        # Born 10 September 2021: five in September 2026, of compulsory school age from the
        # next prescribed day, 31 December 2026.
        ac("formal_support", "2026-02-26", pupil=replace(PUPIL, date_of_birth=date(2021, 9, 10))),
        "not of compulsory school age until 31 December 2026: enforcement does not apply",
        ac("formal_support", "2026-02-26"),
    ),
    Check(
        "compulsory_school_age",
        # Born 1 March 2009: sixteen in the 2024/25 school year, which ended its compulsory
        # school age on the last Friday in June 2025.
        ac("formal_support", "2026-02-26", pupil=replace(PUPIL, date_of_birth=date(2009, 3, 1))),
        "past compulsory school age since 27 June 2025: enforcement does not apply",
        ac("formal_support", "2026-02-26"),
    ),
    Check(
        "compulsory_school_age",
        ac("formal_support", "2026-02-26", pupil=replace(PUPIL, date_of_birth=None)),
        "no date of birth on record: compulsory school age cannot be checked",
        ac("formal_support", "2026-02-26"),
    ),
    Check(
        "not_holiday",
        ac("formal_support", "2026-02-26", details={"holiday": True}),
        "a notice to improve is not used for a term-time holiday",
        ac("formal_support", "2026-02-26", details={"holiday": False}),
    ),
    Check(
        "formal_support_offered",
        ac("formal_support", "2026-02-26", evidence=[support("2026-01-21", "mentoring")]),
        "no attendance contract or early help offered",
        ac("formal_support", "2026-02-26", evidence=[support("2026-01-21", "early_help")]),
    ),
    Check(
        "formal_support_offered",
        ac("formal_support", "2026-02-26", evidence=[plan("2026-01-21", "2026-03-04")]),
        "no attendance contract or early help offered",
        ac("formal_support", "2026-02-26", evidence=[CONTRACT]),
    ),
    Check(
        "parents_named",
        ac("formal_support", "2026-02-26", pupil=NO_PARENT),
        "no parent with parental responsibility named",
        ac("formal_support", "2026-02-26", pupil=PUPIL),
    ),
    Check(
        "penalty_threshold_met",
        ac("notice_to_improve", "2026-03-27"),
        "threshold not checked: no register data for the penalty window",
        ac("notice_to_improve", "2026-03-27", details={"penalty_threshold": threshold(10)}),
    ),
    Check(
        "penalty_threshold_met",
        ac("notice_to_improve", "2026-03-27", details={"penalty_threshold": threshold(7)}),
        "threshold not met: 7 of 10 sessions in the last 10 school weeks",
        ac("notice_to_improve", "2026-03-27", details={"penalty_threshold": threshold(11)}),
    ),
    Check(
        # A term-time holiday needs the threshold too: 4 days of G are 8 sessions, not 10.
        "penalty_threshold_met",
        ac(
            "school_support",
            "2026-03-27",
            details={
                "penalty_threshold": threshold(8, as_of="2026-03-27", codes=["G"] * 8),
                "holiday": True,
            },
        ),
        "threshold not met: 8 of 10 sessions in the last 10 school weeks up to 27 March 2026",
        ac(
            "school_support",
            "2026-03-27",
            details={
                "penalty_threshold": threshold(10, as_of="2026-03-27", codes=["G"] * 10),
                "holiday": True,
            },
        ),
    ),
    Check(
        "notice_period_over",
        ac("notice_to_improve", "2026-03-27", details={"holiday": True}),
        "no notice to improve issued",
        ac("notice_to_improve", "2026-03-27", details={"notice_to_improve_issued": "2026-02-26"}),
    ),
    # Issued Thu 26 Feb 2026: 4 school weeks on is Thu 26 Mar; the request may go on Fri 27th.
    Check(
        "notice_period_over",
        ac("notice_to_improve", "2026-03-26", details={"notice_to_improve_issued": "2026-02-26"}),
        "notice-to-improve period ends 26 March 2026",
        ac("notice_to_improve", "2026-03-27", details={"notice_to_improve_issued": "2026-02-26"}),
    ),
    # Issued Mon 9 Feb 2026: 23 Feb, 2, 9, 16 Mar (the half term skipped) -> Mon 16 Mar.
    Check(
        "notice_period_over",
        ac("notice_to_improve", "2026-03-16", details={"notice_to_improve_issued": "2026-02-09"}),
        "notice-to-improve period ends 16 March 2026",
        ac("notice_to_improve", "2026-03-17", details={"notice_to_improve_issued": "2026-02-09"}),
    ),
    Check(
        "no_penalty_notice_pending",
        ac("penalty_notice", "2026-05-13", related=started("paid_full", "issued")),
        "a penalty notice is still issued: prosecution waits until it is unpaid",
        ac("penalty_notice", "2026-05-13", related=started("paid_full", "unpaid")),
    ),
    Check(
        "no_penalty_notice_pending",
        ac("penalty_notice", "2026-05-13", related=started("requested")),
        "a penalty notice is still requested: prosecution waits until it is unpaid",
        ac("formal_support", "2026-05-13"),
    ),
    Check(
        "eso_considered",
        ac("penalty_notice", "2026-05-13"),
        "the LA must record its consideration of an education supervision order first "
        "(s447 Education Act 1996)",
        ac("penalty_notice", "2026-05-13", evidence=[eso("2026-05-13")]),
    ),
    Check(
        "eso_considered",
        ac("formal_support", "2026-05-13", evidence=[support("2026-05-13")]),
        "the LA must record its consideration of an education supervision order first "
        "(s447 Education Act 1996)",
        ac("formal_support", "2026-05-13", evidence=[eso_order("2026-05-13", "applied")]),
    ),
    Check(
        "prosecution_pack_sent",
        ac("formal_support", "2026-05-13", evidence=referral_pack("2026-05-13")),
        "no prosecution evidence pack recorded as sent",
        ac("formal_support", "2026-05-13", evidence=[prosecution_pack("2026-05-13")]),
    ),
    # Last unauthorised absence Fri 20 March 2026: in time to Sun 20 September 2026.
    Check(
        "within_prosecution_time_limit",
        ac("formal_support", "2026-09-21", details=absent_until("2026-03-20")),
        "no unauthorised absence in the last 6 months: too late to prosecute "
        "(s127 Magistrates' Courts Act 1980)",
        ac("formal_support", "2026-09-20", details=absent_until("2026-03-20")),
    ),
    Check(
        "within_prosecution_time_limit",
        ac("formal_support", "2026-05-13"),
        "no unauthorised absence in the last 6 months: too late to prosecute "
        "(s127 Magistrates' Courts Act 1980)",
        ac("formal_support", "2026-05-13", details=absent_until("2026-05-12")),
    ),
    Check(
        "came_from: The referral came from school-led support.",
        ac("formal_support", "2026-02-04", details={"referred_from": "attendance_plan"}),
        "the referral came from individual attendance plan, not school-led support",
        ac("formal_support", "2026-02-04", details={"referred_from": "school_support"}),
    ),
    Check(
        "came_from: The referral came from individual attendance plan.",
        ac("formal_support", "2026-02-04", details={"referred_from": "school_support"}),
        "the referral came from school-led support, not individual attendance plan",
        ac("formal_support", "2026-02-04", details={"referred_from": "attendance_plan"}),
    ),
    # Referred before the source was recorded: a signed plan on file means the plan.
    Check(
        "came_from: The referral came from individual attendance plan.",
        ac("formal_support", "2026-02-04"),
        "the referral came from school-led support, not individual attendance plan",
        ac("formal_support", "2026-02-04", evidence=[plan("2026-01-21", "2026-02-18")]),
    ),
    Check(
        "concern_referred_for_prosecution",
        pn(
            "unpaid",
            "2026-05-20",
            related=RelatedFacts(case_states=(("attendance_concern", "penalty_notice"),)),
        ),
        "the attendance concern has not been referred for prosecution",
        pn(
            "unpaid",
            "2026-05-20",
            related=RelatedFacts(case_states=(("attendance_concern", "prosecution"),)),
        ),
    ),
    Check(
        CLOSE_KEY,
        ac("monitoring", "2026-03-23", params={"outcome": "bored"}),
        "outcome must be one of improved_sustained, left_roll, transferred, other, not 'bored'",
        ac("monitoring", "2026-03-23", params={"outcome": "transferred"}),
    ),
    Check(
        "pupil_left_roll",
        ac("monitoring", "2026-03-23", params={"outcome": "left_roll"}),
        "the pupil has no leaving date recorded",
        ac("monitoring", "2026-03-23", params={"outcome": "left_roll"}, pupil=LEFT),
    ),
    # -- penalty notice dates and limits (issue 8, item 5) ------------------------------------
    Check(
        "service_recorded",
        pn("issued", "2026-04-20", params={"service": "courier", "sent_on": "2026-04-15"}),
        "service must be one of hand, post, not 'courier'",
        pn("issued", "2026-04-20", params={"service": "post", "sent_on": "2026-04-15"}),
    ),
    Check(
        "service_recorded",
        pn("issued", "2026-04-20", params={"service": "hand", "sent_on": "2026-04-10"}),
        "sent on 10 April 2026, before the notice was issued on 14 April 2026",
        pn("issued", "2026-04-20", params={"service": "hand", "sent_on": "2026-04-20"}),
    ),
    Check(
        "service_recorded",
        pn("issued", "2026-04-20", params={"service": "hand", "sent_on": "2026-04-21"}),
        "sent on 21 April 2026, which is after today",
        pn("issued", "2026-04-21", params={"service": "hand", "sent_on": "2026-04-21"}),
    ),
    Check(
        "no_third_notice",
        ac("school_support", "2026-03-27", related=RelatedFacts(barred_parents=(MUM.name,))),
        "Dana Shaw already had 2 penalty notices for this child within 3 years: a third is "
        "barred; use another route",
        ac("school_support", "2026-03-27", related=RelatedFacts(barred_parents=("Someone Else",))),
    ),
    # -- penalty notice ----------------------------------------------------------------------
    Check(
        "named_parent_on_record",
        pn("requested", "2026-03-30", details={}),
        "no parent named on the notice",
        pn("requested", "2026-03-30"),
    ),
    # A grandfather without parental responsibility is a parent (s576) if the child lives
    # with him: whether he is liable is the LA's decision.
    Check(
        "named_parent_on_record",
        pn("requested", "2026-03-30", details={"parent": GRANDAD.name}),
        "Len Shaw is not a parent of the child on record (no parental responsibility, and the "
        "child does not live with them)",
        pn(
            "requested",
            "2026-03-30",
            details={"parent": GRANDAD.name},
            pupil=replace(PUPIL, contacts=(MUM, replace(GRANDAD, lives_with_pupil=True))),
        ),
    ),
    Check(
        "la_found_liable",
        pn("approved", "2026-04-14"),
        "needs the LA's decision whether this parent is liable",
        pn("approved", "2026-04-14", evidence=[liability("2026-04-13")]),
    ),
    Check(
        "la_found_liable",
        pn("approved", "2026-04-14", evidence=[liability("2026-04-13", "N")]),
        "the LA found this parent not liable on 13 April 2026",
        pn(
            "approved",
            "2026-04-14",
            evidence=[liability("2026-04-13", "N"), liability("2026-04-14")],
        ),
    ),
    Check(
        "la_not_found_not_liable",
        pn("approved", "2026-04-14", evidence=[liability("2026-04-14", "N")]),
        "the LA found this parent not liable on 14 April 2026",
        pn("approved", "2026-04-14"),
    ),
    Check(
        "la_found_not_liable",
        pn("requested", "2026-04-14", evidence=[liability("2026-04-13")]),
        "needs the LA's decision that this parent is not liable",
        pn("requested", "2026-04-14", evidence=[liability("2026-04-14", "N")]),
    ),
    # Two notices within 3 years of Mon 30 Mar 2026 (since 30 Mar 2023) bar a third; a
    # withdrawn notice or one issued on 30 Mar 2023 itself does not count.
    Check(
        "within_notice_limit",
        pn(
            "requested",
            "2026-03-30",
            related=notices(("2024-09-16", "paid_full"), ("2025-06-02", "unpaid")),
        ),
        "this parent already had 2 penalty notices for this child since 30 March 2023: "
        "no further notice within 3 years; use another route",
        pn(
            "requested",
            "2026-03-30",
            related=notices(
                ("2023-03-30", "paid_full"),
                ("2024-09-16", "paid_full"),
                ("2025-06-02", "withdrawn"),
            ),
        ),
    ),
    # Issued Tue 14 Apr 2026: the reduced amount by Tue 5 May, the full amount by Tue 12 May.
    Check(
        "paid_reduced_in_time",
        pn("served", "2026-05-05"),
        "no payment recorded",
        pn("served", "2026-05-05", evidence=[payment("2026-05-05", 80)]),
    ),
    Check(
        "paid_reduced_in_time",
        pn("served", "2026-05-06", evidence=[payment("2026-05-06", 80)]),
        "paid on 6 May 2026, after the reduced-payment date 5 May 2026",
        pn("served", "2026-05-06", evidence=[payment("2026-04-20", 80)]),
    ),
    Check(
        "paid_reduced_in_time",
        pn("served", "2026-05-05", evidence=[payment("2026-05-05", 60)]),
        "paid £60.00, less than £80.00",
        # The latest payment counts.
        pn("served", "2026-05-05", evidence=[payment("2026-05-01", 60), payment("2026-05-05", 80)]),
    ),
    Check(
        "paid_reduced_in_time",
        pn(
            "served",
            "2026-04-20",
            evidence=[payment("2026-04-20", 80)],
            related=notices(("2024-09-16", "paid_full")),
        ),
        "a repeat notice has no reduced amount",
        pn(
            "served",
            "2026-04-20",
            evidence=[payment("2026-04-20", 80)],
            related=notices(("2023-04-13", "paid_full")),
        ),
    ),
    Check(
        "paid_full_in_time",
        pn("served", "2026-05-12"),
        "no payment recorded",
        pn("served", "2026-05-12", evidence=[payment("2026-05-12", 160)]),
    ),
    Check(
        "paid_full_in_time",
        pn("served", "2026-05-13", evidence=[payment("2026-05-13", 160)]),
        "paid on 13 May 2026, after the final date 12 May 2026",
        pn("served", "2026-05-13", evidence=[payment("2026-05-12", 160)]),
    ),
    Check(
        "paid_full_in_time",
        pn("served", "2026-05-12", evidence=[payment("2026-05-12", 100)]),
        "paid £100.00, less than £160.00",
        pn("served", "2026-05-12", evidence=[payment("2026-05-12", 160.0)]),
    ),
    Check(
        "final_date_passed_unpaid",
        pn("served", "2026-05-12"),
        "payment is due by 12 May 2026",
        pn("served", "2026-05-13"),
    ),
    Check(
        "final_date_passed_unpaid",
        pn("served", "2026-05-13", evidence=[payment("2026-05-05", 80)]),
        "the notice was paid",
        # A part payment is not a payment: the notice is unpaid.
        pn("served", "2026-05-13", evidence=[payment("2026-05-05", 50)]),
    ),
    Check(
        "final_date_passed_unpaid",
        pn("served", "2026-05-13", evidence=[payment("2026-05-12", 160)]),
        "the notice was paid",
        pn("served", "2026-05-13", evidence=[payment("2026-05-13", 160)]),
    ),
    Check(
        "la_decided: The LA decided: prosecute.",
        pn(
            "unpaid",
            "2026-05-20",
            evidence=[la("2026-05-14", "prosecute"), la("2026-05-19", "withdraw")],
        ),
        "needs the local authority's decision: prosecute",
        pn(
            "unpaid",
            "2026-05-20",
            evidence=[la("2026-05-14", "withdraw"), la("2026-05-19", "prosecute")],
        ),
    ),
    Check(
        "la_decided: The LA decided: withdraw.",
        pn("unpaid", "2026-05-20"),
        "needs the local authority's decision: withdraw",
        pn("unpaid", "2026-05-20", evidence=[la("2026-05-19", "withdraw")]),
    ),
    # -- children missing education ----------------------------------------------------------
    Check(
        "first_day_contact",
        cme("unexplained_absence", "2026-01-12", evidence=[home_visit("2026-01-12")]),
        "no contact attempt recorded yet",
        cme(
            "unexplained_absence",
            "2026-01-12",
            evidence=[contact("2026-01-12", outcome="no_answer")],
        ),
    ),
    Check(
        "every_contact_tried",
        cme("enquiries", "2026-02-09", evidence=[contact("2026-01-12"), contact("2026-01-13")]),
        "no contact attempt recorded with Len Shaw",
        cme(
            "enquiries",
            "2026-02-09",
            evidence=[contact("2026-01-12"), contact("2026-01-13", GRANDAD.name)],
        ),
    ),
    Check(
        "every_contact_tried",
        cme("enquiries", "2026-02-09", pupil=NO_CONTACTS),
        "the pupil has no contacts on record to try",
        cme(
            "enquiries",
            "2026-02-09",
            pupil=NO_PARENT,
            evidence=[contact("2026-01-12", GRANDAD.name)],
        ),
    ),
    Check(
        "home_visit_made",
        cme("enquiries", "2026-02-09"),
        "no home visit recorded",
        cme("enquiries", "2026-02-09", evidence=[home_visit("2026-01-15", "no_answer")]),
    ),
    # An absence from Mon 12 Jan 2026: the welfare check is due on day 5 (Fri 16 Jan), day 1
    # (Mon 12 Jan) for a vulnerable pupil, whenever the enquiries started.
    Check(
        "welfare_check_if_due",
        cme("enquiries", "2026-01-16", entered_state_on="2026-01-14", details=FIRST_ABSENT),
        "a police welfare check was due by 16 January 2026",
        cme("enquiries", "2026-01-15", entered_state_on="2026-01-14", details=FIRST_ABSENT),
    ),
    Check(
        "welfare_check_if_due",
        cme("enquiries", "2026-02-09", details={"welfare_check_due": "2026-01-16"}),
        "a police welfare check was due by 16 January 2026",
        cme(
            "enquiries",
            "2026-02-09",
            details={"welfare_check_due": "2026-01-16"},
            evidence=[welfare_check("2026-01-16")],
        ),
    ),
    Check(
        "welfare_check_if_due",
        cme(
            "enquiries",
            "2026-01-14",
            entered_state_on="2026-01-14",
            details=FIRST_ABSENT,
            pupil=VULNERABLE,
        ),
        "a police welfare check was due by 12 January 2026",
        cme("enquiries", "2026-01-14", entered_state_on="2026-01-14", details=FIRST_ABSENT),
    ),
    Check(
        "joint_enquiries_made",
        cme("referred", "2026-02-09", evidence=[enquiry("2026-01-20", "sibling_school")]),
        "no joint enquiries with the LA children missing education team recorded",
        cme("referred", "2026-02-09", evidence=[enquiry("2026-01-20", "la_cme_team")]),
    ),
    Check(
        "deletion_ground_holds",
        # A finding on file is not enough: the ground must hold on the register today.
        cme("referred", "2026-02-09", evidence=[finding("2026-02-06")]),
        f"no deletion ground holds on 9 February 2026 ({GROUNDS})",
        cme("referred", "2026-02-09", details={GROUND_NOW: "absent every school day since ..."}),
    ),
    Check(
        "not_ill_or_prevented",
        cme("referred", "2026-02-09"),
        "no statement recorded that there are no reasonable grounds to think the child ill or "
        "prevented from attending",
        cme(
            "referred",
            "2026-02-09",
            evidence=[evidence("not_ill_or_prevented", "2026-02-06", reason="not seen anywhere")],
        ),
    ),
    Check(
        "la_confirmed_deletion",
        cme(
            "referred",
            "2026-02-09",
            evidence=[evidence("la_deletion_confirmation", "2026-02-06", decision="not_confirmed")],
        ),
        "the LA did not confirm the deletion on 6 February 2026",
        cme(
            "referred",
            "2026-02-09",
            evidence=[
                evidence("la_deletion_confirmation", "2026-02-05", decision="not_confirmed"),
                evidence("la_deletion_confirmation", "2026-02-06", decision="confirmed"),
            ],
        ),
    ),
    Check(
        "la_confirmed_deletion",
        cme("referred", "2026-02-09"),
        "needs the LA's confirmation of the deletion",
        cme(
            "referred",
            "2026-02-09",
            evidence=[evidence("la_deletion_confirmation", "2026-02-06", decision="confirmed")],
        ),
    ),
    Check(
        ELSEWHERE_KEY,
        cme("referred", "2026-02-16", params={"outcome": "abroad"}),
        "outcome must be one of new_school, home_education, moved_away, other, not 'abroad'",
        cme("referred", "2026-02-16", params={"outcome": "home_education"}),
    ),
    Check(
        "referred_to_la",
        cme("referred", "2026-02-11"),
        "the LA has not been told",
        cme("referred", "2026-02-11", details={"referred_on": "2026-02-09"}),
    ),
    Check(
        "not_backdated",
        cme("referred", "2026-02-11", params={"effective_on": "2026-02-10"}),
        "a deletion cannot be backdated: 10 February 2026 is before today (11 February 2026)",
        cme("referred", "2026-02-11", params={"effective_on": "2026-02-11"}),
    ),
    Check(
        "not_backdated",
        cme("referred", "2026-02-11", params={"effective_on": "2025-12-19"}),
        "a deletion cannot be backdated: 19 December 2025 is before today (11 February 2026)",
        cme("referred", "2026-02-11", params={"effective_on": "2026-02-12"}),
    ),
    # -- leave of absence --------------------------------------------------------------------
    Check(
        "requested_before_leave",
        lv("submitted", "2026-05-11", {"requested_on": "2026-05-11"}),
        "requested on 11 May 2026, once the leave had started: no retrospective approval",
        lv("submitted", "2026-05-11", {"requested_on": "2026-05-08"}),
    ),
    Check(
        "before_leave_starts",
        lv("under_review", "2026-05-11"),
        "the leave started on 11 May 2026: it can no longer be granted",
        lv("under_review", "2026-05-08"),
    ),
    Check(
        "applied_by_parent_at_home",
        lv("submitted", "2026-04-14"),
        "needs the parent who applied (applicant), one the pupil lives with",
        lv("submitted", "2026-04-14", {"applicant": MUM.name}),
    ),
    Check(
        "applied_by_parent_at_home",
        lv("submitted", "2026-04-14", {"applicant": GRANDAD.name}),
        f"applicant {GRANDAD.name} does not live with the pupil: leave is applied for by a "
        "parent the pupil normally lives with",
        lv("submitted", "2026-04-14", {"applicant": MUM.name.upper()}),
    ),
    Check(
        "applied_by_parent_at_home",
        lv("submitted", "2026-04-14", {"applicant": "Jo Nobody"}),
        f"applicant 'Jo Nobody' is not one of the pupil's contacts (contacts: {MUM.name}, "
        f"{GRANDAD.name})",
        lv("submitted", "2026-04-14", {"applicant": MUM.name}),
    ),
    Check(
        "granted_days_requested",
        lv("under_review", "2026-04-20", params={"days_granted": 5}),
        "days granted must be between 1 and 4 (asked for 5)",
        lv("under_review", "2026-04-20", params={"days_granted": 4}),
    ),
    Check(
        "granted_days_requested",
        lv("under_review", "2026-04-20", params={"days_granted": 0}),
        "days granted must be between 1 and 4 (asked for 5)",
        lv("under_review", "2026-04-20", params={"days_granted": "1"}),
    ),
    # Any of the requested days, named by date: the 2nd and the 4th, not only the first ones.
    Check(
        "granted_days_requested",
        lv("under_review", "2026-04-20", params={"days_granted": "2026-05-12, 2026-05-16"}),
        "days granted: 16 May 2026 is not a requested school day (11 May 2026 to 15 May 2026) "
        "(give YYYY-MM-DD dates or a number)",
        lv("under_review", "2026-04-20", params={"days_granted": "2026-05-12, 2026-05-14"}),
    ),
    Check(
        "granted_days_requested",
        lv("under_review", "2026-04-20", params={"days_granted": "2026-05-12 2026-05-32 x"}),
        "days granted: '2026-05-32', 'x' are not dates (give YYYY-MM-DD dates or a number)",
        lv("under_review", "2026-04-20", params={"days_granted": ["2026-05-12"]}),
    ),
    Check(
        "granted_days_requested",
        lv(
            "under_review",
            "2026-04-20",
            params={"days_granted": "2026-05-11,2026-05-12,2026-05-13,2026-05-14,2026-05-15"},
        ),
        "days granted must be between 1 and 4 (asked for 5)",
        lv("under_review", "2026-04-20", params={"days_granted": "2026-05-15"}),
    ),
    Check(
        "register_agrees",
        lv(
            "granted",
            "2026-05-18",
            {"register_mismatches": ["12 May 2026 was granted but is marked G, not C"]},
        ),
        "the register disagrees with the decision: 12 May 2026 was granted but is marked G, not C",
        lv("granted", "2026-05-18", {"register_mismatches": []}),
    ),
    Check(
        "register_agrees",
        lv(
            "declined",
            "2026-05-18",
            {
                "absent_days_in_leave": 1,
                "register_mismatches": [
                    "11 May 2026 was not granted but is marked C",
                    "12 May 2026 was not granted but is marked C",
                ],
            },
        ),
        "the register disagrees with the decision: 11 May 2026 was not granted but is marked C; "
        "12 May 2026 was not granted but is marked C",
        lv("declined", "2026-05-18", {"absent_days_in_leave": 1}),
    ),
    # Further reasons: 5 school days after a decision on Mon 20 Apr 2026 -> until Mon 27 Apr.
    Check(
        "further_reasons_in_time",
        lv("declined", "2026-04-28", {"decided_on": "2026-04-20"}),
        "further reasons could be given until 27 April 2026 (5 school days after the decision "
        "on 20 April 2026): that time has passed",
        lv("declined", "2026-04-27", {"decided_on": "2026-04-20"}),
    ),
    Check(
        "further_reasons_in_time",
        lv("partially_granted", "2026-04-28", {"decided_on": "2026-04-20"}),
        "further reasons could be given until 27 April 2026 (5 school days after the decision "
        "on 20 April 2026): that time has passed",
        lv("partially_granted", "2026-04-21", {"decided_on": "2026-04-20"}),
    ),
    Check(
        "not_reconsidered_yet",
        lv("declined", "2026-04-22", {"decided_on": "2026-04-21", "reconsidered_on": "2026-04-20"}),
        "the head already reconsidered the request after further reasons on 20 April 2026",
        lv("declined", "2026-04-22", {"decided_on": "2026-04-21"}),
    ),
    Check(
        "back_after_leave",
        lv("granted", "2026-05-15", {"absent_days_after_leave": 0}),
        "the agreed leave ends on 15 May 2026",
        lv("granted", "2026-05-18", {"absent_days_after_leave": 0}),
    ),
    Check(
        "back_after_leave",
        lv("granted", "2026-05-20", {"absent_days_after_leave": 2}),
        "absent on 2 school days after the agreed end",
        lv("granted", "2026-05-20", {"absent_days_after_leave": 0}),
    ),
    Check(
        "absent_after_leave",
        lv("granted", "2026-05-14", {"agreed_end": "2026-05-14", "absent_days_after_leave": 1}),
        "the agreed leave ends on 14 May 2026",
        lv("granted", "2026-05-15", {"agreed_end": "2026-05-14", "absent_days_after_leave": 1}),
    ),
    Check(
        "absent_after_leave",
        lv("granted", "2026-05-18"),
        "no absence recorded after the agreed end",
        lv("granted", "2026-05-18", {"absent_days_after_leave": 1}),
    ),
    Check(
        "leave_over",
        lv("overstayed", "2026-05-13", {"agreed_end": "2026-05-13"}),
        "the agreed leave ends on 13 May 2026",
        lv("overstayed", "2026-05-14", {"agreed_end": "2026-05-13"}),
    ),
    # 10 school days after Fri 15 May 2026: 18-22 May, the half term, 1-5 Jun.
    Check(
        "not_back_in_time",
        lv("overstayed", "2026-06-05", {"absent_days_after_leave": 9}),
        "absent 9 of the 10 school days after the agreed end that start a missing education "
        "enquiry",
        lv("overstayed", "2026-06-08", {"absent_days_after_leave": 10}),
    ),
    Check(
        "leave_not_taken",
        lv("declined", "2026-05-18", {"unauthorised_days_in_leave": 2}),
        "absent without permission on 2 school day(s) of the requested dates",
        # Off sick on those days (I, authorised): the leave was not taken.
        lv("declined", "2026-05-18", {"absent_days_in_leave": 2, "unauthorised_days_in_leave": 0}),
    ),
    Check(
        "leave_taken",
        lv("declined", "2026-05-18", {"absent_days_in_leave": 5, "unauthorised_days_in_leave": 0}),
        "no unauthorised absence recorded on the requested days not granted",
        lv("declined", "2026-05-18", {"unauthorised_days_in_leave": 1}),
    ),
]


def check_id(check: Check) -> str:
    return check.guard.split(":")[0] + ":" + check.reason[:40]


@pytest.mark.parametrize("check", CHECKS, ids=[check_id(c) for c in CHECKS])
def test_guard_blocks_with_its_reason_then_allows(check: Check) -> None:
    assert check.guard in WIRED, f"{check.guard} is not a guard of any step"
    places = [
        (step, guard)
        for kind, step, guard in WIRED[check.guard]
        if kind == check.blocked.kind and check.blocked.state in step.source
    ]
    assert places, f"no step from {check.blocked.state} uses {check.guard}"
    for step, guard in places:
        assert guard(check.blocked) == check.reason
        assert guard(check.allowed) is None
        # The step reports the guard's reason among its own.
        assert check.reason in step.blocked_by(check.blocked)
        assert check.reason not in step.blocked_by(check.allowed)


def test_every_wired_guard_has_a_check() -> None:
    checked = {c.guard for c in CHECKS}
    missing = sorted(set(WIRED) - checked)
    assert not missing, f"guards with no check in CHECKS: {missing}"
