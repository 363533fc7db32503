"""The national-2024 rules over a register, their calendar edge cases, and policy loading."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from casework.policy.loader import load_policy
from casework.policy.model import PolicyError
from casework.policy.rules import Finding, evaluate_policy, evaluate_rule, lookback_start
from casework.register.calendar import SchoolCalendar, Session
from casework.register.marks import Mark, Register
from casework.register.school import Term
from tests.support.calendar import AUTUMN, TWO_YEARS, YEAR_END, YEAR_START
from tests.support.calendar import CALENDAR as CAL
from tests.support.files import write_text as write

POLICY = load_policy("national-2024")
NATIONAL_RULES = [
    "persistent_absence",
    "severe_absence",
    "penalty_threshold",
    "n_code_overdue",
    "cme_continuous_absence",
    "cme_not_returned_after_leave",
    "notify_la_absent_10_days",
    "notify_la_illness_15_days",
    "register_incomplete",
]


def new_register(pupils: int = 1) -> Register:
    return Register(CAL, YEAR_START, YEAR_END, [f"pupil{i}" for i in range(pupils)])


def fill(
    reg: Register, first: date, last: date, code: str, sessions: str = "AM PM", row: int = 0
) -> list[Mark]:
    """Mark every school session from first to last with one code; the marks placed."""
    placed = []
    for day in CAL.school_days(first, last):
        for session in sessions.split():
            reg.add(row, day, session, code)
            placed.append(Mark(day, Session(session), code))
    return placed


def mark(reg: Register, day: date, session: str, code: str, row: int = 0) -> Mark:
    reg.add(row, day, session, code)
    return Mark(day, Session(session), code)


def run(rule: str, reg: Register, as_of: date) -> list[Finding]:
    return evaluate_rule(POLICY.rules[rule], reg, as_of)


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


def test_national_policy_has_the_rules_in_order() -> None:
    assert list(POLICY.rules) == NATIONAL_RULES


def test_the_calendar_is_the_one_the_tests_assume() -> None:
    assert CAL.first_day == date(2025, 9, 3)
    assert not CAL.is_school_day(date(2026, 1, 5))  # INSET
    assert not CAL.is_school_day(date(2026, 5, 4))  # early May bank holiday
    assert not CAL.is_school_day(date(2026, 2, 18))  # February half term


# -- persistent and severe absence -----------------------------------------------------------

DAY_90 = CAL.days[89]  # 90 school days (180 sessions) from 3 September


def year_with_absences(missed_days: int, half_day: bool = False) -> tuple[Register, list[Mark]]:
    """90 school days: present, then `missed_days` days absent (I then O), one more AM if asked."""
    reg = new_register()
    first_absent = 90 - missed_days - (1 if half_day else 0)
    fill(reg, CAL.days[0], CAL.days[first_absent - 1], "/")
    absences: list[Mark] = []
    if half_day:
        reg.add(0, CAL.days[first_absent], "AM", "/")
        absences.append(mark(reg, CAL.days[first_absent], "PM", "O"))
        first_absent += 1
    split = first_absent + missed_days // 2
    absences += fill(reg, CAL.days[first_absent], CAL.days[split - 1], "I")
    absences += fill(reg, CAL.days[split], DAY_90, "O")
    # Marks after the as-of date are not part of the year so far.
    fill(reg, CAL.days[90], CAL.days[95], "O")
    return reg, absences


def test_persistent_absence_fires_at_exactly_10_percent() -> None:
    reg, absences = year_with_absences(9)  # 18 of 180 sessions
    finding = only(run("persistent_absence", reg, DAY_90))
    assert finding.pupil == "pupil0"
    assert finding.rule == "persistent_absence"
    assert finding.reason == (
        "Since 3 September 2025 your child has missed 18 of 180 possible sessions (10%). "
        "Missing 10% or more of sessions is persistent absence."
    )
    assert list(finding.evidence) == absences
    assert len(finding.evidence) == 18


def test_persistent_absence_does_not_fire_just_short() -> None:
    reg, absences = year_with_absences(8, half_day=True)  # 17 of 180 sessions
    assert len(absences) == 17
    assert run("persistent_absence", reg, DAY_90) == []


def test_severe_absence_fires_at_exactly_50_percent() -> None:
    reg, absences = year_with_absences(45)  # 90 of 180 sessions
    finding = only(run("severe_absence", reg, DAY_90))
    assert finding.reason == (
        "Since 3 September 2025 your child has missed 90 of 180 possible sessions (50%). "
        "Missing 50% or more of sessions is severe absence."
    )
    assert list(finding.evidence) == absences


def test_severe_absence_does_not_fire_just_short() -> None:
    reg, absences = year_with_absences(44, half_day=True)  # 89 of 180 sessions
    assert len(absences) == 89
    assert run("severe_absence", reg, DAY_90) == []
    assert only(run("persistent_absence", reg, DAY_90)).facts["absent"] == 89


def test_absence_rate_reason_shows_two_decimals_when_not_round() -> None:
    reg, _ = year_with_absences(9)
    mark(reg, CAL.days[0], "AM", "O")  # 19 of 180: 10.555...%
    finding = only(run("persistent_absence", reg, DAY_90))
    assert "missed 19 of 180 possible sessions (10.56%)" in finding.reason


# -- penalty threshold: 10 unauthorised sessions in a rolling 10 school weeks ----------------

CHRISTMAS_AS_OF = date(2026, 1, 16)  # the window's 10 school weeks start Monday 20 October


def christmas_marks(reg: Register) -> list[Mark]:
    inside = [
        mark(reg, date(2025, 10, 20), "AM", "O"),  # first session of the window
        *fill(reg, date(2025, 12, 18), date(2025, 12, 19), "G"),
        *fill(reg, date(2026, 1, 6), date(2026, 1, 6), "N"),
        mark(reg, date(2026, 1, 15), "AM", "U"),
        mark(reg, date(2026, 1, 16), "AM", "O"),
        mark(reg, date(2026, 1, 16), "PM", "N"),
    ]
    mark(reg, date(2025, 10, 17), "PM", "O")  # the Friday before the window
    mark(reg, date(2025, 11, 5), "AM", "L")  # late before the register closed: present
    mark(reg, date(2025, 11, 6), "AM", "I")  # authorised
    mark(reg, date(2026, 1, 19), "AM", "O")  # after as_of
    return inside


def test_penalty_window_spans_the_christmas_holiday_and_half_term() -> None:
    assert CAL.school_weeks_window(CHRISTMAS_AS_OF, 10) == (date(2025, 10, 20), CHRISTMAS_AS_OF)
    reg = new_register()
    inside = christmas_marks(reg)
    assert len(inside) == 10
    finding = only(run("penalty_threshold", reg, CHRISTMAS_AS_OF))
    assert finding.reason == (
        "Your child has 10 sessions of unauthorised absence in the last 10 school weeks. "
        "At 10 or more, the school must consider a penalty notice."
    )
    assert list(finding.evidence) == inside


def test_penalty_does_not_count_a_session_just_before_the_window() -> None:
    reg = new_register()
    christmas_marks(reg)
    reg.add(0, date(2025, 10, 20), "AM", "/")  # now 9 inside, and one the Friday before
    assert run("penalty_threshold", reg, CHRISTMAS_AS_OF) == []


FEBRUARY_AS_OF = date(2026, 3, 6)  # the window's 10 school weeks start Monday 8 December


def february_marks(reg: Register) -> list[Mark]:
    inside = [
        mark(reg, date(2025, 12, 8), "AM", "G"),
        mark(reg, date(2025, 12, 19), "PM", "G"),
        *fill(reg, date(2026, 2, 13), date(2026, 2, 13), "O"),
        *fill(reg, date(2026, 2, 23), date(2026, 2, 23), "N"),
        *fill(reg, date(2026, 3, 2), date(2026, 3, 3), "U", sessions="AM"),
        *fill(reg, date(2026, 3, 5), date(2026, 3, 6), "O", sessions="PM"),
    ]
    mark(reg, date(2025, 12, 5), "PM", "O")  # the Friday before the window
    return inside


def test_penalty_window_spans_the_february_half_term() -> None:
    assert CAL.school_weeks_window(FEBRUARY_AS_OF, 10) == (date(2025, 12, 8), FEBRUARY_AS_OF)
    reg = new_register()
    inside = february_marks(reg)
    assert len(inside) == 10
    finding = only(run("penalty_threshold", reg, FEBRUARY_AS_OF))
    assert finding.facts["count"] == 10
    assert "has 10 sessions of unauthorised absence in the last 10 school weeks" in finding.reason
    assert list(finding.evidence) == inside


def test_penalty_does_not_fire_at_9_sessions() -> None:
    reg = new_register()
    february_marks(reg)
    reg.add(0, date(2025, 12, 8), "AM", "/")
    assert run("penalty_threshold", reg, FEBRUARY_AS_OF) == []


# -- N not resolved within 5 school days -----------------------------------------------------

N_DAY = date(2026, 4, 29)  # Wednesday; then a weekend and the bank holiday on Monday 4 May


def test_n_is_not_overdue_after_exactly_5_school_days() -> None:
    as_of = date(2026, 5, 7)  # Thu 30, Fri 1, Tue 5, Wed 6, Thu 7
    assert CAL.school_days_between(N_DAY, as_of) == 5
    reg = new_register()
    fill(reg, N_DAY, N_DAY, "N")
    assert run("n_code_overdue", reg, as_of) == []


def test_n_is_overdue_after_6_school_days() -> None:
    as_of = date(2026, 5, 8)
    assert CAL.school_days_between(N_DAY, as_of) == 6
    reg = new_register()
    overdue = fill(reg, N_DAY, N_DAY, "N")
    fill(reg, date(2026, 5, 5), date(2026, 5, 5), "N")  # only 3 school days old
    fill(reg, date(2026, 4, 30), date(2026, 4, 30), "O")  # already resolved
    finding = only(run("n_code_overdue", reg, as_of))
    assert finding.reason == (
        "We still have no reason for 2 absent sessions, the earliest on 29 April 2026. "
        "A reason should be settled within 5 school days."
    )
    assert list(finding.evidence) == overdue


def test_resolved_n_is_not_overdue() -> None:
    reg = new_register()
    fill(reg, N_DAY, N_DAY, "O")
    assert run("n_code_overdue", reg, date(2026, 5, 20)) == []


# -- CME: 20 continuous school days of unauthorised absence ----------------------------------


def cme_run(reg: Register, first: date = date(2025, 10, 13)) -> list[Mark]:
    """Unauthorised absence from `first` to Friday 14 November, across the October half term."""
    fill(reg, date(2025, 10, 6), first, "/")
    reg.codes[0, reg.column(first, "AM") :] = 0
    return [
        *fill(reg, first, date(2025, 10, 17), "G"),
        *fill(reg, date(2025, 10, 20), date(2025, 10, 24), "N"),
        *fill(reg, date(2025, 11, 3), date(2025, 11, 14), "O"),
    ]


def test_cme_run_of_20_school_days_spanning_half_term_fires() -> None:
    reg = new_register()
    absences = cme_run(reg)
    assert len(CAL.school_days(date(2025, 10, 13), date(2025, 11, 14))) == 20
    finding = only(run("cme_continuous_absence", reg, date(2025, 11, 14)))
    assert finding.reason == (
        "Your child has been absent without permission on every school day "
        "from 13 October 2025 to 14 November 2025: 20 school days in a row."
    )
    assert list(finding.evidence) == absences
    assert len(finding.evidence) == 40


def test_cme_run_of_19_school_days_does_not_fire() -> None:
    reg = new_register()
    cme_run(reg, first=date(2025, 10, 14))
    assert run("cme_continuous_absence", reg, date(2025, 11, 14)) == []


def test_cme_ignores_marks_after_as_of() -> None:
    reg = new_register()
    cme_run(reg)
    assert run("cme_continuous_absence", reg, date(2025, 11, 13)) == []


@pytest.mark.parametrize(
    ("code", "sessions"),
    [("/", "AM PM"), ("L", "AM"), ("I", "AM PM")],
    ids=["present", "late", "ill"],
)
def test_cme_run_broken_by_a_day_not_absent_without_permission(code: str, sessions: str) -> None:
    reg = new_register()
    cme_run(reg)
    fill(reg, date(2025, 10, 22), date(2025, 10, 22), code, sessions=sessions)
    assert run("cme_continuous_absence", reg, date(2025, 11, 14)) == []


def test_cme_ongoing_run_must_reach_the_last_marked_day() -> None:
    reg = new_register()
    absences = cme_run(reg)
    fill(reg, date(2025, 11, 17), date(2025, 11, 17), "/")  # back in school on Monday
    as_of = date(2025, 11, 17)
    assert run("cme_continuous_absence", reg, as_of) == []
    # The same run fires for a rule that looks at any run in the year, not only the current one.
    spec = POLICY.rules["cme_continuous_absence"]
    any_run = dataclasses.replace(spec, params={**spec.params, "ongoing": False})
    finding = only(evaluate_rule(any_run, reg, as_of))
    assert finding.facts["run"] == 20
    assert finding.facts["first"] == "13 October 2025"
    assert finding.facts["last"] == "14 November 2025"
    assert list(finding.evidence) == absences


# -- CME: the run goes on across the summer into the next school year -------------------------

JULY_13 = date(2026, 7, 13)  # a Monday: 8 school days to the end of the summer term


def across_summer(until: date, first: date = JULY_13) -> tuple[Register, list[Mark]]:
    """A register over two school years: present, then O from `first` to `until`."""
    reg = Register(TWO_YEARS, YEAR_START, until, ["pupil0"])
    for day in TWO_YEARS.school_days(YEAR_START, until):
        for session in ("AM", "PM"):
            reg.add(0, day, session, "O" if day >= first else "/")
    marks = [
        Mark(day, Session(s), "O")
        for day in TWO_YEARS.school_days(first, until)
        for s in ("AM", "PM")
    ]
    return reg, marks


def test_cme_run_from_13_july_fires_on_the_20th_school_day_in_september() -> None:
    day_20 = date(2026, 9, 18)
    assert len(TWO_YEARS.school_days(JULY_13, day_20)) == 20
    reg, absences = across_summer(day_20)
    finding = only(run("cme_continuous_absence", reg, day_20))
    assert finding.reason == (
        "Your child has been absent without permission on every school day "
        "from 13 July 2026 to 18 September 2026: 20 school days in a row."
    )
    assert list(finding.evidence) == absences
    assert finding.facts["run_from"] == "2026-07-13"
    # The 19th school day (Thursday 17 September) is one short.
    reg, _ = across_summer(date(2026, 9, 17))
    assert run("cme_continuous_absence", reg, date(2026, 9, 17)) == []


def test_a_run_within_one_school_year_only_does_not_cross_the_summer() -> None:
    spec = POLICY.rules["cme_continuous_absence"]
    this_year_only = dataclasses.replace(spec, params={**spec.params, "across_years": False})
    reg, _ = across_summer(date(2026, 9, 18))
    assert evaluate_rule(this_year_only, reg, date(2026, 9, 18)) == []


def test_the_sweep_reads_back_into_the_previous_school_year_for_a_run() -> None:
    # A rule running across years looks back to the start of the year before.
    assert lookback_start(POLICY, TWO_YEARS, date(2026, 9, 18)) == AUTUMN.start


def test_not_back_after_leave_ending_in_july_fires_in_september() -> None:
    reg = Register(TWO_YEARS, YEAR_START, date(2026, 9, 4), ["pupil0"])
    for day in TWO_YEARS.school_days(YEAR_START, date(2026, 9, 4)):
        code = "/" if day < date(2026, 7, 13) else "C" if day < date(2026, 7, 20) else "O"
        for session in ("AM", "PM"):
            reg.add(0, day, session, code)
    # Leave to Friday 17 July; not back on Mon 20 to Wed 22 July and 3 to 4 September (5 days).
    assert run("cme_not_returned_after_leave", reg, date(2026, 9, 4)) == []
    reg = Register(TWO_YEARS, YEAR_START, date(2026, 9, 11), ["pupil0"])
    for day in TWO_YEARS.school_days(YEAR_START, date(2026, 9, 11)):
        code = "/" if day < date(2026, 7, 13) else "C" if day < date(2026, 7, 20) else "O"
        for session in ("AM", "PM"):
            reg.add(0, day, session, code)
    finding = only(run("cme_not_returned_after_leave", reg, date(2026, 9, 11)))
    assert finding.facts["run"] == 10
    assert finding.facts["run_from"] == "2026-07-20"


# -- CME: not returned 10 school days after agreed leave -------------------------------------


def test_not_returned_10_school_days_after_leave_fires() -> None:
    reg = new_register()
    fill(reg, date(2026, 2, 23), date(2026, 2, 27), "/")
    leave = fill(reg, date(2026, 3, 2), date(2026, 3, 6), "C")
    absent = [
        *fill(reg, date(2026, 3, 9), date(2026, 3, 13), "G"),
        *fill(reg, date(2026, 3, 16), date(2026, 3, 17), "N"),
        *fill(reg, date(2026, 3, 18), date(2026, 3, 20), "O"),
    ]
    finding = only(run("cme_not_returned_after_leave", reg, date(2026, 3, 20)))
    assert finding.reason == (
        "Your child's agreed leave ended on 6 March 2026 and they have not been back "
        "for the 10 school days since."
    )
    # The last day of leave (where the count starts) and every absence since.
    assert list(finding.evidence) == leave[-2:] + absent


@pytest.mark.parametrize("code", ["C1", "H", "F"])
def test_performance_leave_and_the_2006_holiday_codes_count_as_leave_too(code: str) -> None:
    reg = new_register()
    fill(reg, date(2026, 3, 2), date(2026, 3, 6), code)
    fill(reg, date(2026, 3, 9), date(2026, 3, 20), "O")
    finding = only(run("cme_not_returned_after_leave", reg, date(2026, 3, 20)))
    assert "agreed leave ended on 6 March 2026" in finding.reason


def test_not_returned_after_9_school_days_does_not_fire() -> None:
    reg = new_register()
    fill(reg, date(2026, 3, 2), date(2026, 3, 6), "C")
    fill(reg, date(2026, 3, 9), date(2026, 3, 19), "O")
    assert run("cme_not_returned_after_leave", reg, date(2026, 3, 19)) == []
    # Nor are marks after as_of counted.
    fill(reg, date(2026, 3, 20), date(2026, 3, 20), "O")
    assert run("cme_not_returned_after_leave", reg, date(2026, 3, 19)) == []


def test_a_present_day_after_leave_means_the_pupil_returned() -> None:
    reg = new_register()
    fill(reg, date(2026, 3, 2), date(2026, 3, 6), "C")
    fill(reg, date(2026, 3, 9), date(2026, 3, 9), "/")
    fill(reg, date(2026, 3, 10), date(2026, 3, 23), "O")  # 10 school days absent after that
    assert run("cme_not_returned_after_leave", reg, date(2026, 3, 23)) == []


def test_not_returned_counts_school_days_across_half_term() -> None:
    reg = new_register()
    fill(reg, date(2026, 2, 9), date(2026, 2, 13), "C")
    absent = fill(reg, date(2026, 2, 23), date(2026, 3, 6), "N")
    finding = only(run("cme_not_returned_after_leave", reg, date(2026, 3, 6)))
    assert "leave ended on 13 February 2026" in finding.reason
    assert "the 10 school days since" in finding.reason
    assert list(finding.evidence)[2:] == absent


# -- evaluate_policy -------------------------------------------------------------------------


def test_evaluate_policy_returns_findings_in_rule_order_then_pupil_order() -> None:
    reg = new_register(2)
    last = CAL.days[24]  # 25 school days of N from 3 September
    for row in (0, 1):
        fill(reg, CAL.days[0], last, "N", row=row)
    findings = evaluate_policy(POLICY, reg, last)
    # No leave, no illness, and every session marked: those three rules find nothing.
    not_found = ("cme_not_returned_after_leave", "notify_la_illness_15_days", "register_incomplete")
    expected_rules = [r for r in NATIONAL_RULES if r not in not_found]
    assert [(f.rule, f.pupil) for f in findings] == [
        (rule, pupil) for rule in expected_rules for pupil in ("pupil0", "pupil1")
    ]
    only_second = evaluate_policy(POLICY, reg, last, rows=np.array([False, True]))
    assert [(f.rule, f.pupil) for f in only_second] == [(r, "pupil1") for r in expected_rules]


def test_evaluate_policy_follows_the_order_the_policy_gives(tmp_path: Path) -> None:
    path = write(
        tmp_path / "reordered.toml",
        HEADER.format(id="reordered", extends="")
        + rule_table("b_second_alphabetically", 'kind = "absence_rate"\nat_least = 10')
        + rule_table("a_first_alphabetically", 'kind = "absence_rate"\nat_least = 50'),
    )
    policy = load_policy(str(path))
    reg = new_register()
    fill(reg, CAL.days[0], CAL.days[9], "O")
    findings = evaluate_policy(policy, reg, CAL.days[9])
    assert [f.rule for f in findings] == ["b_second_alphabetically", "a_first_alphabetically"]


def test_no_finding_before_the_first_school_day() -> None:
    reg = new_register()
    fill(reg, CAL.days[0], CAL.days[30], "N")
    assert evaluate_policy(POLICY, reg, date(2025, 9, 2)) == []


def test_finding_as_dict() -> None:
    reg = new_register()
    fill(reg, N_DAY, N_DAY, "N", sessions="AM")
    finding = only(run("n_code_overdue", reg, date(2026, 5, 8)))
    assert finding.as_dict() == {
        "upn": "pupil0",
        "rule": "n_code_overdue",
        "reason": finding.reason,
        "staff_reason": "pupil0 has 1 sessions still marked N, the oldest on 29 April 2026: "
        "more than 5 school days without a reason.",
        "began": "2026-05-08",  # the sixth school day after the mark: the first it fires on
        "evidence": [{"date": "2026-04-29", "session": "AM", "code": "N"}],
    }


def test_lookback_start_covers_school_day_windows_across_the_year_start(tmp_path: Path) -> None:
    summer_2025 = Term("Summer 2025", date(2025, 4, 22), date(2025, 7, 22))
    calendar = SchoolCalendar((summer_2025, AUTUMN))
    path = write(
        tmp_path / "days.toml",
        HEADER.format(id="days", extends="")
        + rule_table(
            "recent_lates",
            'kind = "session_count"\ncodes = ["L"]\nschool_days = 20\nat_least = 3',
            reason="{count} lates {window}.",
        ),
    )
    policy = load_policy(str(path))
    as_of = date(2025, 9, 10)  # 6 school days into the year: the window reaches into July
    assert calendar.nth_school_day_before(as_of, 19).month == 7
    # While it does, the register goes back to the window of the year's first day, so that a
    # breach can be followed back to the start of the year (rolling_began).
    expected = calendar.nth_school_day_before(AUTUMN.start, 19)
    assert lookback_start(policy, calendar, as_of) == expected
    # Once the window lies inside the year, the year's start is enough.
    assert lookback_start(policy, calendar, date(2025, 11, 3)) == AUTUMN.start
    assert lookback_start(POLICY, calendar, as_of) <= date(2025, 9, 3)


# -- policy loading --------------------------------------------------------------------------

HEADER = """\
[policy]
id = "{id}"
{extends}

[statistics]
persistent_absence_at_least = 10
severe_absence_at_least = 50

"""


def rule_table(name: str, body: str, reason: str = "Missed {absent} of {possible}.") -> str:
    return f'[rules.{name}]\n{body}\nreason = "{reason}"\nsource = "a test"\n\n'


def policy_error(path: Path) -> str:
    with pytest.raises(PolicyError) as caught:
        load_policy(str(path))
    return str(caught.value)


@pytest.mark.parametrize(
    ("body", "reason", "message"),
    [
        ('kind = "absence_ratio"\nat_least = 10', None, ".kind 'absence_ratio' is not one of"),
        ('kind = "absence_rate"', None, ".at_least is missing"),
        (
            'kind = "absence_rate"\nat_least = 10\nthreshold = 3',
            None,
            ".threshold is not a setting",
        ),
        (
            'kind = "session_count"\ncodes = ["G", "Q9"]\nat_least = 3',
            "{count}",
            ".codes has unknown attendance code 'Q9'",
        ),
        (
            'kind = "code_unresolved"\ncode = "NN"\nolder_than_school_days = 5',
            "{count}",
            ".code 'NN' is not an attendance code",
        ),
        (
            'kind = "absence_rate"\nat_least = 10\nperiod = "month"',
            None,
            ".period must be one of year, term, half_term, not 'month'",
        ),
        ('kind = "absence_rate"\nat_least = 10', "{count} lates", ".reason uses {count}"),
        ('kind = "absence_rate"\nat_least = 10', "missed {} sessions", ".reason has an empty {}"),
        ('kind = "absence_rate"\nat_least = 10', "missed {absent", ".reason is not a valid"),
        ('kind = "absence_rate"\nat_least = "ten"', None, ".at_least must be a number"),
        (
            'kind = "session_count"\ncodes = "GO"\nat_least = 3',
            "{count}",
            ".codes must be a list",
        ),
        (
            'kind = "consecutive_days"\ncodes = ["O"]\ndays = 2.5',
            "{run}",
            ".days must be a whole number",
        ),
        (
            'kind = "session_count"\ncategories = ["absent"]\nat_least = 3',
            "{count}",
            ".categories has unknown category 'absent'",
        ),
        ('kind = "session_count"\ncodes = ["O"]', "{count}", " needs at_least or more_than"),
        ('at_least = 10\nkind = ""', None, ".kind is missing"),
    ],
    ids=[
        "unknown-kind",
        "missing-param",
        "unknown-param",
        "unknown-code",
        "unknown-single-code",
        "bad-period",
        "placeholder-not-provided",
        "empty-placeholder",
        "unmatched-brace",
        "number-not-a-number",
        "codes-not-a-list",
        "days-not-whole",
        "unknown-category",
        "no-threshold",
        "no-kind",
    ],
)
def test_policy_errors_name_the_file_and_the_rule(
    tmp_path: Path, body: str, reason: str | None, message: str
) -> None:
    path = write(
        tmp_path / "bad.toml",
        HEADER.format(id="bad", extends="")
        + rule_table("first_rule", 'kind = "absence_rate"\nat_least = 10')
        + rule_table("my_rule", body, **({"reason": reason} if reason else {})),
    )
    error = policy_error(path)
    assert error.startswith(f"{path}: rules.my_rule")
    assert message in error


def test_preset_extending_national_overrides_and_adds_rules(tmp_path: Path) -> None:
    # A rule that is not statutory may take the school's own numbers (the statutory ones may
    # not: tests/unit/policy/test_presets.py).
    path = write(
        tmp_path / "preset.toml",
        HEADER.format(id="preset", extends='extends = "national-2024"')
        + "[overrides.n_code_overdue]\nolder_than_school_days = 3\n\n"
        + rule_table(
            "lates",
            'kind = "session_count"\ncodes = ["L"]\nperiod = "half_term"\nat_least = 3',
            reason="{count} lates {window}.",
        ),
    )
    policy = load_policy(str(path))
    assert list(policy.rules) == [*NATIONAL_RULES, "preset.lates"]
    assert policy.rules["n_code_overdue"].params["older_than_school_days"] == 3
    assert policy.rules["n_code_overdue"].params["code"] == "N"
    national = load_policy("national-2024").rules["n_code_overdue"]
    assert national.params["older_than_school_days"] == 5
    national_threshold = load_policy("national-2024").rules["penalty_threshold"]
    assert policy.rules["penalty_threshold"] == national_threshold


def test_preset_overriding_a_rule_that_does_not_exist(tmp_path: Path) -> None:
    path = write(
        tmp_path / "typo.toml",
        HEADER.format(id="typo", extends='extends = "national-2024"')
        + "[overrides.penalty_treshold]\nat_least = 8\n",
    )
    error = policy_error(path)
    assert error.startswith(f"{path}: overrides.penalty_treshold")
    assert "names no rule of national-2024" in error


def test_preset_override_that_breaks_a_rule_names_the_preset(tmp_path: Path) -> None:
    path = write(
        tmp_path / "override.toml",
        HEADER.format(id="override", extends='extends = "national-2024"')
        + '[overrides.n_code_overdue]\nolder_than_school_days = "five"\n',
    )
    error = policy_error(path)
    assert error.startswith(f"{path}: rules.n_code_overdue.older_than_school_days")


def test_preset_own_rule_error_names_the_preset_and_the_rule(tmp_path: Path) -> None:
    path = write(
        tmp_path / "own.toml",
        HEADER.format(id="own", extends='extends = "national-2024"')
        + rule_table("lates", 'kind = "session_count"\ncodes = ["LL"]\nat_least = 3', "{count}"),
    )
    assert policy_error(path).startswith(f"{path}: rules.lates.codes has unknown attendance code")


def test_overrides_without_extends_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path / "orphan.toml",
        HEADER.format(id="orphan", extends="") + "[overrides.penalty_threshold]\nat_least = 8\n",
    )
    assert policy_error(path) == f"{path}: overrides.penalty_threshold needs [policy] extends"


def test_extends_cycle(tmp_path: Path) -> None:
    a = write(tmp_path / "a.toml", HEADER.format(id="a", extends='extends = "b.toml"'))
    write(tmp_path / "b.toml", HEADER.format(id="b", extends='extends = "a.toml"'))
    error = policy_error(a)
    assert error == f"{a}: policy.extends makes a cycle (a -> b -> a)"


def test_policy_extending_itself(tmp_path: Path) -> None:
    path = write(tmp_path / "self.toml", HEADER.format(id="self", extends='extends = "self.toml"'))
    assert policy_error(path) == f"{path}: policy.extends makes a cycle (self -> self)"


def test_extends_a_file_next_to_the_preset_wherever_it_is_loaded_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    write(
        folder / "base.toml",
        HEADER.format(id="base", extends="")
        + rule_table("absence", 'kind = "absence_rate"\nat_least = 10'),
    )
    child = write(
        folder / "child.toml",
        '[policy]\nid = "child"\nextends = "base.toml"\n\n[overrides.absence]\nat_least = 20\n',
    )
    monkeypatch.chdir(tmp_path)  # not the folder the files are in
    policy = load_policy(str(child))
    assert list(policy.rules) == ["absence"]
    assert policy.rules["absence"].params["at_least"] == 20
    assert policy.persistent_absence_at_least == 10


def test_extends_a_missing_policy(tmp_path: Path) -> None:
    path = write(
        tmp_path / "lost.toml", HEADER.format(id="lost", extends='extends = "no-such-policy"')
    )
    error = policy_error(path)
    assert re.search(r"no-such-policy\.toml: no such policy file \(policies: cooper, ", error)


# -- statutory notifications to the LA, and the register's completeness -----------------------


def test_absent_without_permission_10_school_days_in_a_row_tells_the_la() -> None:
    reg = new_register()
    # G, N, O and U all count: absence without the school's permission.
    fill(reg, date(2025, 11, 3), date(2025, 11, 4), "G")
    fill(reg, date(2025, 11, 5), date(2025, 11, 6), "N")
    fill(reg, date(2025, 11, 7), date(2025, 11, 11), "O")
    fill(reg, date(2025, 11, 12), date(2025, 11, 14), "U")
    assert run("notify_la_absent_10_days", reg, date(2025, 11, 13)) == []  # day 9
    finding = only(run("notify_la_absent_10_days", reg, date(2025, 11, 14)))
    assert finding.reason.startswith(
        "Your child has been absent without the school's permission on every school day from "
        "3 November 2025 to 14 November 2025: 10 school days in a row."
    )
    assert finding.facts["run_from"] == "2025-11-03"
    assert len(finding.evidence) == 20


@pytest.mark.parametrize("code", ["I", "C", "/"])
def test_a_day_with_permission_breaks_the_10_day_run(code: str) -> None:
    reg = new_register()
    fill(reg, date(2025, 11, 3), date(2025, 11, 14), "O")
    fill(reg, date(2025, 11, 7), date(2025, 11, 7), code)
    assert run("notify_la_absent_10_days", reg, date(2025, 11, 14)) == []


def test_the_10_day_run_goes_on_across_the_summer() -> None:
    reg, _ = across_summer(date(2026, 9, 3))  # day 9: 8 days in July and Thursday 3 September
    assert run("notify_la_absent_10_days", reg, date(2026, 9, 3)) == []
    reg, _ = across_summer(date(2026, 9, 4))
    finding = only(run("notify_la_absent_10_days", reg, date(2026, 9, 4)))
    assert "from 13 July 2026 to 4 September 2026: 10 school days in a row" in finding.reason


def test_15_school_days_of_illness_in_a_row_or_not_tell_the_la() -> None:
    reg = new_register()
    # Spread over two terms: 14 whole days and two mornings make 15 school days.
    ill = [
        *fill(reg, date(2025, 9, 15), date(2025, 9, 19), "I"),
        *fill(reg, date(2025, 11, 3), date(2025, 11, 7), "I"),
        *fill(reg, date(2026, 2, 2), date(2026, 2, 5), "I"),
        mark(reg, date(2026, 3, 2), "AM", "I"),
    ]
    assert run("notify_la_illness_15_days", reg, date(2026, 3, 2)) == []  # 14 and a half days
    ill.append(mark(reg, date(2026, 3, 3), "AM", "I"))
    finding = only(run("notify_la_illness_15_days", reg, date(2026, 3, 3)))
    assert finding.reason.startswith(
        "This school year (since 3 September 2025) your child has missed 15 school days "
        "through illness (30 sessions), in a row or not."
    )
    assert list(finding.evidence) == ill


def test_illness_counts_within_the_school_year() -> None:
    reg = Register(TWO_YEARS, YEAR_START, date(2026, 9, 30), ["pupil0"])
    for day in TWO_YEARS.school_days(YEAR_START, date(2026, 9, 30)):
        for session in ("AM", "PM"):
            ill = date(2026, 6, 1) <= day <= date(2026, 6, 19) or day == date(2026, 9, 7)
            reg.add(0, day, session, "I" if ill else "/")
    assert len(only(run("notify_la_illness_15_days", reg, date(2026, 7, 1))).evidence) == 30
    # A new school year starts the count again: one day of illness in September.
    assert run("notify_la_illness_15_days", reg, date(2026, 9, 30)) == []


def test_a_session_with_no_mark_before_the_sweep_day_is_named() -> None:
    reg = new_register(2)
    for row in (0, 1):
        fill(reg, CAL.first_day, date(2025, 9, 30), "/", row=row)
    reg.codes[0, reg.column(date(2025, 9, 16), "PM")] = 0
    reg.codes[0, reg.column(date(2025, 9, 22), "AM")] = 0
    # The sweep day's own sessions (Tuesday 30 September) are not counted yet.
    reg.codes[1, reg.column(date(2025, 9, 30), "AM")] = 0
    finding = only(run("register_incomplete", reg, date(2025, 9, 30)))
    assert finding.pupil == "pupil0"
    assert finding.reason == (
        "The register has no mark for your child at these school sessions this school year "
        "(since 3 September 2025): 16 September 2025 PM, 22 September 2025 AM. There must be a "
        "mark for every pupil at every session."
    )
    assert finding.facts["count"] == 2
    assert finding.evidence == ()


def test_unmarked_sessions_before_admission_or_after_leaving_are_not_missing() -> None:
    reg = new_register(2)
    fill(reg, date(2025, 10, 1), date(2025, 10, 31), "/", row=0)
    fill(reg, CAL.first_day, date(2025, 10, 10), "/", row=1)
    reg.clear_outside(0, date(2025, 10, 1), None)  # admitted on 1 October
    reg.clear_outside(1, None, date(2025, 10, 10))  # left on 10 October
    assert run("register_incomplete", reg, date(2025, 11, 3)) == []


def test_many_unmarked_sessions_are_counted_and_the_first_named() -> None:
    reg = new_register()
    fill(reg, CAL.first_day, date(2025, 9, 30), "/")
    reg.codes[0, reg.column(date(2025, 9, 22), "AM") : reg.column(date(2025, 9, 26), "PM") + 1] = 0
    finding = only(run("register_incomplete", reg, date(2025, 9, 30)))
    assert finding.facts["count"] == 10
    assert finding.facts["sessions"] == (
        "22 September 2025 AM, 22 September 2025 PM, 23 September 2025 AM, "
        "23 September 2025 PM, 24 September 2025 AM, 24 September 2025 PM and 4 more"
    )


@pytest.mark.parametrize(
    "rule", ["notify_la_absent_10_days", "notify_la_illness_15_days", "register_incomplete"]
)
def test_the_notifications_and_completeness_are_statutory(rule: str) -> None:
    spec = POLICY.rules[rule]
    assert spec.statutory
    # The absence notification is a missing education enquiry the LA is told of; illness and
    # a gap in the register are not concerns about the child's attendance.
    assert spec.opens == ("missing_education" if rule == "notify_la_absent_10_days" else "none")
