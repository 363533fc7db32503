"""Cohort figures: persistent and severe absence count DfE's population, and say so."""

from __future__ import annotations

from datetime import date

from casework.services.access import users
from casework.services.register import statistics
from casework.store.database import Database
from tests.support.world import URN, World

AS_OF = date(2026, 1, 23)


def test_a_four_year_old_absent_half_the_time_is_not_counted_in_the_whole_school_figures(
    db: Database, world: World
) -> None:
    four = world.pupil(born=date(2021, 6, 1))  # four on 31 August 2025: reception
    ten = world.pupil()
    days = world.calendar.school_days(date(2025, 9, 3), AS_OF)
    world.marks(four, date(2025, 9, 3), AS_OF, codes=dict.fromkeys(days[::2], "O"))
    world.marks(ten, date(2025, 9, 3), AS_OF)
    report = statistics.cohort_statistics(db, AS_OF, urn=URN, who=users.system_actor(db))
    whole = report.cohorts["whole school"]
    assert whole.pupils == 2  # both count in the sessions and the attendance rate
    assert (whole.persistent_absentees, whole.severe_absentees) == (0, 0)
    assert whole.persistent_absence_rate == 0.0  # of the one pupil DfE counts
    # The year group's own row counts every pupil in it (both are in year 4 here).
    year = report.cohorts["year 4"]
    assert (year.persistent_absentees, year.severe_absentees) == (1, 1)
    assert "pupils aged 5 to 15 on 31 August 2025" in report.population
    assert report.as_dict()["population"] == report.population
