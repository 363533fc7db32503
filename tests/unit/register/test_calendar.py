"""The school calendar for a full 2025/26 academic year."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.register.calendar import (
    AcademicYear,
    HalfTerm,
    SchoolCalendar,
    Session,
    academic_year_label,
    monday_of,
    nth_working_day_after,
)
from casework.register.school import Term
from tests.support.calendar import AUTUMN, INSET, SPRING, SUMMER, TWO_YEARS
from tests.support.dates import d

# given out of order on purpose: the calendar sorts its terms
CAL = SchoolCalendar([SUMMER, AUTUMN, SPRING])

EARLY_MAY = date(2026, 5, 4)  # early May bank holiday, inside the Summer term
SPRING_BANK = date(2026, 5, 25)  # spring bank holiday, inside the Summer half term


def oracle_is_school_day(day: date) -> bool:
    """Independent of the module: a weekday in a term, not in its half term, not closed."""
    if day.weekday() >= 5 or day in (INSET, EARLY_MAY, SPRING_BANK):
        return False
    for term in (AUTUMN, SPRING, SUMMER):
        assert term.half_term is not None
        if term.start <= day <= term.end:
            return not term.half_term.start <= day <= term.half_term.end
    return False


YEAR = [date(2025, 8, 1) + timedelta(days=i) for i in range(365)]
ORACLE_DAYS = [day for day in YEAR if oracle_is_school_day(day)]


def first_on_or_after(day: date) -> date | None:
    return next((x for x in ORACLE_DAYS if x >= day), None)


def last_on_or_before(day: date) -> date | None:
    return next((x for x in reversed(ORACLE_DAYS) if x <= day), None)


# -- school days ---------------------------------------------------------------------------


def test_bank_holidays_known() -> None:
    assert EARLY_MAY in CAL.bank_holidays
    assert SPRING_BANK in CAL.bank_holidays
    assert date(2025, 12, 25) in CAL.bank_holidays


@pytest.mark.parametrize(
    "day",
    [
        "2025-09-01",  # before the first term
        "2025-09-02",
        "2025-09-06",  # Saturday
        "2025-09-07",  # Sunday
        "2025-10-27",  # half term
        "2025-10-29",
        "2025-10-31",
        "2025-12-22",  # Christmas holiday
        "2025-12-25",
        "2026-01-01",
        "2026-01-05",  # INSET
        "2026-02-16",  # half term
        "2026-02-20",
        "2026-04-06",  # Easter Monday, in the Easter holiday
        "2026-05-04",  # early May bank holiday
        "2026-05-25",  # spring bank holiday, in half term
        "2026-05-29",
        "2026-07-23",  # after the last term
        "2026-07-25",
    ],
)
def test_not_school_days(day: str) -> None:
    assert not CAL.is_school_day(d(day))
    with pytest.raises(KeyError):
        CAL.day_index(d(day))


@pytest.mark.parametrize(
    "day",
    [
        "2025-09-03",
        "2025-10-24",
        "2025-11-03",
        "2025-12-19",
        "2026-01-06",
        "2026-02-13",
        "2026-02-23",
        "2026-03-27",
        "2026-04-13",
        "2026-05-01",
        "2026-05-05",
        "2026-05-22",
        "2026-06-01",
        "2026-07-22",
    ],
)
def test_school_days(day: str) -> None:
    assert CAL.is_school_day(d(day))
    assert CAL.days[CAL.day_index(d(day))] == d(day)


def test_every_day_of_the_year_agrees_with_the_oracle() -> None:
    assert CAL.days == ORACLE_DAYS
    for day in YEAR:
        assert CAL.is_school_day(day) is oracle_is_school_day(day), day


def test_school_day_count() -> None:
    # Autumn 3 Sep - 19 Dec 2025: Wed-Fri of the first week (3) + 7 full weeks to 24 Oct (35)
    #   + 7 full weeks 3 Nov - 19 Dec (35) = 73.
    # Spring 5 Jan - 27 Mar 2026: 6 weeks to 13 Feb (30) less INSET 5 Jan (29)
    #   + 5 weeks 23 Feb - 27 Mar (25) = 54.
    # Summer 13 Apr - 22 Jul 2026: 6 weeks to 22 May (30) less 4 May bank holiday (29)
    #   + 7 weeks 1 Jun - 17 Jul (35) + Mon-Wed 20-22 Jul (3) = 67.
    # Total 73 + 54 + 67 = 194 days, 388 sessions.
    assert len(CAL.school_days(AUTUMN.start, AUTUMN.end)) == 73
    assert len(CAL.school_days(SPRING.start, SPRING.end)) == 54
    assert len(CAL.school_days(SUMMER.start, SUMMER.end)) == 67
    assert len(CAL.days) == 194
    assert len(CAL.sessions(date(2025, 8, 1), date(2026, 8, 31))) == 388
    assert CAL.first_day == d("2025-09-03")
    assert CAL.last_day == d("2026-07-22")


def test_covers() -> None:
    assert CAL.covers(d("2025-09-03"))
    assert CAL.covers(d("2025-12-25"))  # a holiday between terms is inside the calendar
    assert CAL.covers(d("2026-07-22"))
    assert not CAL.covers(d("2025-09-02"))
    assert not CAL.covers(d("2026-07-23"))


def test_empty_calendar_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one term"):
        SchoolCalendar([])


def test_school_days_range() -> None:
    assert CAL.school_days(d("2025-10-23"), d("2025-11-04")) == [
        d("2025-10-23"),
        d("2025-10-24"),
        d("2025-11-03"),
        d("2025-11-04"),
    ]
    assert CAL.school_days(d("2025-10-25"), d("2025-11-02")) == []
    assert CAL.school_days(d("2025-11-04"), d("2025-11-03")) == []


# -- sessions ------------------------------------------------------------------------------


def test_sessions_in_register_order_across_half_term() -> None:
    assert CAL.sessions(d("2025-10-24"), d("2025-11-03")) == [
        (d("2025-10-24"), Session.AM),
        (d("2025-10-24"), Session.PM),
        (d("2025-11-03"), Session.AM),
        (d("2025-11-03"), Session.PM),
    ]


def test_sessions_single_day_and_none() -> None:
    assert CAL.sessions(d("2026-05-05"), d("2026-05-05")) == [
        (d("2026-05-05"), Session.AM),
        (d("2026-05-05"), Session.PM),
    ]
    assert CAL.sessions(EARLY_MAY, EARLY_MAY) == []
    assert CAL.sessions(d("2025-09-06"), d("2025-09-07")) == []
    assert CAL.sessions(d("2025-11-04"), d("2025-11-03")) == []
    assert [s.value for s in (Session.AM, Session.PM)] == ["AM", "PM"]


# -- nth school day ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        ("2026-01-06", 1, "2025-12-19"),  # 5 Jan is INSET: back over Christmas
        ("2026-01-07", 2, "2025-12-19"),
        ("2025-11-03", 1, "2025-10-24"),  # over the half term
        ("2025-11-04", 3, "2025-10-23"),
        ("2025-10-29", 1, "2025-10-24"),  # from inside the half term
        ("2026-05-05", 1, "2026-05-01"),  # over the early May bank holiday
        (EARLY_MAY.isoformat(), 1, "2026-05-01"),  # from the bank holiday itself
        ("2026-06-01", 1, "2026-05-22"),  # over half term and the spring bank holiday
        ("2026-04-13", 1, "2026-03-27"),  # term boundary over Easter
        ("2025-09-05", 2, "2025-09-03"),
        ("2026-08-15", 1, "2026-07-22"),  # after the calendar
    ],
)
def test_nth_school_day_before(day: str, n: int, expected: str) -> None:
    assert CAL.nth_school_day_before(d(day), n) == d(expected)


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        ("2025-12-19", 1, "2026-01-06"),  # 5 Jan is INSET
        ("2025-12-24", 1, "2026-01-06"),  # from inside the holiday
        ("2025-10-24", 1, "2025-11-03"),  # over the half term
        ("2025-10-24", 2, "2025-11-04"),
        ("2025-10-29", 1, "2025-11-03"),  # from inside the half term
        ("2026-05-01", 1, "2026-05-05"),  # over the bank holiday
        (EARLY_MAY.isoformat(), 1, "2026-05-05"),
        ("2026-05-22", 1, "2026-06-01"),  # over half term and the spring bank holiday
        ("2026-03-27", 1, "2026-04-13"),  # term boundary
        ("2025-08-01", 1, "2025-09-03"),  # before the calendar
        ("2026-07-20", 2, "2026-07-22"),
        ("2025-09-03", 5, "2025-09-10"),
    ],
)
def test_nth_school_day_after(day: str, n: int, expected: str) -> None:
    assert CAL.nth_school_day_after(d(day), n) == d(expected)


@pytest.mark.parametrize(
    ("day", "n"),
    [("2025-09-03", 1), ("2025-09-05", 3), ("2025-08-01", 1), ("2026-07-22", 194)],
)
def test_nth_school_day_before_runs_off_the_calendar(day: str, n: int) -> None:
    with pytest.raises(ValueError, match=f"fewer than {n} school days before"):
        CAL.nth_school_day_before(d(day), n)


@pytest.mark.parametrize(
    ("day", "n"),
    [("2026-07-22", 1), ("2026-07-20", 3), ("2026-08-01", 1), ("2025-09-03", 194)],
)
def test_nth_school_day_after_runs_off_the_calendar(day: str, n: int) -> None:
    with pytest.raises(ValueError, match=f"fewer than {n} school days after"):
        CAL.nth_school_day_after(d(day), n)


def test_nth_school_day_edges_of_the_calendar() -> None:
    assert CAL.nth_school_day_before(d("2026-07-23"), 194) == d("2025-09-03")
    assert CAL.nth_school_day_after(d("2025-09-02"), 194) == d("2026-07-22")


@pytest.mark.parametrize("n", [0, -1])
def test_nth_school_day_needs_positive_n(n: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        CAL.nth_school_day_before(d("2025-11-03"), n)
    with pytest.raises(ValueError, match="at least 1"):
        CAL.nth_school_day_after(d("2025-11-03"), n)


# -- school weeks --------------------------------------------------------------------------


def test_school_weeks() -> None:
    # Autumn 15 weeks (1 Sep .. 15 Dec, less half term), Spring 11, Summer 14.
    weeks = CAL.school_weeks
    assert len(weeks) == 40
    assert weeks[0] == d("2025-09-01")
    assert weeks[-1] == d("2026-07-20")
    assert all(w.weekday() == 0 for w in weeks)
    assert d("2025-10-27") not in weeks
    assert d("2026-05-25") not in weeks


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        ("2025-10-29", None),  # half-term week
        ("2025-10-27", None),
        ("2026-02-18", None),
        ("2026-05-27", None),  # half-term week with the spring bank holiday
        ("2025-12-24", None),  # Christmas holiday
        ("2026-08-05", None),
        ("2026-05-04", "2026-05-04"),  # bank holiday Monday: still a school week
        ("2026-05-06", "2026-05-04"),
        ("2026-05-10", "2026-05-04"),  # Sunday of that week
        ("2026-01-05", "2026-01-05"),  # INSET Monday
        ("2026-01-07", "2026-01-05"),
        ("2025-09-01", "2025-09-01"),  # first week: school from Wednesday
        ("2025-09-06", "2025-09-01"),
        ("2026-07-24", "2026-07-20"),  # last week ends on Wednesday
    ],
)
def test_school_week(day: str, monday: str | None) -> None:
    assert CAL.school_week(d(day)) == (d(monday) if monday else None)


def test_monday_of() -> None:
    assert monday_of(d("2026-05-10")) == d("2026-05-04")
    assert monday_of(d("2026-05-04")) == d("2026-05-04")


def test_last_school_weeks_skip_christmas_and_half_term() -> None:
    assert CAL.last_school_weeks(d("2026-03-04"), 10) == [
        d("2025-12-08"),
        d("2025-12-15"),
        # 22 and 29 Dec: Christmas holiday
        d("2026-01-05"),
        d("2026-01-12"),
        d("2026-01-19"),
        d("2026-01-26"),
        d("2026-02-02"),
        d("2026-02-09"),
        # 16 Feb: half term
        d("2026-02-23"),
        d("2026-03-02"),
    ]


def test_last_school_weeks_from_a_holiday_and_at_the_start() -> None:
    assert CAL.last_school_weeks(d("2026-02-18"), 3) == [
        d("2026-01-26"),
        d("2026-02-02"),
        d("2026-02-09"),
    ]
    assert CAL.last_school_weeks(d("2025-09-10"), 10) == [d("2025-09-01"), d("2025-09-08")]
    assert CAL.last_school_weeks(d("2025-08-20"), 10) == []
    assert CAL.last_school_weeks(d("2026-03-04"), 0) == []


def test_school_weeks_window() -> None:
    assert CAL.school_weeks_window(d("2026-03-04"), 10) == (d("2025-12-08"), d("2026-03-04"))
    # from a half-term day: clipped to the last school day before it
    assert CAL.school_weeks_window(d("2026-02-18"), 2) == (d("2026-02-02"), d("2026-02-13"))
    # the INSET Monday is not a school day, so the week starts on Tuesday
    assert CAL.school_weeks_window(d("2026-01-07"), 1) == (d("2026-01-06"), d("2026-01-07"))
    # the week of the early May bank holiday starts on Tuesday
    assert CAL.school_weeks_window(d("2026-05-08"), 1) == (d("2026-05-05"), d("2026-05-08"))
    assert CAL.school_weeks_window(d("2025-08-01"), 10) is None
    # Monday 1 Sep is in a school week but before its first school day
    assert CAL.school_weeks_window(d("2025-09-01"), 1) is None
    assert CAL.school_weeks_window(d("2025-09-03"), 1) == (d("2025-09-03"), d("2025-09-03"))


# -- terms and half terms ------------------------------------------------------------------


def test_terms_sorted() -> None:
    assert [t.name for t in CAL.terms] == ["Autumn", "Spring", "Summer"]


@pytest.mark.parametrize(
    ("day", "term"),
    [
        ("2025-09-03", "Autumn"),
        ("2025-10-29", "Autumn"),  # half term is inside its term
        ("2025-12-19", "Autumn"),
        ("2026-01-05", "Spring"),
        ("2026-05-25", "Summer"),
        ("2026-07-22", "Summer"),
        ("2025-09-02", None),
        ("2025-12-24", None),
        ("2026-04-01", None),
        ("2026-07-23", None),
    ],
)
def test_term_of(day: str, term: str | None) -> None:
    found = CAL.term_of(d(day))
    assert (found.name if found else None) == term


def test_half_terms() -> None:
    names = [h.name for h in CAL.half_terms]
    assert names == ["Autumn 1", "Autumn 2", "Spring 1", "Spring 2", "Summer 1", "Summer 2"]
    first_and_last = [
        (CAL.school_days(h.start, h.end)[0], CAL.school_days(h.start, h.end)[-1])
        for h in CAL.half_terms
    ]
    assert first_and_last == [
        (d("2025-09-03"), d("2025-10-24")),
        (d("2025-11-03"), d("2025-12-19")),
        (d("2026-01-06"), d("2026-02-13")),
        (d("2026-02-23"), d("2026-03-27")),
        (d("2026-04-13"), d("2026-05-22")),
        (d("2026-06-01"), d("2026-07-22")),
    ]
    assert CAL.half_terms[0] == HalfTerm("Autumn 1", d("2025-09-03"), d("2025-10-26"))
    assert CAL.half_terms[1] == HalfTerm("Autumn 2", d("2025-11-01"), d("2025-12-19"))
    # every school day is in exactly one half term
    for day in CAL.days:
        assert sum(h.start <= day <= h.end for h in CAL.half_terms) == 1


def test_term_without_half_term_is_one_half_term() -> None:
    cal = SchoolCalendar([Term("Summer", d("2026-04-13"), d("2026-05-22"))])
    assert cal.half_terms == [HalfTerm("Summer", d("2026-04-13"), d("2026-05-22"))]


@pytest.mark.parametrize(
    ("day", "half"),
    [
        ("2025-09-03", "Autumn 1"),
        ("2025-10-24", "Autumn 1"),
        ("2025-11-03", "Autumn 2"),
        ("2026-01-05", "Spring 1"),
        ("2026-03-27", "Spring 2"),
        ("2026-05-04", "Summer 1"),
        ("2026-06-01", "Summer 2"),
        ("2025-10-29", None),  # half-term break
        ("2026-05-25", None),
        ("2025-12-24", None),  # Christmas
        ("2026-04-06", None),  # Easter
        ("2025-08-20", None),
        ("2026-08-20", None),
    ],
)
def test_half_term_of(day: str, half: str | None) -> None:
    found = CAL.half_term_of(d(day))
    assert (found.name if found else None) == half


@pytest.mark.parametrize(
    ("day", "half", "term"),
    [
        ("2025-10-29", "Autumn 1", "Autumn"),  # half-term break: the half term just ended
        ("2025-12-24", "Autumn 2", "Autumn"),  # Christmas holiday
        ("2026-02-18", "Spring 1", "Spring"),
        ("2026-04-06", "Spring 2", "Spring"),  # Easter holiday
        ("2026-05-27", "Summer 1", "Summer"),
        ("2026-08-20", "Summer 2", "Summer"),  # summer holiday
        ("2025-11-03", "Autumn 2", "Autumn"),  # in term: the current one
        ("2025-08-20", None, None),  # before the calendar
    ],
)
def test_latest_half_term_and_term(day: str, half: str | None, term: str | None) -> None:
    found_half = CAL.latest_half_term(d(day))
    found_term = CAL.latest_term(d(day))
    assert (found_half.name if found_half else None) == half
    assert (found_term.name if found_term else None) == term


# -- academic year -------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["2025-09-03", "2025-12-24", "2026-01-05", "2026-07-22"])
def test_academic_year(day: str) -> None:
    assert CAL.academic_year(d(day)) == AcademicYear("2025/26", d("2025-09-03"), d("2026-07-22"))


def test_academic_year_outside_the_calendar() -> None:
    assert CAL.academic_year(d("2024-11-01")) is None
    assert CAL.academic_year(d("2026-09-10")) is None


@pytest.mark.parametrize(
    ("day", "label"),
    [
        ("2025-09-01", "2025/26"),
        ("2026-01-01", "2025/26"),
        ("2026-07-31", "2025/26"),
        ("2099-09-01", "2099/00"),
        ("2009-10-01", "2009/10"),
    ],
)
def test_academic_year_label(day: str, label: str) -> None:
    assert academic_year_label(d(day)) == label


# -- counting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        ("2025-10-24", "2025-11-03", 1),  # over half term: only 3 Nov
        ("2025-09-03", "2025-09-05", 2),  # after start, up to and including end
        ("2025-09-03", "2025-09-03", 0),
        ("2025-11-03", "2025-10-24", 0),  # reversed
        ("2025-12-19", "2026-01-06", 1),  # over Christmas and INSET
        ("2026-05-01", "2026-05-05", 1),  # over the bank holiday
        ("2025-10-25", "2025-11-02", 0),  # within a break
        ("2025-08-01", "2026-08-31", 194),
        ("2025-09-02", "2025-09-03", 1),
    ],
)
def test_school_days_between(start: str, end: str, count: int) -> None:
    assert CAL.school_days_between(d(start), d(end)) == count


# -- properties ----------------------------------------------------------------------------

DATES = st.dates(min_value=date(2025, 8, 15), max_value=date(2026, 8, 15))
NS = st.integers(min_value=1, max_value=20)


@given(DATES, NS)
def test_nth_before_then_after_lands_on_first_school_day_on_or_after(day: date, n: int) -> None:
    # Holds for non-school days too: the n-th school day before a holiday is counted from
    # the first school day after it, so coming back n days lands on that day, not on `day`.
    target = first_on_or_after(day)
    earlier = [x for x in ORACLE_DAYS if x < day]
    if len(earlier) < n:
        with pytest.raises(ValueError):
            CAL.nth_school_day_before(day, n)
        return
    before = CAL.nth_school_day_before(day, n)
    if target is None:  # after the last school day: there is no way forward
        with pytest.raises(ValueError):
            CAL.nth_school_day_after(before, n)
        return
    assert before == earlier[-n]
    assert CAL.nth_school_day_after(before, n) == target
    if CAL.is_school_day(day):
        assert target == day


@given(DATES, NS)
def test_nth_after_then_before_lands_on_last_school_day_on_or_before(day: date, n: int) -> None:
    target = last_on_or_before(day)
    later = [x for x in ORACLE_DAYS if x > day]
    if len(later) < n:
        with pytest.raises(ValueError):
            CAL.nth_school_day_after(day, n)
        return
    after = CAL.nth_school_day_after(day, n)
    if target is None:  # before the first school day: there is no way back
        with pytest.raises(ValueError):
            CAL.nth_school_day_before(after, n)
        return
    assert after == later[n - 1]
    assert CAL.nth_school_day_before(after, n) == target


@given(DATES, DATES)
def test_school_days_between_counts_school_days_after_start_up_to_end(a: date, b: date) -> None:
    assert CAL.school_days_between(a, b) == sum(1 for x in ORACLE_DAYS if a < x <= b)


# -- two school years: school days run on across the summer ----------------------------------


def test_school_days_run_on_across_the_summer_into_the_next_school_year() -> None:
    assert TWO_YEARS.nth_school_day_after(d("2026-07-22"), 1) == d("2026-09-03")
    assert TWO_YEARS.school_days_between(d("2026-07-13"), d("2026-09-18")) == 19
    assert TWO_YEARS.academic_year(d("2026-09-18")).label == "2026/27"  # type: ignore[union-attr]
    assert TWO_YEARS.academic_year(d("2026-07-31")).label == "2025/26"  # type: ignore[union-attr]
    assert [y.label for y in TWO_YEARS.academic_years] == ["2025/26", "2026/27"]
    # The summer break is no school week.
    assert TWO_YEARS.school_week(d("2026-08-12")) is None


# -- working days (issue 8, item 5: service of a penalty notice by post) --------------------


@pytest.mark.parametrize(
    ("posted", "second"),
    [
        ("2026-04-17", "2026-04-21"),  # Friday: Monday, then Tuesday
        ("2026-04-15", "2026-04-17"),  # Wednesday: Friday
        ("2026-05-01", "2026-05-06"),  # Friday before the early May bank holiday
        ("2026-04-02", "2026-04-08"),  # Thursday before Good Friday and Easter Monday
        ("2025-12-24", "2025-12-30"),  # Christmas Eve: Christmas and Boxing Day are off
        ("2026-12-31", "2027-01-05"),  # New Year's Eve: New Year's Day, then a weekend
        ("2026-03-27", "2026-03-31"),  # school holidays are working days
    ],
)
def test_the_second_working_day_after_posting(posted: str, second: str) -> None:
    assert nth_working_day_after(date.fromisoformat(posted), 2) == date.fromisoformat(second)


def test_working_days_count_from_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        nth_working_day_after(date(2026, 4, 17), 0)
