"""The letters about a case's decisions and the letters to the LA (issue 9): each drafted on a
case at the state it follows, its PDF read back for the pupil, the addressee, the dates, the
figures and the policy's amounts; and each refused with the missing fact named."""

from __future__ import annotations

import pytest

from casework.machines.lifecycle import Unit, add_period
from casework.services import cases
from casework.services.daily_sweep import daily_sweep
from casework.services.errors import LetterError
from casework.store.database import Database
from tests.support.actions import as_user, evidence
from tests.support.dates import d
from tests.support.escalations import (
    concern_with_signed_plan,
    leave_decided,
    leave_under_review,
    missing_education_referred,
    notice_to_improve_issued,
    penalty_requested_after_notice,
    referred_to_la,
)
from tests.support.letters import draft, letter_text
from tests.support.penalties import holiday_taken, request_for_holiday
from tests.support.rows import cases_of
from tests.support.world import AO, FATHER, GRANDMOTHER, HEAD, LA, MOTHER, World

PUPIL = "Pupil1 Generated"
PLAN_FIELDS = {
    "target": "attendance of 95% by the review; on time every morning",
    "school_actions": "a morning check-in with Ms Shah\nA weekly call home on Fridays",
    "family_actions": "bedtime by 8pm on school nights; tell the office by 9:00 of any absence",
    "pupil_actions": "come to the check-in each morning",
}


def refused(db: Database, case_id: int, template: str, today: str) -> str:
    with pytest.raises(LetterError) as caught:
        draft(db, case_id, template, AO, today)
    return str(caught.value)


# -- the attendance plan and the attendance contract -----------------------------------------


def test_the_attendance_plan_sets_out_targets_actions_signatures_and_review(
    db: Database, world: World
) -> None:
    _, cid = concern_with_signed_plan(db, world)
    review = add_period(world.calendar, d("2026-01-21"), 4, Unit.SCHOOL_WEEKS)
    evidence(db, cid, "signed_plan", AO, "2026-01-21", plan="attendance_plan",
             signed_on="2026-01-21", review_date=review.isoformat(), **PLAN_FIELDS)  # fmt: skip
    letters = draft(db, cid, "attendance_plan", AO, "2026-01-22")
    # The grandmother has no parental responsibility but lives with the pupil: a carer, who
    # is a parent for these letters too (s576).
    assert [x.addressee for x in letters] == [MOTHER, FATHER, GRANDMOTHER]
    shown = letter_text(db, letters[0].id, AO)
    assert f"Dear {MOTHER}" in shown and PUPIL in shown
    assert "agreed on 21 January 2026" in shown
    assert "Attendance of 95% by the review" in shown and "On time every morning" in shown
    assert "A weekly call home on Fridays" in shown
    assert "Bedtime by 8pm on school nights" in shown
    assert "What Pupil1 will do Come to the check-in each morning" in shown
    assert f"by {review.day} February 2026" in shown
    assert "Parent or carer" in shown and "For the school" in shown
    # The year so far to 22 January: 10 sessions of O in 172 possible.
    assert "3 September 2025 to 22 January 2026 172 162 10 (0 / 10) 94.2%" in shown
    assert "Ben Example" in shown  # the attendance lead signs it


def test_a_plan_recorded_without_targets_or_actions_is_refused(db: Database, world: World) -> None:
    _, cid = concern_with_signed_plan(db, world)  # signed_plan with dates only, as before
    message = refused(db, cid, "attendance_plan", "2026-01-22")
    assert "no targets on the attendance plan (record signed_plan with target" in message
    assert "no actions on the attendance plan (record signed_plan with school_actions" in message


def test_the_attendance_contract_is_voluntary_written_and_reviewed(
    db: Database, world: World
) -> None:
    _, cid = referred_to_la(db, world)
    evidence(db, cid, "attendance_contract", LA, "2026-02-02", signed_on="2026-02-02",
             parties=f"{MOTHER}, Lee Officer", school_agrees="a mentor for Pupil1",
             family_agrees="Pupil1 at the gate by 8:50 every day")  # fmt: skip
    letters = draft(db, cid, "attendance_contract", LA, "2026-02-03")
    shown = letter_text(db, letters[1].id, LA)
    review = add_period(world.calendar, d("2026-02-02"), 6, Unit.SCHOOL_WEEKS)
    assert f"Dear {FATHER}" in shown and PUPIL in shown
    assert "agreeing an attendance contract with us on 2 February 2026" in shown
    assert "It is voluntary" in shown
    assert f"agreed by: {MOTHER}, Lee Officer" in shown
    assert "A mentor for Pupil1" in shown and "at the gate by 8:50 every day" in shown
    assert f"after 6 school weeks, by {review.day} March 2026" in shown


def test_a_contract_without_its_terms_is_refused(db: Database, world: World) -> None:
    _, cid = referred_to_la(db, world)
    message = refused(db, cid, "attendance_contract", "2026-02-03")
    assert "no attendance contract on the case (record attendance_contract)" in message
    evidence(db, cid, "attendance_contract", LA, "2026-02-02", signed_on="2026-02-02",
             parties=MOTHER)  # fmt: skip
    assert "no terms on the attendance contract (record attendance_contract with school_agrees" in (
        refused(db, cid, "attendance_contract", "2026-02-03")
    )


# -- the notice to improve -------------------------------------------------------------------


def test_the_notice_to_improve_pins_the_offence_period_and_amounts(
    db: Database, world: World
) -> None:
    _, cid = notice_to_improve_issued(db, world)
    letters = draft(db, cid, "notice_to_improve", AO, "2026-02-02")
    # The grandmother has no parental responsibility but lives with the pupil: a carer, who
    # is a parent for these letters too (s576).
    assert [x.addressee for x in letters] == [MOTHER, FATHER, GRANDMOTHER]
    shown = letter_text(db, letters[0].id, AO)
    ends = add_period(world.calendar, d("2026-02-02"), 4, Unit.SCHOOL_WEEKS)
    assert PUPIL in shown and f"Dear {MOTHER}" in shown
    assert "missed 10 sessions of school without permission" in shown
    assert "up to 2 February 2026" not in shown  # said as a span, from the window's first day
    assert "and 2 February 2026" in shown
    assert "treat 10 or more such sessions in the last 10 school weeks" in shown
    for day in (12, 13, 14, 15, 16):
        assert f"{day} January 2026 O O" in shown
    assert "O: absent in other or unknown circumstances" in shown
    assert f"4 school weeks, from 2 February 2026 until {ends.day} March 2026" in shown
    assert "An attendance contract offered (not taken up)" in shown
    assert "£80.00 if paid within 21 days" in shown and "£160.00 if paid within 28 days" in shown
    assert "section 444 of the Education Act 1996" in shown
    assert "Ann Example" in shown and "Headteacher" in shown  # the head signs it


def test_no_notice_to_improve_no_letter(db: Database, world: World) -> None:
    _, cid = referred_to_la(db, world)
    assert "no notice to improve issued on the case" in refused(
        db, cid, "notice_to_improve", "2026-02-02"
    )


# -- leave of absence ------------------------------------------------------------------------


def test_leave_granted_names_the_days_and_the_return(db: Database, world: World) -> None:
    _, lid = leave_decided(db, world, "grant", reason="a grandparent's funeral abroad")
    letters = draft(db, lid, "leave_granted", AO, "2026-02-04")
    shown = letter_text(db, letters[0].id, AO)
    assert PUPIL in shown and f"Dear {MOTHER}" in shown
    assert "request of 2 February 2026" in shown
    assert "from 2 March 2026 to 6 March 2026" in shown
    assert "5 school days" in shown and "authorised leave (code C)" in shown
    assert "back in school on 9 March 2026" in shown
    assert "Ann Example" in shown


def test_leave_granted_in_part_lists_both_and_the_time_for_further_reasons(
    db: Database, world: World
) -> None:
    _, lid = leave_decided(
        db, world, "grant_in_part", days_granted="2026-03-02,2026-03-03", reason="a wedding"
    )
    shown = letter_text(db, draft(db, lid, "leave_part_granted", AO, "2026-02-04")[0].id, AO)
    assert "grant 2 of the days" in shown
    assert "2 March 2026 3 March 2026" in shown
    assert "other 3 days" in shown and "4 March 2026 5 March 2026 6 March 2026" in shown
    assert "code G, leave not authorised" in shown
    assert "£80.00 if paid within 21 days, rising to £160.00 if paid within 28 days" in shown
    # Five school days after the decision of Wednesday 4 February: Wednesday 11 February.
    assert "within 5 school days, by 11 February 2026" in shown


def test_leave_declined_and_the_wrong_letter_for_the_decision_is_refused(
    db: Database, world: World
) -> None:
    _, lid = leave_decided(db, world, "decline", note="no exceptional circumstances")
    shown = letter_text(db, draft(db, lid, "leave_declined", AO, "2026-02-04")[0].id, AO)
    assert "cannot grant it" in shown and "(5 school days)" in shown
    assert "within 5 school days, by 11 February 2026" in shown
    assert "£80.00" in shown
    assert "the head has not granted every day of this leave request" in refused(
        db, lid, "leave_granted", "2026-02-04"
    )
    assert "this leave was applied for before it began" in refused(
        db, lid, "leave_not_requested", "2026-02-04"
    )


def test_leave_undecided_has_no_decision_letter(db: Database, world: World) -> None:
    _, lid = leave_under_review(db, world)
    assert "the head has not declined this leave request" in refused(
        db, lid, "leave_declined", "2026-02-04"
    )


def test_leave_recorded_after_it_was_taken_is_leave_not_applied_for(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    world.marks(pupil, d("2025-09-03"), d("2026-03-13"))
    holiday_taken(db, world, pupil, "2026-03-16", "2026-03-18", "2026-03-23")
    (leave,) = cases_of(db, pupil, "leave_request")
    lid = int(leave["id"])
    shown = letter_text(db, draft(db, lid, "leave_not_requested", AO, "2026-03-23")[0].id, AO)
    assert PUPIL in shown and f"Dear {MOTHER}" in shown
    assert "on 3 school days between 16 March 2026 and 18 March 2026 (6 sessions)" in shown
    assert "the request reached us on 23 March 2026" in shown
    assert "16 March 2026 Morning and afternoon: G (holiday not granted" in shown
    assert "£80.00 if paid within 21 days" in shown
    # Five school days from the letter of Monday 23 March: the term ends on Friday 27th, so
    # the fifth is the first day of the summer term.
    assert "within 5 school days of this letter, by 13 April 2026" in shown


def test_a_holiday_marked_g_with_no_request_is_leave_not_applied_for_on_the_concern(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    away = {day: "G" for day in world.calendar.school_days(d("2026-03-16"), d("2026-03-20"))}
    world.marks(pupil, d("2025-09-03"), d("2026-03-20"), away)
    daily_sweep(db, d("2026-03-20"))
    (concern,) = cases_of(db, pupil, "attendance_concern")
    shown = letter_text(
        db, draft(db, concern["id"], "leave_not_requested", AO, "2026-03-23")[0].id, AO
    )
    assert "on 5 school days between 16 March 2026 and 20 March 2026 (10 sessions)" in shown
    assert "the request reached us" not in shown


# -- to the LA -------------------------------------------------------------------------------


def test_the_penalty_request_after_a_notice_to_improve(db: Database, world: World) -> None:
    _, cid = penalty_requested_after_notice(db, world)
    (letter,) = draft(db, cid, "penalty_notice_request", AO, "2026-03-13")
    assert (letter.addressee, letter.addressee_kind) == ("School Attendance Service", "la")
    shown = letter_text(db, letter.id, AO)
    assert "Example Borough Council Town Hall High Street Exampleton ZZ1 9XX" in shown
    assert PUPIL in shown and "1 January 2016" in shown
    assert f"{MOTHER}, mother" in shown and f"{FATHER}, father" in shown
    assert f"{GRANDMOTHER}, grandmother" in shown  # no parental responsibility, but lives with them
    assert "10 sessions of unauthorised absence" in shown and "12 January 2026 O O" in shown
    assert "notice to improve was issued on 2 February 2026" in shown
    assert "had not improved enough: still missing Mondays" in shown
    assert "approved by the school's senior leadership on 13 March 2026" in shown
    assert "An attendance contract offered (not taken up)" in shown
    assert "£80.00 if paid within 21 days and £160.00 if paid within 28 days" in shown
    assert "Ann Example" in shown


def test_the_penalty_request_for_a_holiday_gives_slts_reason(db: Database, world: World) -> None:
    pupil = world.pupil()
    cid = holiday_taken(db, world, pupil, "2026-03-16", "2026-03-20", "2026-03-23")
    request_for_holiday(db, cid, "2026-03-23")
    shown = letter_text(db, draft(db, cid, "penalty_notice_request", AO, "2026-03-23")[0].id, AO)
    assert "No notice to improve was issued" in shown
    assert "a term-time holiday that was not authorised" in shown
    assert "the family took the leave the head declined" in shown
    assert "16 March 2026 G G" in shown


def test_a_penalty_request_names_what_it_lacks(db: Database, world: World) -> None:
    _, cid = concern_with_signed_plan(db, world)
    message = refused(db, cid, "penalty_notice_request", "2026-01-22")
    assert "no SLT approval of the request (record slt_approval" in message
    assert "no notice to improve with SLT's judgement" in message


def test_the_cme_referral_carries_the_enquiries(db: Database, world: World) -> None:
    _, mid = missing_education_referred(db, world)
    (letter,) = draft(db, mid, "cme_referral", AO, "2026-02-10")
    shown = letter_text(db, letter.id, AO)
    assert PUPIL in shown and "1 January 2016" in shown
    assert "12 Test Street, Exampleton, ZZ1 2AB" in shown
    assert "first day of absence was 2 February 2026" in shown
    assert "7 school days in a row, up to 10 February 2026" in shown
    assert f"9 February 2026 {GRANDMOTHER} phone no answer" in shown
    assert "curtains drawn" in shown
    assert "Requested on 9 February 2026: no outcome yet" in shown
    assert "A sibling's school: not known there" in shown
    assert f"{MOTHER}, mother (parental responsibility, lives with the pupil)" in shown


def test_a_cme_referral_before_any_enquiry_is_refused(db: Database, world: World) -> None:
    pupil = world.pupil()
    mid = cases.open_case(
        db,
        upn=pupil,
        kind="missing_education",
        who=as_user(db, AO),
        today=d("2026-02-03"),
        details={"first_absent_on": "2026-02-02"},
    ).id
    message = refused(db, mid, "cme_referral", "2026-02-03")
    assert "no contact attempts recorded" in message and "no home visit recorded" in message


def test_the_formal_referral_summarises_the_concern(db: Database, world: World) -> None:
    _, cid = referred_to_la(db, world)
    (letter,) = draft(db, cid, "formal_referral", HEAD, "2026-01-26")
    shown = letter_text(db, letter.id, AO)
    assert PUPIL in shown and "Ann Example" in shown
    assert "opened on 16 January 2026" in shown
    assert "Formal support with the LA" in shown and "Stage now" in shown
    assert "Support meeting with mother, attendance lead (a morning routine)" in shown
    assert "Attendance plan signed" in shown
    assert f"22 January 2026: Attendance concern (to {MOTHER})" in shown
    assert "23 January 2026: a parent was seen" in shown
    assert "None." in shown  # the agencies involved
    assert f"{FATHER}, father (parental responsibility" in shown


def test_a_formal_referral_without_agencies_is_refused(db: Database, world: World) -> None:
    _, cid = concern_with_signed_plan(db, world)
    assert "no agencies involved recorded (record agencies" in refused(
        db, cid, "formal_referral", "2026-01-22"
    )
