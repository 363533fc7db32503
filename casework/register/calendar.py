"""The school calendar: school days, sessions, school weeks, terms and half terms."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cached_property

import holidays

from casework.register.school import Term


class Session(StrEnum):
    AM = "AM"
    PM = "PM"


SESSIONS = (Session.AM, Session.PM)


@dataclass(frozen=True, slots=True)
class HalfTerm:
    """A stretch of a term between its start, its half-term break and its end."""

    name: str
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class AcademicYear:
    """The terms from one September to the next August."""

    label: str  # "2025/26"
    start: date  # first day of the first term
    end: date  # last day of the last term


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def academic_year_label(day: date) -> str:
    first = day.year if day.month >= 8 else day.year - 1
    return f"{first}/{(first + 1) % 100:02d}"


class SchoolCalendar:
    """Answers calendar questions for one school from its terms and England's bank holidays."""

    def __init__(self, terms: tuple[Term, ...] | list[Term]) -> None:
        if not terms:
            raise ValueError("a school calendar needs at least one term")
        self.terms: tuple[Term, ...] = tuple(sorted(terms, key=lambda t: t.start))
        years = range(self.terms[0].start.year, self.terms[-1].end.year + 1)
        self.bank_holidays: dict[date, str] = dict(
            holidays.country_holidays("GB", subdiv="ENG", years=years)
        )
        days: list[date] = []
        for term in self.terms:
            closed = set(term.inset_days) | set(term.closures)
            day = term.start
            while day <= term.end:
                if (
                    day.weekday() < 5
                    and day not in closed
                    and day not in self.bank_holidays
                    and not (term.half_term and day in term.half_term)
                ):
                    days.append(day)
                day += timedelta(days=1)
        self._days: list[date] = days
        self._index: dict[date, int] = {d: i for i, d in enumerate(days)}

    # -- school days -------------------------------------------------------------------------

    @property
    def days(self) -> list[date]:
        """Every school day in the calendar, in order."""
        return self._days

    @property
    def first_day(self) -> date:
        return self._days[0]

    @property
    def last_day(self) -> date:
        return self._days[-1]

    def covers(self, day: date) -> bool:
        return self.terms[0].start <= day <= self.terms[-1].end

    def is_school_day(self, day: date) -> bool:
        return day in self._index

    def day_index(self, day: date) -> int:
        """Position of a school day in `days`; a KeyError for a non-school day."""
        return self._index[day]

    def index_on_or_before(self, day: date) -> int:
        """Index of the last school day on or before `day` (-1 if none)."""
        return bisect.bisect_right(self._days, day) - 1

    def index_on_or_after(self, day: date) -> int:
        """Index of the first school day on or after `day` (len(days) if none)."""
        return bisect.bisect_left(self._days, day)

    def school_days(self, start: date, end: date) -> list[date]:
        """School days from start to end inclusive."""
        return self._days[self.index_on_or_after(start) : self.index_on_or_before(end) + 1]

    def sessions(self, start: date, end: date) -> list[tuple[date, Session]]:
        """School sessions from start to end inclusive, in register order."""
        return [(d, s) for d in self.school_days(start, end) for s in SESSIONS]

    def nth_school_day_before(self, day: date, n: int) -> date:
        """The n-th school day before `day` (n=1 is the previous school day)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        index = self.index_on_or_after(day) - n
        if index < 0:
            raise ValueError(f"the calendar has fewer than {n} school days before {day}")
        return self._days[index]

    def nth_school_day_after(self, day: date, n: int) -> date:
        """The n-th school day after `day` (n=1 is the next school day)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        index = self.index_on_or_before(day) + n
        if index >= len(self._days):
            raise ValueError(f"the calendar has fewer than {n} school days after {day}")
        return self._days[index]

    def school_days_between(self, start: date, end: date) -> int:
        """How many school days lie after `start` up to and including `end`."""
        return max(0, self.index_on_or_before(end) - self.index_on_or_before(start))

    # -- school weeks ------------------------------------------------------------------------

    @cached_property
    def school_weeks(self) -> list[date]:
        """Mondays of every week with at least one school session, in order."""
        return sorted({monday_of(d) for d in self._days})

    def school_week(self, day: date) -> date | None:
        """The Monday of the school week `day` falls in, or None if that week has no school."""
        monday = monday_of(day)
        weeks = self.school_weeks
        i = bisect.bisect_left(weeks, monday)
        return monday if i < len(weeks) and weeks[i] == monday else None

    def last_school_weeks(self, day: date, n: int) -> list[date]:
        """Mondays of the last n school weeks up to and including the week of `day`."""
        weeks = self.school_weeks
        end = bisect.bisect_right(weeks, monday_of(day))
        return weeks[max(0, end - n) : end]

    def school_weeks_window(self, day: date, n: int) -> tuple[date, date] | None:
        """First and last school day of the last n school weeks up to `day` (clipped to it)."""
        weeks = self.last_school_weeks(day, n)
        if not weeks:
            return None
        first = self.index_on_or_after(weeks[0])
        last = self.index_on_or_before(day)
        if last < first:
            return None
        return self._days[first], self._days[last]

    # -- terms -------------------------------------------------------------------------------

    def term_of(self, day: date) -> Term | None:
        for term in self.terms:
            if term.start <= day <= term.end:
                return term
        return None

    @cached_property
    def half_terms(self) -> list[HalfTerm]:
        out: list[HalfTerm] = []
        for term in self.terms:
            if term.half_term is None:
                out.append(HalfTerm(term.name, term.start, term.end))
            else:
                out.append(
                    HalfTerm(f"{term.name} 1", term.start, term.half_term.start - timedelta(days=1))
                )
                out.append(
                    HalfTerm(f"{term.name} 2", term.half_term.end + timedelta(days=1), term.end)
                )
        return out

    def half_term_of(self, day: date) -> HalfTerm | None:
        """The half term a date falls in; None in holidays (including the half-term break)."""
        for half in self.half_terms:
            if half.start <= day <= half.end:
                return half
        return None

    def latest_half_term(self, day: date) -> HalfTerm | None:
        """The half term containing `day`, or the last one that ended before it."""
        found = None
        for half in self.half_terms:
            if half.start <= day:
                found = half
        return found

    def latest_term(self, day: date) -> Term | None:
        """The term containing `day`, or the last one that ended before it."""
        found = None
        for term in self.terms:
            if term.start <= day:
                found = term
        return found

    @cached_property
    def academic_years(self) -> list[AcademicYear]:
        """Every school year the terms cover (a school file may list more than one), in order;
        school days run on from one year's last day to the next year's first."""
        years: dict[str, AcademicYear] = {}
        for term in self.terms:  # sorted by start
            label = academic_year_label(term.start)
            first = years.get(label)
            years[label] = AcademicYear(label, first.start if first else term.start, term.end)
        return list(years.values())

    def academic_year(self, day: date) -> AcademicYear | None:
        """The academic year (September to August) of `day`, from the terms in that year."""
        label = academic_year_label(day)
        terms = [t for t in self.terms if academic_year_label(t.start) == label]
        if not terms:
            return None
        return AcademicYear(label, terms[0].start, terms[-1].end)


# -- working days (issue 8, item 5) ----------------------------------------------------------


def nth_working_day_after(day: date, n: int) -> date:
    """The n-th working day after `day`: Monday to Friday less England's bank holidays, whatever
    the school's terms (a notice posted first class is served on the second working day after
    posting, school holidays or not)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    bank = holidays.country_holidays("GB", subdiv="ENG", years=range(day.year, day.year + 2))
    found = 0
    while found < n:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in bank:
            found += 1
    return day
