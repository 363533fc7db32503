"""Compulsory school age: from the prescribed day after the fifth birthday to the leaving date."""

from __future__ import annotations

from datetime import date

import pytest

from casework.register.school_age import (
    compulsory_from,
    compulsory_until,
    in_dfe_population,
    of_compulsory_school_age,
)


@pytest.mark.parametrize(
    ("born", "starts"),
    [
        (date(2020, 9, 15), date(2025, 12, 31)),  # five in September: from 31 December
        (date(2021, 1, 5), date(2026, 3, 31)),  # five in January: from 31 March
        (date(2021, 5, 1), date(2026, 8, 31)),  # five in May: from 31 August
        (date(2020, 8, 31), date(2025, 8, 31)),  # five on a prescribed day: that day
        (date(2020, 2, 29), date(2025, 3, 31)),  # a leap-day birthday counts from 1 March
    ],
)
def test_compulsory_school_age_starts_on_the_prescribed_day_on_or_after_the_fifth_birthday(
    born: date, starts: date
) -> None:
    assert compulsory_from(born) == starts


@pytest.mark.parametrize(
    ("born", "ends"),
    [
        (date(2010, 1, 5), date(2026, 6, 26)),  # sixteen in January 2026: June 2026
        (date(2010, 7, 10), date(2026, 6, 26)),  # sixteen in the summer holiday: the same
        (date(2010, 9, 15), date(2027, 6, 25)),  # sixteen in September: the next June
    ],
)
def test_it_ends_on_the_last_friday_in_june_of_the_school_year_the_child_turns_16(
    born: date, ends: date
) -> None:
    assert compulsory_until(born) == ends
    assert ends.weekday() == 4


def test_a_child_is_of_compulsory_school_age_only_between_those_days() -> None:
    born = date(2020, 9, 15)
    assert not of_compulsory_school_age(born, date(2025, 12, 30))
    assert of_compulsory_school_age(born, date(2025, 12, 31))
    assert of_compulsory_school_age(born, compulsory_until(born))
    assert not of_compulsory_school_age(born, date(2037, 7, 1))  # sixteen in September 2036
    assert not of_compulsory_school_age(None, date(2026, 1, 1))


def test_dfe_counts_pupils_aged_5_to_15_on_the_31_august_before_the_year() -> None:
    start = date(2025, 9, 3)
    assert not in_dfe_population(date(2020, 9, 1), start)  # four on 31 August 2025
    assert in_dfe_population(date(2020, 8, 31), start)  # five that day
    assert in_dfe_population(date(2009, 9, 1), start)  # fifteen
    assert not in_dfe_population(date(2009, 8, 31), start)  # sixteen on 31 August 2025
    assert not in_dfe_population(None, start)
