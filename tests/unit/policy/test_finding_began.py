"""When a finding's occurrence began: what tells one breach from the next (issue 8, item 10)."""

from __future__ import annotations

from datetime import date

from casework.policy.loader import load_policy
from casework.policy.rules import Finding, evaluate_rule, lookback_start
from casework.register.calendar import SchoolCalendar
from casework.register.marks import Register
from casework.register.school import Term
from tests.support.calendar import CALENDAR as CAL
from tests.support.calendar import TERMS, YEAR_END
from tests.unit.policy.test_rules import fill, new_register, only

NATIONAL = load_policy("national-2024")
COPNOR = load_policy("copnor")


def run(policy_rule: str, reg: Register, as_of: date) -> list[Finding]:
    policy = COPNOR if policy_rule.startswith("copnor.") else NATIONAL
    return evaluate_rule(policy.rules[policy_rule], reg, as_of)


def test_a_rolling_count_began_on_the_day_it_came_up_to_the_rule() -> None:
    reg = new_register()
    fill(reg, date(2025, 11, 3), date(2025, 11, 7), "O")  # the 10th session on Friday
    assert only(run("penalty_threshold", reg, date(2025, 11, 12))).began == date(2025, 11, 7)


def test_the_same_rolling_breach_keeps_its_first_day_from_one_sweep_to_the_next() -> None:
    reg = new_register()
    for monday in CAL.school_days(date(2025, 11, 3), date(2026, 2, 13)):
        if monday.weekday() == 0:
            fill(reg, monday, monday, "O")
    began = {
        only(run("penalty_threshold", reg, day)).began
        for day in CAL.school_days(date(2025, 12, 1), date(2026, 2, 13))
    }
    assert began == {date(2025, 12, 1)}  # the 5th Monday: 10 sessions


def test_a_rolling_breach_after_one_that_stopped_begins_on_its_own_day() -> None:
    reg = new_register()
    fill(reg, date(2025, 11, 3), date(2025, 11, 7), "O")
    fill(reg, date(2026, 2, 2), date(2026, 2, 6), "O")
    assert run("penalty_threshold", reg, date(2026, 1, 26)) == []  # November has gone by
    assert only(run("penalty_threshold", reg, date(2026, 2, 9))).began == date(2026, 2, 6)


def test_a_rolling_breach_held_since_last_year_is_dated_from_this_years_first_day() -> None:
    summer_2025 = Term("Summer 2025", date(2025, 4, 22), date(2025, 7, 22))
    calendar = SchoolCalendar((summer_2025, *TERMS))
    policy_start = lookback_start(NATIONAL, calendar, date(2025, 9, 10))
    reg = Register(calendar, policy_start, YEAR_END, ["pupil0"])
    for day in calendar.school_days(policy_start, date(2025, 10, 10)):
        reg.add(0, day, "AM", "O")
    spec = NATIONAL.rules["penalty_threshold"]
    in_july = only(evaluate_rule(spec, reg, date(2025, 7, 22))).began
    assert in_july is not None and in_july < date(2025, 7, 22)
    # From the new year on, each day's sweep dates it from the year's first day: recorded once
    # more for the new year, then the same breach from one day to the next.
    days = calendar.school_days(date(2025, 9, 3), date(2025, 10, 10))
    assert {only(evaluate_rule(spec, reg, d)).began for d in days} == {date(2025, 9, 3)}


def test_a_termly_letter_began_with_its_term() -> None:
    reg = new_register()
    fill(reg, date(2025, 9, 3), date(2025, 12, 19), "/", sessions="AM")
    fill(reg, date(2025, 9, 3), date(2025, 12, 19), "\\", sessions="PM")
    fill(reg, date(2026, 1, 6), date(2026, 2, 13), "/", sessions="AM")
    fill(reg, date(2026, 1, 6), date(2026, 2, 13), "\\", sessions="PM")
    fill(reg, date(2025, 10, 6), date(2025, 10, 9), "I")
    fill(reg, date(2026, 1, 26), date(2026, 1, 27), "I")
    autumn = only(run("copnor.amber_letter", reg, date(2025, 12, 12)))
    spring = only(run("copnor.amber_letter", reg, date(2026, 2, 13)))
    assert (autumn.began, spring.began) == (date(2025, 9, 3), date(2026, 1, 6))


def test_a_run_of_days_began_on_its_first_day_and_a_new_run_on_its_own() -> None:
    reg = new_register()
    fill(reg, date(2025, 10, 6), date(2025, 10, 10), "I")
    fill(reg, date(2025, 10, 13), date(2025, 10, 13), "/", sessions="AM")
    fill(reg, date(2025, 11, 3), date(2025, 11, 7), "I")
    first = only(run("copnor.illness_evidence", reg, date(2025, 10, 10)))
    second = only(run("copnor.illness_evidence", reg, date(2025, 11, 7)))
    assert (first.began, second.began) == (date(2025, 10, 6), date(2025, 11, 3))


def test_not_returned_after_leave_began_on_the_day_the_ground_first_held() -> None:
    reg = new_register()
    fill(reg, date(2026, 1, 12), date(2026, 1, 16), "C")
    fill(reg, date(2026, 1, 19), date(2026, 2, 6), "N")
    finding = only(run("cme_not_returned_after_leave", reg, date(2026, 2, 6)))
    assert finding.began == CAL.nth_school_day_after(date(2026, 1, 16), 10)


def test_each_leave_with_absence_next_to_it_is_an_occurrence_of_its_own() -> None:
    reg = new_register()
    fill(reg, date(2025, 10, 13), date(2025, 10, 17), "C")
    fill(reg, date(2025, 10, 20), date(2025, 10, 20), "I")
    assert only(run("copnor.leave_around_leave", reg, date(2025, 10, 24))).began == date(
        2025, 10, 20
    )
    fill(reg, date(2026, 3, 2), date(2026, 3, 6), "C")
    fill(reg, date(2026, 2, 27), date(2026, 2, 27), "M")
    assert only(run("copnor.leave_around_leave", reg, date(2026, 3, 9))).began == date(2026, 2, 27)


def test_the_staff_sentence_names_the_pupil_and_the_parents_one_does_not() -> None:
    reg = new_register()
    fill(reg, date(2025, 11, 3), date(2025, 11, 7), "O")
    spec = NATIONAL.rules["penalty_threshold"]
    (finding,) = evaluate_rule(spec, reg, date(2025, 11, 10), names=["Ada Lovelace"])
    assert finding.staff_reason.startswith("Ada Lovelace has 10 unauthorised sessions")
    assert "Ada" not in finding.reason and finding.reason.startswith("Your child")
    assert finding.as_dict()["reason"] == finding.reason
    assert finding.as_dict()["staff_reason"] == finding.staff_reason
