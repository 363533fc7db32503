"""The penalty route through the services (issue 8, item 3): every request needs the national
threshold met by its offence; SLT may record why a notice to improve is not appropriate; after
a notice, the request rests on the original offence and SLT's judgement; back to support once
the notices are over."""

from __future__ import annotations

import pytest

from casework.services import cases
from casework.services.daily_sweep import daily_sweep
from casework.store.database import Database
from tests.support.actions import blocked, evidence, fire
from tests.support.dates import d
from tests.support.penalties import (
    declined_leave,
    holiday_taken,
    la_finds_liable,
    request_for_holiday,
    slt_finds_no_notice_to_improve_appropriate,
)
from tests.support.rows import case_row, cases_of
from tests.support.world import AO, FATHER, GRANDMOTHER, HEAD, LA, MOTHER, World

# -- the holiday route ----------------------------------------------------------------------


def test_a_holiday_under_the_threshold_is_refused_at_the_request(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    # Three school days of G are 6 sessions: the national threshold is 10.
    cid = holiday_taken(db, world, pupil, "2026-03-16", "2026-03-18", "2026-03-23")
    assert case_row(db, cid)["details"] == {"holiday": True}
    slt_finds_no_notice_to_improve_appropriate(db, cid, "2026-03-23")
    assert blocked(db, cid, "request_penalty_notice", AO, "2026-03-23") == [
        "threshold not met: 6 of 10 sessions in the last 10 school weeks up to 23 March 2026"
    ]
    assert cases_of(db, pupil, "penalty_notice") == []


def test_illness_on_declined_dates_is_not_leave_taken(db: Database, world: World) -> None:
    pupil = world.pupil()
    lid = declined_leave(db, pupil, "2026-03-16", "2026-03-20")
    days = world.calendar.school_days(d("2026-03-16"), d("2026-03-20"))
    world.marks(pupil, days[0], days[-1], dict.fromkeys(days, "I"))
    assert blocked(db, lid, "record_taken", AO, "2026-03-23") == [
        "no unauthorised absence recorded on the requested days not granted"
    ]
    # Off sick for the whole week: the declined leave was not taken, and no concern opens.
    fire(db, lid, "record_not_taken", AO, "2026-03-23")
    assert case_row(db, lid)["state"] == "not_taken"
    assert cases_of(db, pupil, "attendance_concern") == []


def test_illness_on_declined_dates_does_not_count_towards_the_threshold(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    lid = declined_leave(db, pupil, "2026-03-16", "2026-03-20")
    days = world.calendar.school_days(d("2026-03-16"), d("2026-03-20"))
    # Away all week: three days of G, then two days marked ill (I, authorised).
    world.marks(
        pupil, days[0], days[-1], dict.fromkeys(days[:3], "G") | dict.fromkeys(days[3:], "I")
    )
    fire(db, lid, "record_taken", AO, "2026-03-23")
    (concern,) = cases_of(db, pupil, "attendance_concern")
    slt_finds_no_notice_to_improve_appropriate(db, concern["id"], "2026-03-23")
    assert blocked(db, concern["id"], "request_penalty_notice", AO, "2026-03-23") == [
        "threshold not met: 6 of 10 sessions in the last 10 school weeks up to 23 March 2026"
    ]


def test_a_direct_request_after_slt_records_a_term_time_holiday(db: Database, world: World) -> None:
    pupil = world.pupil()
    cid = holiday_taken(db, world, pupil, "2026-03-16", "2026-03-20", "2026-03-23")
    evidence(db, cid, "slt_approval", HEAD, "2026-03-23", decision="approved",
             step="request_penalty_notice")  # fmt: skip
    # The holiday flag and SLT approval are not enough without SLT's reason.
    assert blocked(db, cid, "request_penalty_notice", AO, "2026-03-23") == [
        "needs a notice to improve first, or SLT's recorded reason why one is not appropriate "
        "(a term-time holiday; support would not help; a notice to this parent in the last "
        "12 months)"
    ]
    outcome = request_for_holiday(db, cid, "2026-03-23")
    assert (outcome.from_state, outcome.to_state) == ("monitoring", "penalty_notice")
    assert case_row(db, cid)["details"]["offence_on"] == "2026-03-23"
    assert [n["details"]["parent"] for n in cases_of(db, pupil, "penalty_notice")] == [
        MOTHER,
        FATHER,
        GRANDMOTHER,
    ]


def test_only_a_senior_leader_records_why_no_notice_to_improve(db: Database, world: World) -> None:
    pupil = world.pupil()
    cid = holiday_taken(db, world, pupil, "2026-03-16", "2026-03-20", "2026-03-23")
    refusal = "may not record reason a notice to improve is not appropriate"
    with pytest.raises(cases.CaseError, match=refusal):
        evidence(db, cid, "no_notice_to_improve", AO, "2026-03-23",
                 reason="term_time_holiday", explanation="x")  # fmt: skip


# -- after a notice to improve: the original offence, no recount -----------------------------

# A week of O in November (10 sessions): the sweep finds the national threshold met.
O_WEEK = {d(f"2025-11-0{day}"): "O" for day in range(3, 8)}


def _concern_found_in_november(db: Database, world: World) -> int:
    pupil = world.pupil()
    # Present every other day to February: by 2 February the week of O has left the rolling
    # 10 school weeks.
    world.marks(pupil, d("2025-09-03"), d("2026-02-06"), O_WEEK)
    daily_sweep(db, d("2025-11-07"))
    (concern,) = cases_of(db, pupil, "attendance_concern")
    cid = int(concern["id"])
    evidence(db, cid, "contact_attempt", AO, "2025-11-10", channel="phone", contact=MOTHER,
             outcome="reached")  # fmt: skip
    fire(db, cid, "offer_support", AO, "2025-11-10")
    evidence(db, cid, "meeting", AO, "2025-11-10", purpose="school_support",
             attendees="mother, attendance lead", outcome="support agreed")  # fmt: skip
    return cid


def test_a_request_after_a_notice_to_improve_rests_on_the_original_offence(
    db: Database, world: World
) -> None:
    cid = _concern_found_in_november(db, world)
    # A notice to improve straight from school-led support, for the November offence.
    evidence(db, cid, "slt_approval", HEAD, "2025-11-10", decision="approved",
             step="issue_notice_to_improve")  # fmt: skip
    outcome = fire(db, cid, "issue_notice_to_improve", AO, "2025-11-10")
    assert (outcome.from_state, outcome.to_state) == ("school_support", "notice_to_improve")
    assert case_row(db, cid)["details"]["offence_on"] == "2025-11-10"
    evidence(db, cid, "slt_approval", HEAD, "2026-02-02", decision="approved",
             step="request_penalty_notice")  # fmt: skip
    assert blocked(db, cid, "request_penalty_notice", AO, "2026-02-02") == [
        "needs SLT's judgement that improvement was not sufficient"
    ]
    evidence(db, cid, "improvement_judgement", HEAD, "2026-02-02", improvement="not_sufficient",
             reason="late most days since the notice")  # fmt: skip
    # The rolling window on 2 February holds no unauthorised session; the request rests on
    # the offence the notice was for.
    fire(db, cid, "request_penalty_notice", AO, "2026-02-02")
    assert case_row(db, cid)["state"] == "penalty_notice"
    notices = cases_of(db, world.last_upn, "penalty_notice")
    assert {n["details"]["offence_on"] for n in notices} == {"2025-11-10"}


def test_without_a_notice_the_request_counts_the_window_as_it_stands(
    db: Database, world: World
) -> None:
    cid = _concern_found_in_november(db, world)
    slt_finds_no_notice_to_improve_appropriate(db, cid, "2026-02-02", "support_would_not_help")
    assert blocked(db, cid, "request_penalty_notice", AO, "2026-02-02") == [
        "threshold not met: 0 of 10 sessions in the last 10 school weeks up to 2 February 2026"
    ]
    fire(db, cid, "request_penalty_notice", AO, "2025-11-10")  # while the offence stands
    assert case_row(db, cid)["details"]["offence_on"] == "2025-11-10"


def test_slt_judging_the_improvement_sufficient_leaves_a_step_down(
    db: Database, world: World
) -> None:
    cid = _concern_found_in_november(db, world)
    evidence(db, cid, "slt_approval", HEAD, "2025-11-10", decision="approved",
             step="issue_notice_to_improve")  # fmt: skip
    fire(db, cid, "issue_notice_to_improve", AO, "2025-11-10")
    evidence(db, cid, "slt_approval", HEAD, "2026-01-12", decision="approved",
             step="request_penalty_notice")  # fmt: skip
    evidence(db, cid, "improvement_judgement", HEAD, "2026-01-12", improvement="sufficient",
             reason="every session attended since the notice")  # fmt: skip
    assert blocked(db, cid, "request_penalty_notice", AO, "2026-01-12") == [
        "SLT judged the improvement sufficient on 12 January 2026: step down instead"
    ]


# -- back to support ------------------------------------------------------------------------


def test_back_to_support_once_every_notice_is_withdrawn_or_paid(db: Database, world: World) -> None:
    pupil = world.pupil()
    cid = holiday_taken(db, world, pupil, "2026-03-16", "2026-03-20", "2026-03-23")
    opened = request_for_holiday(db, cid, "2026-03-23").opened
    mother, father, grandmother = (c.id for c in opened)
    assert blocked(db, cid, "return_to_support", AO, "2026-03-24", note="x") == [
        "a penalty notice is still open: requested"
    ]
    la_finds_liable(db, grandmother, "2026-03-24", liable="N")
    fire(db, grandmother, "record_not_liable", LA, "2026-03-24")
    for notice in (mother, father):
        fire(db, notice, "approve", HEAD, "2026-03-24")
        evidence(db, notice, "la_decision", LA, "2026-03-25", decision="withdraw")
        fire(db, notice, "withdraw", LA, "2026-03-25", note="family moved within the LA")
    fire(db, cid, "return_to_support", AO, "2026-03-26", note="notices withdrawn; support again")
    row = case_row(db, cid)
    assert row["state"] == "school_support"
    assert (row["details"]["returned_to_support"], row["details"]["offence_on"]) == (
        "2026-03-26",
        None,
    )
