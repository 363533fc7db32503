"""Smaller rules from the seeds (issue 8, item 13): absence next to leave over the whole
adjacent run, Copnor's D&V discretion, Woodlands' religious observance limit."""

from __future__ import annotations

from datetime import date

from casework.policy.loader import load_policy
from casework.policy.rules import Finding, evaluate_rule
from casework.register.marks import Mark, Register
from tests.unit.policy.test_rules import fill, mark, new_register, only

COPNOR = load_policy("copnor")
WOODLANDS = load_policy("woodlands")


def copnor(rule: str, reg: Register, as_of: date) -> list[Finding]:
    return evaluate_rule(COPNOR.rules[f"copnor.{rule}"], reg, as_of)


def woodlands(rule: str, reg: Register, as_of: date) -> list[Finding]:
    return evaluate_rule(WOODLANDS.rules[f"woodlands.{rule}"], reg, as_of)


# -- absence next to leave: every day of the adjacent run ------------------------------------


def test_absence_next_to_leave_counts_every_day_of_the_run_before_and_after() -> None:
    reg = new_register()
    before = fill(reg, date(2026, 1, 26), date(2026, 1, 30), "I")  # a week off ill
    fill(reg, date(2026, 2, 2), date(2026, 2, 6), "C")  # then a week of agreed leave
    after = fill(reg, date(2026, 2, 9), date(2026, 2, 10), "O")  # two more days off
    fill(reg, date(2026, 2, 11), date(2026, 2, 13), "/", sessions="AM")
    finding = only(copnor("leave_around_leave", reg, date(2026, 2, 13)))
    assert list(finding.evidence) == before + after
    assert finding.facts["count"] == 14
    assert finding.facts["first"] == "26 January 2026"


def test_the_run_next_to_leave_stops_at_the_first_session_in_school() -> None:
    reg = new_register()
    fill(reg, date(2026, 1, 26), date(2026, 1, 28), "I")
    present = mark(reg, date(2026, 1, 29), "PM", "/")  # back in school on Thursday afternoon
    in_run = [mark(reg, date(2026, 1, 30), s, "M") for s in ("AM", "PM")]
    fill(reg, date(2026, 2, 2), date(2026, 2, 6), "C")
    finding = only(copnor("leave_around_leave", reg, date(2026, 2, 6)))
    assert list(finding.evidence) == in_run
    assert present not in finding.evidence


def test_absence_a_school_day_away_from_leave_is_not_next_to_it() -> None:
    reg = new_register()
    fill(reg, date(2026, 1, 28), date(2026, 1, 28), "I")
    fill(reg, date(2026, 1, 29), date(2026, 1, 30), "/", sessions="AM")
    fill(reg, date(2026, 1, 29), date(2026, 1, 30), "\\", sessions="PM")
    fill(reg, date(2026, 2, 2), date(2026, 2, 6), "C")
    assert copnor("leave_around_leave", reg, date(2026, 2, 6)) == []


def test_the_run_next_to_leave_goes_on_across_a_weekend() -> None:
    reg = new_register()
    fill(reg, date(2026, 1, 12), date(2026, 1, 16), "C")
    after: list[Mark] = fill(reg, date(2026, 1, 19), date(2026, 1, 26), "G")
    assert list(only(copnor("leave_around_leave", reg, date(2026, 1, 27))).evidence) == after
