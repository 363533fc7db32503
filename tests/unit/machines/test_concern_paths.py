"""The attendance concern walked end to end (DOMAIN.md section 4), with no database.

Dates are 2025/26 school days. A school week is a week with at least one school session;
"N school weeks on" is the same weekday N school weeks later, skipping weeks with no school.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from casework.machines.attendance_concern import CLOSE_OUTCOMES, OPEN_STATES, PLAN_REVIEW
from casework.machines.lifecycle import NotPermittedError, RelatedFacts, UnknownTriggerError
from casework.machines.roles import Role
from tests.support.facts import (
    LEFT,
    NO_PARENT,
    Case,
    absent_until,
    contact,
    due,
    eso,
    facts,
    judgement,
    meeting,
    not_appropriate,
    plan,
    prosecution_pack,
    referral_pack,
    slt,
    support,
    threshold,
)

OFFICER = Role.ATTENDANCE_OFFICER
HEAD = Role.SENIOR_LEADER
LA_OFFICER = Role.LA_OFFICER
KIND = "attendance_concern"


def test_full_escalation_from_monitoring_to_prosecution() -> None:
    case = Case(KIND, "2025-09-22")
    assert case.state == "monitoring"

    # monitoring -> school-led support: the family must have been contacted first.
    assert case.refused("offer_support", OFFICER, "2025-09-22") == [
        "no contact with the family recorded yet"
    ]
    case.add(contact("2025-09-23"))
    fired = case.fire("offer_support", OFFICER, "2025-09-24")
    assert case.state == "school_support"
    assert due(fired) == {}

    # school-led support -> attendance plan: a support meeting and a signed plan.
    assert case.refused("agree_plan", OFFICER, "2025-10-08") == [
        "no school-led support meeting with the family recorded",
        "no signed attendance plan on file",
    ]
    # Signed Wed 8 Oct 2025: 4 school weeks on is Wed 12 Nov (13 Oct, 20 Oct, half term
    # 27 Oct skipped, 3 Nov, 10 Nov), 6 school weeks on is Wed 26 Nov: review on 19 Nov fits.
    case.add(meeting("2025-10-01"), plan("2025-10-08", "2025-11-19"))
    fired = case.fire("agree_plan", OFFICER, "2025-10-08")
    assert case.state == "attendance_plan"
    # plan review: on the date the signed plan sets (not the policy's latest, 26 Nov).
    assert due(fired) == {"plan_review": date(2025, 11, 19)}

    # attendance plan -> formal support with the LA: SLT sign-off and the referral pack.
    assert case.refused("refer_formal_support", OFFICER, "2025-11-26") == [
        "needs SLT approval",
        "LA referral pack is missing: letters sent, home visit outcome, agencies involved",
    ]
    case.add(referral_pack("2025-11-21"), slt("2025-11-25", "refer_formal_support"))
    fired = case.fire("refer_formal_support", OFFICER, "2025-11-26")
    assert case.state == "formal_support"
    assert case.lifecycle.states[case.state].la_visible
    # contract review: 6 school weeks from Wed 26 Nov 2025: 1, 8, 15 Dec, (Christmas holidays
    # skipped) 5, 12, 19 Jan -> Wed 21 Jan 2026.
    assert due(fired) == {"contract_review": date(2026, 1, 21)}

    # formal support -> notice to improve: formal support offered, the offence meets the
    # national threshold, parent named, SLT approval.
    assert case.refused("issue_notice_to_improve", OFFICER, "2026-02-26") == [
        "no attendance contract or early help offered",
        "threshold not checked: no register data for the penalty window",
        "needs SLT approval",
    ]
    case.add(support("2026-01-21"), slt("2026-02-25", "issue_notice_to_improve"))
    case.details["penalty_threshold"] = threshold(7, as_of="2026-02-26")
    assert case.refused("issue_notice_to_improve", OFFICER, "2026-02-26") == [
        "threshold not met: 7 of 10 sessions in the last 10 school weeks up to 26 February 2026"
    ]
    case.details["penalty_threshold"] = threshold(11, as_of="2026-02-26")
    fired = case.fire("issue_notice_to_improve", OFFICER, "2026-02-26")
    assert case.state == "notice_to_improve"
    assert case.details["notice_to_improve_issued"] == "2026-02-26"
    # The offence the notice is for is pinned: a request later rests on it.
    assert case.details["offence_on"] == "2026-02-26"
    # period: 4 school weeks from Thu 26 Feb 2026: 2, 9, 16, 23 Mar -> Thu 26 Mar 2026.
    assert due(fired) == {"notice_period_end": date(2026, 3, 26)}

    # notice to improve -> penalty notice: the period over, SLT's judgement that improvement
    # was not sufficient (made after the period), SLT approval.
    case.add(slt("2026-03-25", "request_penalty_notice"), judgement("2026-03-26"))
    assert case.refused("request_penalty_notice", OFFICER, "2026-03-26") == [
        "notice-to-improve period ends 26 March 2026",
        "SLT's judgement of 26 March 2026 came before the notice-to-improve period ended on "
        "26 March 2026",
    ]
    case.add(judgement("2026-03-27"))
    fired = case.fire("request_penalty_notice", OFFICER, "2026-03-27")
    assert case.state == "penalty_notice"
    assert due(fired) == {}

    # penalty notice -> prosecution: not while the notice may still be paid; the LA's ESO
    # consideration, the evidence pack sent, within the time limit, SLT sign-off.
    case.related = RelatedFacts(started_states=(("penalty_notice", "issued"),))
    case.details |= absent_until("2026-03-20")
    assert case.refused("refer_prosecution", LA_OFFICER, "2026-05-13") == [
        "a penalty notice is still issued: prosecution waits until it is unpaid",
        "the LA must record its consideration of an education supervision order first "
        "(s447 Education Act 1996)",
        "no prosecution evidence pack recorded as sent",
        "needs SLT approval",
    ]
    case.related = RelatedFacts(started_states=(("penalty_notice", "unpaid"),))
    case.add(eso("2026-05-13"), prosecution_pack("2026-05-13"))
    case.add(slt("2026-05-13", "refer_prosecution"))
    fired = case.fire("refer_prosecution", LA_OFFICER, "2026-05-13")
    assert case.state == "prosecution"
    assert fired.details["prosecution_relies_on_absence_until"] == "2026-03-20"

    case.fire("close", LA_OFFICER, "2026-07-10", outcome="other", note="court fined the parent")
    assert case.state == "closed"
    assert case.lifecycle.is_final("closed")
    assert case.lifecycle.replay(case.moves) == "closed"


@pytest.mark.parametrize("state", ["formal_support", "notice_to_improve"])
def test_prosecution_needs_no_penalty_notice(state: str) -> None:
    """From formal support or a notice to improve straight to prosecution: a penalty notice
    is not a precondition (nor is a barred third notice)."""
    case = Case(KIND, "2026-02-26", state=state, details=absent_until("2026-03-20"))
    case.add(plan("2025-10-08", "2025-11-19"), referral_pack("2026-02-26"), eso("2026-03-27"))
    case.add(prosecution_pack("2026-03-27"), slt("2026-03-27", "refer_prosecution"))
    case.fire("refer_prosecution", HEAD, "2026-03-27")
    assert case.state == "prosecution"
    assert case.details["prosecution_referred"] == "2026-03-27"


def test_prosecution_starts_within_six_months_of_the_last_absence() -> None:
    """Friday 20 March 2026 is the last unauthorised absence: the referral may be made on
    Sunday 20 September 2026 and not on the Monday after (s127 Magistrates' Courts Act 1980)."""
    case = Case(KIND, "2026-02-26", state="formal_support", details=absent_until("2026-03-20"))
    case.add(plan("2025-10-08", "2025-11-19"), referral_pack("2026-02-26"), eso("2026-03-27"))
    case.add(prosecution_pack("2026-03-27"), slt("2026-03-27", "refer_prosecution"))
    limit = "no unauthorised absence in the last 6 months: too late to prosecute"
    assert case.refused("refer_prosecution", HEAD, "2026-09-21") == [
        f"{limit} (s127 Magistrates' Courts Act 1980)"
    ]
    case.details |= absent_until(None)
    assert case.refused("refer_prosecution", HEAD, "2026-04-01") == [
        f"{limit} (s127 Magistrates' Courts Act 1980)"
    ]
    case.details |= absent_until("2026-03-20")
    case.fire("refer_prosecution", HEAD, "2026-09-20")
    assert case.state == "prosecution"


# -- the penalty route (issue 8, item 3) ------------------------------------------------------

HOLIDAY_OFFENCE = threshold(10, as_of="2026-04-21", codes=["G"] * 10)


@pytest.mark.parametrize(
    "state", ["monitoring", "school_support", "attendance_plan", "formal_support"]
)
def test_a_term_time_holiday_goes_straight_to_a_penalty_notice_once_slt_records_why(
    state: str,
) -> None:
    case = Case(KIND, "2026-04-20", state=state, details={"holiday": True})
    case.details["penalty_threshold"] = HOLIDAY_OFFENCE
    # The holiday flag alone is not enough: SLT records why no notice to improve.
    assert case.refused("request_penalty_notice", OFFICER, "2026-04-21") == [
        "needs a notice to improve first, or SLT's recorded reason why one is not appropriate "
        "(a term-time holiday; support would not help; a notice to this parent in the last "
        "12 months)",
        "needs SLT approval",
    ]
    case.add(not_appropriate("2026-04-21"), slt("2026-04-21", "request_penalty_notice"))
    fired = case.fire("request_penalty_notice", OFFICER, "2026-04-21")
    assert case.state == "penalty_notice"
    assert fired.step.label == "Request a penalty notice (a notice to improve is not appropriate)"
    assert case.details["offence_on"] == "2026-04-21"


def test_the_direct_route_still_needs_the_national_threshold_for_a_holiday() -> None:
    # Three days' holiday: 6 sessions coded G, under the 10 of the national threshold.
    case = Case(KIND, "2026-04-20", details={"holiday": True})
    case.details["penalty_threshold"] = threshold(6, as_of="2026-04-21", codes=["G"] * 6)
    case.add(not_appropriate("2026-04-21"), slt("2026-04-21", "request_penalty_notice"))
    assert case.refused("request_penalty_notice", OFFICER, "2026-04-21") == [
        "threshold not met: 6 of 10 sessions in the last 10 school weeks up to 21 April 2026"
    ]


@pytest.mark.parametrize("reason", ["support_would_not_help", "notice_in_last_12_months"])
def test_slt_may_find_a_no_notice_to_improve_for_other_reasons(reason: str) -> None:
    case = Case(KIND, "2026-04-20", state="school_support")
    case.details["penalty_threshold"] = threshold(12, as_of="2026-04-21", codes=["O"] * 12)
    case.add(not_appropriate("2026-04-21", reason), slt("2026-04-21", "request_penalty_notice"))
    case.fire("request_penalty_notice", OFFICER, "2026-04-21")
    assert case.state == "penalty_notice"


def test_a_term_time_holiday_reason_needs_holiday_sessions_in_the_offence() -> None:
    case = Case(KIND, "2026-04-20", state="school_support")
    case.details["penalty_threshold"] = threshold(12, as_of="2026-04-21", codes=["O"] * 12)
    case.add(not_appropriate("2026-04-21"), slt("2026-04-21", "request_penalty_notice"))
    assert case.refused("request_penalty_notice", OFFICER, "2026-04-21") == [
        "SLT recorded a term-time holiday, but the offence has no session coded G "
        "(leave not granted)"
    ]


def test_holiday_route_still_needs_a_parent_with_parental_responsibility() -> None:
    case = Case(KIND, "2026-04-20", details={"holiday": True}, pupil=NO_PARENT)
    case.details["penalty_threshold"] = HOLIDAY_OFFENCE
    case.add(not_appropriate("2026-04-21"), slt("2026-04-21", "request_penalty_notice"))
    assert case.refused("request_penalty_notice", OFFICER, "2026-04-21") == [
        "no parent with parental responsibility named"
    ]


def test_a_holiday_case_gets_no_notice_to_improve() -> None:
    case = Case(KIND, "2026-04-20", state="formal_support", details={"holiday": True})
    case.details["penalty_threshold"] = HOLIDAY_OFFENCE
    case.add(support("2026-04-20"), slt("2026-04-21", "issue_notice_to_improve"))
    assert case.refused("issue_notice_to_improve", OFFICER, "2026-04-21") == [
        "a notice to improve is not used for a term-time holiday"
    ]


@pytest.mark.parametrize("state", ["school_support", "attendance_plan"])
def test_a_notice_to_improve_may_follow_school_led_support_or_a_plan(state: str) -> None:
    case = Case(KIND, "2026-01-12", state=state)
    case.details["penalty_threshold"] = threshold(10, as_of="2026-02-26")
    case.add(slt("2026-02-25", "issue_notice_to_improve"))
    assert case.refused("issue_notice_to_improve", OFFICER, "2026-02-26") == [
        "no support offered to the family yet (a support meeting, a plan or other support)"
    ]
    case.add(meeting("2026-01-14"))
    case.fire("issue_notice_to_improve", OFFICER, "2026-02-26")
    assert case.state == "notice_to_improve"


def test_a_request_after_a_notice_to_improve_rests_on_the_original_offence() -> None:
    """No recount on the day: the case's measure is of the pinned offence's window."""
    case = Case(KIND, "2026-02-26", state="notice_to_improve")
    case.details |= {"notice_to_improve_issued": "2026-02-26", "offence_on": "2026-02-26"}
    case.details["penalty_threshold"] = threshold(10, as_of="2026-02-26")
    case.add(judgement("2026-03-27"), slt("2026-03-27", "request_penalty_notice"))
    case.fire("request_penalty_notice", OFFICER, "2026-03-27")
    assert case.state == "penalty_notice"
    assert case.details["offence_on"] == "2026-02-26"


def test_slt_judging_the_improvement_sufficient_blocks_the_request() -> None:
    case = Case(KIND, "2026-02-26", state="notice_to_improve")
    case.details |= {"notice_to_improve_issued": "2026-02-26", "offence_on": "2026-02-26"}
    case.details["penalty_threshold"] = threshold(10, as_of="2026-02-26")
    case.add(judgement("2026-03-27", "sufficient"), slt("2026-03-27", "request_penalty_notice"))
    assert case.refused("request_penalty_notice", OFFICER, "2026-03-27") == [
        "SLT judged the improvement sufficient on 27 March 2026: step down instead"
    ]


def test_without_a_notice_or_a_recorded_reason_the_direct_route_is_closed() -> None:
    case = Case(KIND, "2026-04-20", details={"penalty_threshold": threshold(12)})
    case.add(slt("2026-04-21", "request_penalty_notice"))
    assert case.refused("request_penalty_notice", OFFICER, "2026-04-21") == [
        "needs a notice to improve first, or SLT's recorded reason why one is not appropriate "
        "(a term-time holiday; support would not help; a notice to this parent in the last "
        "12 months)"
    ]


@pytest.mark.parametrize("settled", ["paid_reduced", "paid_full", "withdrawn"])
def test_back_to_support_once_the_notices_are_paid_or_withdrawn(settled: str) -> None:
    case = Case(KIND, "2026-03-27", state="penalty_notice", details={"offence_on": "2026-02-26"})
    case.related = RelatedFacts(penalty_notice_states=("issued", settled))
    assert case.refused("return_to_support", OFFICER, "2026-05-20", note="paid") == [
        "a penalty notice is still open: issued"
    ]
    case.related = RelatedFacts(penalty_notice_states=("paid_full", settled))
    assert case.refused("return_to_support", OFFICER, "2026-05-20") == ["needs note"]
    case.fire("return_to_support", OFFICER, "2026-05-20", note="paid; support resumes")
    assert case.state == "school_support"
    assert case.details["offence_on"] is None
    assert case.details["returned_to_support"] == "2026-05-20"


def test_no_way_back_to_support_while_only_prosecution_followed() -> None:
    case = Case(KIND, "2026-03-27", state="penalty_notice")
    case.related = RelatedFacts(penalty_notice_states=("prosecution",))
    assert case.refused("return_to_support", OFFICER, "2026-05-20", note="x") == [
        "no penalty notice paid or withdrawn"
    ]


def test_a_reason_recorded_before_the_last_return_to_support_does_not_carry_over() -> None:
    case = Case(KIND, "2026-01-12", state="school_support")
    case.details |= {"returned_to_support": "2026-05-20", "holiday": True}
    case.details["penalty_threshold"] = threshold(10, codes=["G"] * 10)
    case.add(not_appropriate("2026-03-20"), slt("2026-06-01", "request_penalty_notice"))
    assert case.refused("request_penalty_notice", OFFICER, "2026-06-01")[0].startswith(
        "needs a notice to improve first"
    )
    case.add(not_appropriate("2026-06-01"))
    case.fire("request_penalty_notice", OFFICER, "2026-06-01")
    assert case.state == "penalty_notice"


# -- de-escalation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "to"),
    [("school_support", "monitoring"), ("attendance_plan", "school_support")],
)
def test_step_down_needs_a_note(state: str, to: str) -> None:
    case = Case(KIND, "2026-01-12", state=state)
    assert case.refused("step_down", OFFICER, "2026-03-02") == ["needs note"]
    fired = case.fire("step_down", OFFICER, "2026-03-02", note="attendance 97% since the plan")
    assert case.state == to
    assert due(fired) == {}


@pytest.mark.parametrize("state", ["formal_support", "notice_to_improve"])
@pytest.mark.parametrize("role", [OFFICER, HEAD, LA_OFFICER])
def test_step_down_from_formal_stages_returns_to_a_new_attendance_plan(
    state: str, role: Role
) -> None:
    case = Case(KIND, "2026-01-12", state=state)
    assert case.refused("step_down", role, "2026-03-02", note="improved") == [
        "no signed attendance plan on file"
    ]
    # Signed Mon 2 Mar 2026: 4 school weeks on is Mon 13 Apr (9, 16, 23 Mar, Easter holidays
    # skipped, 13 Apr); 6 school weeks on is Mon 27 Apr (20, 27 Apr). Review 20 Apr fits.
    case.add(plan("2026-03-02", "2026-04-20"))
    fired = case.fire("step_down", role, "2026-03-02", note="improved")
    assert case.state == "attendance_plan"
    # plan review: 6 school weeks from Mon 2 Mar 2026 -> Mon 27 Apr 2026.
    assert due(fired) == {"plan_review": date(2026, 4, 27)}


@pytest.mark.parametrize("state", ["penalty_notice", "prosecution", "monitoring"])
def test_no_step_down_from_enforcement_or_monitoring(state: str) -> None:
    case = Case(KIND, "2026-01-12", state=state)
    case.refused("step_down", OFFICER, "2026-03-02", error=UnknownTriggerError, note="x")


# -- closing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("state", OPEN_STATES)
@pytest.mark.parametrize("outcome", CLOSE_OUTCOMES)
def test_close_from_every_open_state_with_every_outcome(state: str, outcome: str) -> None:
    case = Case(KIND, "2026-01-12", state=state, pupil=LEFT)
    fired = case.fire("close", OFFICER, "2026-03-23", outcome=outcome, note="closing")
    assert case.state == "closed"
    assert due(fired) == {}


@pytest.mark.parametrize("state", OPEN_STATES)
def test_left_roll_needs_a_leaving_date(state: str) -> None:
    case = Case(KIND, "2026-01-12", state=state)
    assert case.refused("close", OFFICER, "2026-03-23", outcome="left_roll", note="moved") == [
        "the pupil has no leaving date recorded"
    ]
    case.pupil = LEFT
    case.fire("close", OFFICER, "2026-03-23", outcome="left_roll", note="moved")
    assert case.state == "closed"


def test_close_needs_an_outcome_and_a_note_and_a_known_outcome() -> None:
    case = Case(KIND, "2026-01-12")
    assert case.refused("close", OFFICER, "2026-03-23") == ["needs outcome", "needs note"]
    assert case.refused("close", OFFICER, "2026-03-23", outcome="bored", note="x") == [
        "outcome must be one of improved_sustained, left_roll, transferred, other, not 'bored'"
    ]


@pytest.mark.parametrize("role", [Role.TEACHER, Role.SYSTEM])
def test_teachers_and_the_sweep_cannot_close(role: Role) -> None:
    case = Case(KIND, "2026-01-12")
    case.refused("close", role, "2026-03-23", error=NotPermittedError, outcome="other", note="x")


def test_closed_is_final() -> None:
    case = Case(KIND, "2026-01-12", state="closed")
    assert case.lifecycle.steps_from("closed") == []
    assert case.lifecycle.next_steps(case.facts("2026-03-23"), OFFICER) == []


def test_slt_approval_before_entering_the_state_does_not_count() -> None:
    """An approval belongs to the stage it was given in: stepping back up needs a fresh one."""
    case = Case(KIND, "2026-01-12", state="attendance_plan")
    case.add(meeting("2026-01-12"), plan("2026-01-12", "2026-02-23"))
    case.add(referral_pack("2026-01-12"), slt("2026-01-12", "refer_formal_support"))
    case.entered = date(2026, 1, 19)  # stepped down from formal support after the approval
    assert case.refused("refer_formal_support", OFFICER, "2026-02-02") == ["needs SLT approval"]
    case.add(slt("2026-02-02", "refer_formal_support"))
    case.fire("refer_formal_support", OFFICER, "2026-02-02")
    assert case.state == "formal_support"


# -- the attendance plan's review date: the plan's own (issue 8, item 13) ----------------------


def plan_agreed(review_date: str | None = None) -> dict[str, date]:
    case = Case(KIND, "2025-09-22", state="school_support")
    case.add(meeting("2025-10-01"), plan("2025-10-08", "2025-11-19"))
    params = {"review_date": review_date} if review_date else {}
    return due(case.fire("agree_plan", OFFICER, "2025-10-08", **params))


def test_a_plan_is_reviewed_on_the_date_given_when_it_is_agreed() -> None:
    assert plan_agreed("2025-11-24") == {"plan_review": date(2025, 11, 24)}


def test_without_a_date_given_the_plan_is_reviewed_on_the_date_the_signed_plan_sets() -> None:
    assert plan_agreed() == {"plan_review": date(2025, 11, 19)}


def test_a_review_date_outside_the_policys_window_is_refused() -> None:
    case = Case(KIND, "2025-09-22", state="school_support")
    case.add(meeting("2025-10-01"), plan("2025-10-08", "2025-11-19"))
    assert case.refused("agree_plan", OFFICER, "2025-10-08", review_date="2026-01-30") == [
        "the review date 30 January 2026 must fall between 12 November 2025 and 26 November 2025"
    ]


def test_with_no_date_set_by_the_plan_the_policy_gives_the_review_date() -> None:
    rule = replace(PLAN_REVIEW, sets_date=lambda _facts: None)
    # review_max_school_weeks = 6 from Wed 8 Oct 2025 -> Wed 26 Nov 2025.
    assert rule.due(facts(KIND, "school_support", "2025-10-08")) == date(2025, 11, 26)
