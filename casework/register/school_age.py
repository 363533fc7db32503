"""Compulsory school age (s8 Education Act 1996): when a child's schooling may be enforced."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

# The prescribed days: compulsory school age starts on the first of them on or after the
# child's fifth birthday.
PRESCRIBED_DAYS = ((3, 31), (8, 31), (12, 31))


def _birthday(born: date, age: int) -> date:
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # born on 29 February
        return date(born.year + age, 3, 1)


# Pure functions of a birth date, asked for each pupil by every rule of a sweep: kept.
@lru_cache(maxsize=16_384)
def compulsory_from(born: date) -> date:
    """The first prescribed day (31 March, 31 August, 31 December) on or after the fifth
    birthday."""
    fifth = _birthday(born, 5)
    for year in (fifth.year, fifth.year + 1):
        for month, day in PRESCRIBED_DAYS:
            if date(year, month, day) >= fifth:
                return date(year, month, day)
    raise AssertionError("unreachable: 31 March of the next year always follows")


@lru_cache(maxsize=16_384)
def compulsory_until(born: date) -> date:
    """The school leaving date of the school year in which the child turns 16: the last
    Friday in June of that school year (a school year runs from 1 September)."""
    sixteenth = _birthday(born, 16)
    year = sixteenth.year if sixteenth.month < 9 else sixteenth.year + 1
    last = date(year, 6, 30)
    return last - timedelta(days=(last.weekday() - 4) % 7)


def of_compulsory_school_age(born: date | None, day: date) -> bool:
    """Whether a child born on `born` is of compulsory school age on `day` (False unknown)."""
    return born is not None and compulsory_from(born) <= day <= compulsory_until(born)


def age_on(born: date, day: date) -> int:
    """Age in whole years on `day`."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def dfe_population_day(year_start: date) -> date:
    """The 31 August before a school year starts: the day DfE absence statistics take ages."""
    return date(year_start.year if year_start.month >= 9 else year_start.year - 1, 8, 31)


def in_dfe_population(born: date | None, year_start: date) -> bool:
    """Whether DfE persistent and severe absence figures count this pupil: aged 5 to 15 on the
    31 August before the school year starts."""
    return born is not None and 5 <= age_on(born, dfe_population_day(year_start)) <= 15
