"""Attendance statistics for a pupil or for the cohorts of a school, over any date range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select

from casework.register.school_age import dfe_population_day, in_dfe_population
from casework.register.statistics import CohortStats, PupilStats, cohort_stats, pupil_stats
from casework.services.errors import PupilNotFoundError, RangeError
from casework.services.reach import Actor, visible_to
from casework.services.register.school_register import load_register
from casework.services.register.schools import SchoolContext, find_school, school_context
from casework.store.database import Database
from casework.store.models import Pupil, School
from casework.store.projection import pupil_window, pupil_years
from casework.text import long_date


def default_start(school: SchoolContext, as_of: date) -> date:
    """The start of the academic year of `as_of` (statistics are year to date by default)."""
    year = school.calendar.academic_year(as_of)
    return year.start if year else school.calendar.first_day


def pupil_statistics(
    db: Database,
    upn: str,
    as_of: date,
    start: date | None = None,
    urn: str | None = None,
    *,
    who: Actor,
) -> tuple[SchoolContext, PupilStats]:
    """One pupil's statistics from `start` (default: the academic year's start) to `as_of`."""
    report = pupil_report(db, upn, as_of, start, urn, who=who)
    return report.school, report.stats


@dataclass(frozen=True, slots=True)
class PupilReport:
    """A pupil's statistics with whom and what days they count: the first and last day used."""

    school: SchoolContext
    upn: str
    pupil_name: str
    start: date
    as_of: date
    stats: PupilStats


def check_in_calendar(school: SchoolContext, day: date, what: str = "as of") -> None:
    """Refuse a day the school's calendar does not reach: its figures would be counted over
    another day than the one asked for (the last school day, or none at all)."""
    calendar = school.calendar
    if not calendar.covers(day):
        first, last = calendar.terms[0].start, calendar.terms[-1].end
        raise RangeError(
            f"{what} {day} is outside the calendar of school {school.urn} {school.name} "
            f"({long_date(first)} to {long_date(last)})"
        )


def _first_day(
    school: SchoolContext, start: date | None, as_of: date, within_calendar: bool
) -> date:
    """The first day figures count from (the academic year's start unless given), after
    checking the range: not backwards, and inside the calendar when `within_calendar`."""
    if within_calendar:
        check_in_calendar(school, as_of)
        if start is not None:
            check_in_calendar(school, start, "from")
    first = start or default_start(school, as_of)
    if first > as_of:
        raise RangeError(f"the start {first} is after {as_of}")
    return first


def pupil_report(
    db: Database,
    upn: str,
    as_of: date,
    start: date | None = None,
    urn: str | None = None,
    *,
    who: Actor,
    within_calendar: bool = False,
) -> PupilReport:
    """One pupil's statistics from `start` (default: the academic year's start) to `as_of`;
    with `within_calendar`, a day outside the school's calendar is refused (RangeError)."""
    with db.transaction() as session:
        query = select(Pupil).where(Pupil.upn == upn, visible_to(who, Pupil))
        if urn is not None:
            query = query.where(Pupil.school_id == find_school(session, urn, who).id)
        found = list(session.scalars(query))
        if not found:
            raise PupilNotFoundError(upn)
        if len(found) > 1:
            raise PupilNotFoundError(
                upn, f"UPN {upn} is on roll at more than one school", several=True
            )
        pupil = found[0]
        name = f"{pupil.forename} {pupil.surname}".strip()
        school = school_context(session.get_one(School, pupil.school_id))
        start = _first_day(school, start, as_of, within_calendar)
        # This pupil's school years alone (the sweep reads the whole school's).
        years = pupil_years(session, pupil.id, start, as_of)
        register = pupil_window(school.calendar, start, as_of, upn, years)
        register.clear_outside(0, pupil.admission_date, pupil.leaving_date)
    stats = pupil_stats(register, 0, school.policy)
    return PupilReport(school, upn, name, start, as_of, stats)


@dataclass(frozen=True, slots=True)
class CohortReport:
    school_urn: str
    start: date
    as_of: date
    cohorts: dict[str, CohortStats]
    population: str = ""  # whom persistent and severe absence count, in words

    def as_dict(self) -> dict[str, Any]:
        return {
            "school": self.school_urn,
            "from": self.start.isoformat(),
            "as_of": self.as_of.isoformat(),
            "population": self.population,
            "cohorts": {name: stats.as_dict() for name, stats in self.cohorts.items()},
        }


def _year_key(year_group: str) -> tuple[int, str]:
    return (int(year_group), "") if year_group.isdigit() else (-1, year_group)


def cohort_statistics(
    db: Database,
    as_of: date,
    start: date | None = None,
    urn: str | None = None,
    *,
    who: Actor,
    within_calendar: bool = False,
) -> CohortReport:
    """Whole school, each year group, pupil premium and SEND cohorts (pupils on roll in range);
    with `within_calendar`, a day outside the school's calendar is refused (RangeError)."""
    with db.transaction() as session:
        school = school_context(find_school(session, urn, who))
    start = _first_day(school, start, as_of, within_calendar)
    loaded = load_register(db, school, start, as_of)
    pupils = loaded.pupils
    on_roll = np.array(
        [
            (p.admission_date is None or p.admission_date <= as_of)
            and (p.leaving_date is None or p.leaving_date >= start)
            for p in pupils
        ],
        dtype=bool,
    )

    def rows(predicate: Any) -> Any:
        return np.flatnonzero(on_roll & np.array([bool(predicate(p)) for p in pupils], dtype=bool))

    policy = school.policy
    register = loaded.register
    # DfE counts persistent and severe absence among pupils aged 5 to 15 on the 31 August
    # before the school year; each year group's own row counts all its pupils.
    year = school.calendar.academic_year(start)
    year_start = year.start if year else start
    counted = np.array([in_dfe_population(p.date_of_birth, year_start) for p in pupils], bool)

    def group(members: Any) -> CohortStats:
        return cohort_stats(register, members, policy, counted=counted)

    cohorts: dict[str, CohortStats] = {"whole school": group(np.flatnonzero(on_roll))}
    for year_group in sorted({p.year_group for p in pupils}, key=_year_key):
        cohorts[f"year {year_group}"] = cohort_stats(
            register, rows(lambda p, y=year_group: p.year_group == y), policy
        )
    cohorts["pupil premium"] = group(rows(lambda p: p.pupil_premium))
    cohorts["not pupil premium"] = group(rows(lambda p: not p.pupil_premium))
    cohorts["SEND"] = group(rows(lambda p: p.send or p.ehcp))
    cohorts["not SEND"] = group(rows(lambda p: not (p.send or p.ehcp)))
    on = dfe_population_day(year_start)
    population = (
        f"persistent and severe absence count pupils aged 5 to 15 on {long_date(on)} (as DfE "
        "does); each year group's row counts all its pupils"
    )
    return CohortReport(school.urn, start, as_of, cohorts, population)
