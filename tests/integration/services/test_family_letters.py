"""Issue 9's family letters, drafted on real cases from the register and the school's policy:
the figures, dates and numbers each letter quotes, and the refusal that names what is missing."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from casework.interchange.records import MarkRecord
from casework.register.school import load_school
from casework.services import cases
from casework.services.daily_sweep import daily_sweep
from casework.services.errors import LetterError
from casework.services.letters import drafts
from casework.services.register.importing import store_marks
from casework.services.register.schools import save_school
from casework.store.database import Database
from tests.support.actions import as_user, evidence
from tests.support.dates import d
from tests.support.letters import PARENTS, draft, letter_text
from tests.support.rows import cases_of
from tests.support.world import AO, FATHER, MOTHER, URN, World

# The Autumn term of the example school runs from 3 September; the letters are dated on the
# last Friday of November (58 school days, 116 sessions), and its second half term began on
# 3 November.
ON = "2025-11-28"
PENALTY = "£80.00 for each parent if paid within 21 days, or £160.00 if paid within 28 days"

Marks = dict[tuple[date, str], tuple[str, int | None]]


def use_policy(db: Database, data_dir: Path, policy: str) -> None:
    save_school(db, dataclasses.replace(load_school(data_dir / "school.toml"), policy=policy))


def register(world: World, upn: str, start: str, end: str, marks: Marks | None = None) -> None:
    """Every school session start..end present, except the sessions given (code, minutes
    late)."""
    marks = marks or {}
    records = [
        MarkRecord(upn, day, session, *marks.get((day, session), (present, None)))
        for day in world.calendar.school_days(d(start), d(end))
        for session, present in (("AM", "/"), ("PM", "\\"))
    ]
    store_marks(world.db, records, URN)


def whole_days(code: str, *days: str) -> Marks:
    return {(d(day), session): (code, None) for day in days for session in ("AM", "PM")}


def swept_case(db: Database, upn: str, on: str = ON) -> int:
    daily_sweep(db, d(on), URN)
    (case,) = cases_of(db, upn, "attendance_concern")
    return int(case["id"])


def opened_case(db: Database, upn: str, on: str = ON) -> int:
    return cases.open_case(
        db, upn=upn, kind="attendance_concern", who=as_user(db, AO), today=d(on)
    ).id


def refused(db: Database, case_id: int, template: str, on: str = ON) -> str:
    before = drafts.list_letters(db, who=as_user(db, AO), case_id=case_id)  # the sweep's
    with pytest.raises(LetterError) as caught:
        draft(db, case_id, template, AO, on)
    assert drafts.list_letters(db, who=as_user(db, AO), case_id=case_id) == before
    return str(caught.value)


def first_letter(db: Database, case_id: int, template: str, on: str = ON) -> str:
    """The mother's copy, as printed; the father (living with the pupil) has one too."""
    letters = draft(db, case_id, template, AO, on)
    assert [x.addressee for x in letters] == [MOTHER, FATHER]
    shown = letter_text(db, letters[0].id, AO)
    assert f"Dear {MOTHER}" in shown
    return shown


def arrange_meeting(db: Database, case_id: int, on: str, day: str, **changes: str) -> None:
    details = {
        "date": day,
        "time": "15:30",
        "place": "the family room, Example Primary School",
        "with": "Ben Example, Attendance Lead",
        "purpose": "school_support",
        **changes,
    }
    evidence(db, case_id, "meeting_arranged", AO, on, **details)


# -- termly red / amber / green (Copnor) ---------------------------------------------------


def test_the_green_letter_thanks_the_family_with_the_terms_figures(
    db: Database, world: World, data_dir: Path
) -> None:
    use_policy(db, data_dir, "copnor")
    upn = world.pupil(contacts=PARENTS)
    register(world, upn, "2025-09-03", ON, whole_days("I", "2025-10-08"))
    shown = first_letter(db, opened_case(db, upn), "rag_green")
    assert "Pupil1 Generated: attendance this term (green)" in shown
    assert "attended 114 of 116 sessions this Autumn term, which is 98.3%" in shown
    assert "attendance of 96% or more" in shown  # copnor.green_letter's at_least
    assert "116 114 2 (2 / 0) 98.3%" in shown
    assert "Thank you" in shown


def test_a_band_letter_the_register_does_not_bear_out_is_refused(
    db: Database, world: World, data_dir: Path
) -> None:
    use_policy(db, data_dir, "copnor")
    upn = world.pupil(contacts=PARENTS)
    register(
        world, upn, "2025-09-03", ON, whole_days("O", "2025-11-19", "2025-11-20", "2025-11-21")
    )
    message = refused(db, opened_case(db, upn), "rag_green")
    assert "the register does not bear this letter out" in message


def test_the_amber_letter_gives_the_band_the_policy_sets(
    db: Database, world: World, data_dir: Path
) -> None:
    use_policy(db, data_dir, "copnor")
    upn = world.pupil(contacts=PARENTS)
    register(
        world, upn, "2025-09-03", ON, whole_days("I", "2025-11-05", "2025-11-06", "2025-11-07")
    )
    shown = first_letter(db, swept_case(db, upn), "rag_amber")
    assert "attended 110 of 116 sessions this Autumn term, which is 94.8%" in shown
    assert "in our amber band: below the 96% we look for, and not far above 90%" in shown
    assert "missed 6 sessions, which is 3 days of school" in shown


def test_the_red_letter_quotes_the_terms_absence_and_the_policys_line(
    db: Database, world: World, data_dir: Path
) -> None:
    use_policy(db, data_dir, "copnor")
    upn = world.pupil(contacts=PARENTS)
    days = [f"2025-11-{n:02d}" for n in (3, 4, 5, 6, 7, 10, 11, 12, 13, 14)]
    register(world, upn, "2025-09-03", ON, whole_days("O", *days))
    shown = first_letter(db, swept_case(db, upn), "rag_red")
    assert "attended 96 of 116 sessions this Autumn term, which is 82.8%" in shown
    assert "missing 10% or more of sessions" in shown  # copnor.red_letter's at_least
    assert "missed 20 sessions, which is 10 days of school, all of it unauthorised absence" in shown


def test_band_letters_refuse_under_a_policy_without_them(db: Database, world: World) -> None:
    upn = world.pupil(contacts=PARENTS)
    register(world, upn, "2025-09-03", ON)
    message = refused(db, opened_case(db, upn), "rag_amber")
    assert "no rule in the school's policy that this letter is sent for" in message


# -- below 85% and below 80% (Delius) ---------------------------------------------------------


def test_the_below_85_letter_names_the_line_and_the_next_step(
    db: Database, world: World, data_dir: Path
) -> None:
    use_policy(db, data_dir, "delius")
    upn = world.pupil(contacts=PARENTS)
    days = [f"2025-11-{n:02d}" for n in (3, 4, 5, 6, 7, 10, 11, 12, 13)]
    register(world, upn, "2025-09-03", ON, whole_days("I", *days))
    shown = first_letter(db, swept_case(db, upn), "below_85")
    assert "Pupil1 Generated: attendance below 85%" in shown
    assert "116 98 18 (18 / 0) 84.5%" in shown
    assert "At 84.5%, Pupil1 has missed 18 sessions, which is 9 days of school" in shown
    assert "falls below 80%, we will invite you to a meeting" in shown  # delius.below_80


def test_the_below_80_letter_invites_the_family_to_the_meeting_arranged(
    db: Database, world: World, data_dir: Path
) -> None:
    use_policy(db, data_dir, "delius")
    upn = world.pupil(contacts=PARENTS)
    days = [f"2025-11-{n:02d}" for n in (3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 17, 18, 19)]
    register(world, upn, "2025-09-03", ON, whole_days("O", *days))
    case_id = swept_case(db, upn)
    assert "no meeting arranged" in refused(db, case_id, "below_80")
    arrange_meeting(db, case_id, ON, "2025-11-20")  # already past on the letter's date
    assert "no meeting arranged from the letter's date on" in refused(db, case_id, "below_80")

    arrange_meeting(db, case_id, ON, "2025-12-03")
    shown = first_letter(db, case_id, "below_80")
    assert "attendance below 80%, an invitation to meet" in shown
    assert "116 90 26 (0 / 26) 77.6%" in shown
    assert "Date Wednesday 3 December 2025 Time 15:30" in shown
    assert "Place the family room, Example Primary School" in shown
    assert "You will meet Ben Example, Attendance Lead" in shown
    assert "to agree together the support that would help" in shown


def test_a_meeting_time_must_be_a_time_of_day(db: Database, world: World) -> None:
    upn = world.pupil(contacts=PARENTS)
    case_id = opened_case(db, upn)
    with pytest.raises(Exception, match="time 'half three' is not a time of day"):
        arrange_meeting(db, case_id, ON, "2025-12-03", time="half three")


def test_the_below_85_letter_refuses_under_a_policy_without_the_line(
    db: Database, world: World
) -> None:
    upn = world.pupil(contacts=PARENTS)
    register(world, upn, "2025-09-03", ON, whole_days("O", "2025-11-03", "2025-11-04"))
    assert "no rule in the school's policy" in refused(db, opened_case(db, upn), "below_85")


# -- punctuality (Woodlands: 3 lates in a half term; Copnor: more than 3 after the register) --


def test_the_punctuality_letter_lists_the_half_terms_lates_with_minutes(
    db: Database, world: World, data_dir: Path
) -> None:
    use_policy(db, data_dir, "woodlands")
    upn = world.pupil(contacts=PARENTS)
    late: Marks = {
        (d("2025-10-07"), "AM"): ("L", 12),  # the first half term: not counted
        (d("2025-11-04"), "AM"): ("L", 10),
        (d("2025-11-11"), "AM"): ("L", None),
        (d("2025-11-18"), "AM"): ("U", 40),
    }
    register(world, upn, "2025-09-03", ON, late)
    shown = first_letter(db, swept_case(db, upn), "punctuality")
    assert "Pupil1 Generated: arriving late" in shown
    assert (
        "late to school 3 times this half term (since 3 November 2025), missing at least 50 minutes"
        in shown
    )
    assert "Tuesday 4 November 2025 Morning L: late, before the register closed 10" in shown
    assert (
        "Tuesday 11 November 2025 Morning L: late, before the register closed not recorded" in shown
    )
    assert "Tuesday 18 November 2025 Morning U: late, after the register closed 40" in shown
    assert "7 October" not in shown
    assert "late 3 or more times in a half term" in shown  # woodlands.late_letter
    assert "The morning register closes at 09:15" in shown
    assert "10 sessions of unauthorised absence in 10 school weeks" in shown
    assert PENALTY in shown


def test_copnors_punctuality_letter_counts_the_years_lates_after_the_register(
    db: Database, world: World, data_dir: Path
) -> None:
    use_policy(db, data_dir, "copnor")
    upn = world.pupil(contacts=PARENTS)
    late: Marks = {
        (d(day), "AM"): ("U", 35)
        for day in ("2025-09-16", "2025-10-07", "2025-11-04", "2025-11-18")
    }
    late[(d("2025-11-20"), "AM")] = ("L", 5)  # before the register closed: not counted
    register(world, upn, "2025-09-03", ON, late)
    shown = first_letter(db, swept_case(db, upn), "punctuality")
    assert (
        "late to school 4 times this school year, each time after the register had closed" in shown
    )
    assert "missing 140 minutes" in shown
    assert "Tuesday 16 September 2025" in shown and "20 November" not in shown
    assert "arrives after the register has closed more than 3 times in a school year" in shown


def test_a_punctuality_letter_with_no_lates_is_refused(db: Database, world: World) -> None:
    upn = world.pupil(contacts=PARENTS)
    register(world, upn, "2025-09-03", ON)
    assert "no late marks (L or U)" in refused(db, opened_case(db, upn), "punctuality")


# -- illness: the request for medical evidence and its follow-up (Copnor's Medical 1) -------


def test_the_medical_evidence_request_lists_the_terms_illness(
    db: Database, world: World, data_dir: Path
) -> None:
    use_policy(db, data_dir, "copnor")
    upn = world.pupil(contacts=PARENTS)
    ill = whole_days("I", "2025-09-10", "2025-11-10", "2025-11-11", "2025-11-12")
    register(world, upn, "2025-09-03", ON, ill)
    shown = first_letter(db, swept_case(db, upn), "medical_evidence_request")
    assert "Pupil1 Generated: absence through illness" in shown
    assert (
        "This Autumn term Pupil1 has been absent through illness for 8 sessions, on 4 school days"
        in shown
    )
    assert "Wednesday 10 September 2025 All day I: illness" in shown
    assert "Wednesday 12 November 2025 All day I: illness" in shown
    assert "8 sessions or more in a term" in shown  # copnor.medical_1
    assert "From now on, we will need medical evidence" in shown
    assert "15 school days or more through illness" in shown  # notify_la_illness_15_days


def test_the_medical_evidence_request_needs_illness_this_term(db: Database, world: World) -> None:
    upn = world.pupil(contacts=PARENTS)
    register(world, upn, "2025-09-03", ON)
    message = refused(db, opened_case(db, upn), "medical_evidence_request")
    assert "no illness absence (code I) this term" in message


def test_the_follow_up_quotes_the_request_and_the_illness_since_without_evidence(
    db: Database, world: World, data_dir: Path
) -> None:
    use_policy(db, data_dir, "copnor")
    upn = world.pupil(contacts=PARENTS)
    ill = whole_days("I", "2025-11-10", "2025-11-11", "2025-11-12", "2025-11-13")
    register(world, upn, "2025-09-03", ON, ill)
    case_id = swept_case(db, upn)
    message = refused(db, case_id, "medical_evidence_follow_up")
    assert "no medical evidence request letter sent on the case" in message
    assert "no illness absence without medical evidence since the request" in message

    request = draft(db, case_id, "medical_evidence_request", AO, ON)
    for letter in request:
        drafts.send_letter(db, letter_id=letter.id, who=as_user(db, AO), today=d(ON))
    later = whole_days("I", "2025-12-08") | {(d("2025-12-10"), "AM"): ("I", None)}
    register(world, upn, "2025-12-01", "2025-12-12", later)
    evidence(db, case_id, "medical_evidence", AO, "2025-12-11", description="GP letter",
             covers_from="2025-12-10")  # fmt: skip
    shown = first_letter(db, case_id, "medical_evidence_follow_up", "2025-12-12")
    assert "Pupil1 Generated: medical evidence not received" in shown
    assert "On 28 November 2025 we wrote to you" in shown
    assert "absent through illness for 2 sessions (1 day), and we have not received" in shown
    assert "Monday 8 December 2025 All day I: illness" in shown
    assert "10 December" not in shown  # the GP's letter covers it
    assert "may be recorded as unauthorised absence" in shown


# -- 4 unauthorised sessions in 12 school weeks (Woodlands) --------------------------------


def test_the_unauthorised_absence_letter_lists_the_findings_sessions(
    db: Database, world: World, data_dir: Path
) -> None:
    use_policy(db, data_dir, "woodlands")
    upn = world.pupil(contacts=PARENTS)
    marks = whole_days("O", "2025-11-17") | {
        (d("2025-11-19"), "PM"): ("G", None),
        (d("2025-11-21"), "AM"): ("U", 25),
    }
    register(world, upn, "2025-09-03", ON, marks)
    shown = first_letter(db, swept_case(db, upn), "unauthorised_absence_concern")
    assert "Pupil1 Generated: unauthorised absence" in shown
    assert "4 sessions of unauthorised absence recorded in the last 12 school weeks" in shown
    assert "When a child reaches 4 in that time" in shown  # woodlands.unauthorised_letter
    assert "Monday 17 November 2025 All day O: absent in other or unknown circumstances" in shown
    assert "Wednesday 19 November 2025 Afternoon G: holiday not granted by the school" in shown
    assert "Friday 21 November 2025 Morning U" in shown
    assert "one more session of unauthorised absence (5 in 12 school weeks)" in shown
    assert PENALTY in shown


def test_the_unauthorised_absence_letter_refuses_without_its_rule_and_finding(
    db: Database, world: World
) -> None:
    upn = world.pupil(contacts=PARENTS)
    days = [f"2025-11-{n:02d}" for n in (3, 4, 5, 6, 7, 10, 11, 12, 13, 14)]
    register(world, upn, "2025-09-03", ON, whole_days("O", *days))
    message = refused(db, swept_case(db, upn), "unauthorised_absence_concern")
    assert "no rule in the school's policy that this letter is sent for" in message
    assert "no finding with the sessions behind it on the case" in message


# -- an invitation to meet --------------------------------------------------------------------


def test_the_meeting_invitation_gives_the_meeting_arranged(db: Database, world: World) -> None:
    upn = world.pupil(contacts=PARENTS)
    register(world, upn, "2025-09-03", ON, whole_days("O", "2025-11-03", "2025-11-04"))
    case_id = opened_case(db, upn)
    assert "no meeting arranged" in refused(db, case_id, "meeting_invitation")
    arrange_meeting(
        db, case_id, ON, "2025-12-09", time="09:00", place="the school office",
        purpose="plan_review", **{"with": "Ann Example, Headteacher"},
    )  # fmt: skip
    shown = first_letter(db, case_id, "meeting_invitation")
    assert "An invitation to meet about Pupil1 Generated's attendance" in shown
    assert "to look again at Pupil1's attendance plan together" in shown
    assert "attended 112 of 116 sessions (96.6%)" in shown
    assert "Date Tuesday 9 December 2025 Time 09:00 Place the school office" in shown
    assert "You will meet Ann Example, Headteacher" in shown


# -- the half-termly report -------------------------------------------------------------------


def test_the_attendance_report_gives_the_half_term_the_year_and_the_band(
    db: Database, world: World
) -> None:
    upn = world.pupil(contacts=PARENTS)
    register(world, upn, "2025-09-03", ON, whole_days("O", "2025-11-12"))
    shown = first_letter(db, opened_case(db, upn), "attendance_report")
    assert "Attendance report for Pupil1 Generated: Autumn 2 half term" in shown
    assert "Autumn 2 half term 3 November to 28 November 2025 40 38 2 (0 / 2) 95%" in shown
    assert "School year so far 3 September to 28 November 2025 116 114 2 (0 / 2) 98.3%" in shown
    assert "missed 2 of 116 sessions, and attendance of 98.3% puts them in our good band." in shown
    assert "Good 96% to 99.9%" in shown  # the policy's bands
    assert "Persistent absence missing 10% of sessions or more" in shown
