"""The attendance printout of the evidence pack: a week a row, ten sessions a week, with the
days without school named and the codes used in the key."""

from __future__ import annotations

from datetime import date

from casework.drafting.printout import Cell, session_grid
from tests.support.calendar import CALENDAR

INSET_WEEK = date(2026, 1, 5)  # the spring term opens with an INSET day


def present(start: date, end: date) -> dict[tuple[date, str], str]:
    marks = {}
    for day in CALENDAR.school_days(start, end):
        marks[day, "AM"], marks[day, "PM"] = "/", "\\"
    return marks


def test_a_school_week_has_its_ten_marks_and_what_it_counts() -> None:
    marks = {**present(date(2025, 9, 3), date(2025, 9, 12)), (date(2025, 9, 9), "PM"): "O"}
    grid = session_grid(CALENDAR, marks, date(2025, 9, 3), date(2025, 9, 12))
    first, second = grid.weeks
    # Monday 1 and Tuesday 2 September are before the autumn term starts.
    assert first.cells[:2] == (Cell("Holiday", 2, "closed"), Cell("Holiday", 2, "closed"))
    assert (first.attended, first.possible) == (6, 6)
    assert [c.text for c in second.cells] == ["/", "\\", "/", "O", "/", "\\", "/", "\\", "/", "\\"]
    assert second.cells[3].kind == "unauthorised"
    assert (second.attended, second.possible) == (9, 10)
    assert grid.codes == (
        ("/", "present (morning)"),
        ("\\", "present (afternoon)"),
        ("O", "absent in other or unknown circumstances"),
    )
    assert grid.markers == (("Holiday", "school holiday"),)


def test_holiday_weeks_are_one_row_and_closures_are_named() -> None:
    start, end = date(2026, 4, 13), date(2026, 6, 5)
    grid = session_grid(CALENDAR, present(start, end), start, end)
    may_day = next(w for w in grid.weeks if w.monday == date(2026, 5, 4))
    assert may_day.cells[0] == Cell("Bank hol.", 2, "closed") and may_day.possible == 8
    half_term = next(w for w in grid.weeks if w.monday == date(2026, 5, 25))
    assert half_term.holiday == "half-term holiday" and not half_term.cells
    assert ("Bank hol.", "bank holiday") in grid.markers


def test_a_run_of_holiday_weeks_is_one_row_to_its_last_friday() -> None:
    start, end = date(2025, 12, 15), date(2026, 1, 9)
    grid = session_grid(CALENDAR, present(start, end), start, end)
    assert [w.monday for w in grid.weeks] == [date(2025, 12, 15), date(2025, 12, 22), INSET_WEEK]
    assert grid.weeks[1].holiday == "school holiday"
    assert grid.weeks[1].last_day == date(2026, 1, 2)
    assert grid.weeks[2].cells[0] == Cell("INSET", 2, "closed")


def test_gaps_off_roll_days_and_days_to_come_are_told_apart() -> None:
    start = date(2025, 9, 3)
    marks = present(start, date(2025, 9, 9))
    del marks[date(2025, 9, 9), "PM"]
    grid = session_grid(CALENDAR, marks, start, date(2025, 9, 10), on_roll_from=date(2025, 9, 4))
    first, second = grid.weeks
    assert first.cells[2] == Cell("Off roll", 2, "closed")  # Wednesday 3rd, before admission
    assert second.cells[3] == Cell("–", 1, "no_mark")  # Tuesday 9th, afternoon
    assert second.cells[-2:] == (Cell("", 2, "to_come"), Cell("", 2, "to_come"))
    assert second.cells[4:6] == (Cell("–", 1, "no_mark"), Cell("–", 1, "no_mark"))  # today
    assert ("–", "no mark in the register for this session") in grid.markers
