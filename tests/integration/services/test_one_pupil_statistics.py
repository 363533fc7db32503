"""A pupil's statistics read from that pupil's school years alone are the figures the whole
school's register gives for them: in term, across holidays, before a leaving date and after it."""

from __future__ import annotations

from casework.register.statistics import pupil_stats
from casework.services.register.school_register import load_register
from casework.services.register.statistics import pupil_report
from casework.store.database import Database
from tests.support.actions import as_user
from tests.support.dates import d
from tests.support.world import AO, World


def test_one_pupil_read_gives_the_whole_school_read_figures(db: Database, world: World) -> None:
    pupils = [world.pupil(), world.pupil(leaving=d("2025-11-14")), world.pupil()]
    codes = ["N", "I", "M", "L", "G", "U", "C"]
    for n, upn in enumerate(pupils):
        last = d("2025-11-14") if n == 1 else d("2025-12-19")  # no marks once they have left
        days = world.calendar.school_days(d("2025-09-03"), last)
        world.marks(
            upn,
            days[0],
            days[-1],
            {day: codes[(i + n) % 7] for i, day in enumerate(days) if (i + n) % 5 == 0},
        )
    who = as_user(db, AO)
    for start, as_of in [
        (None, d("2025-12-19")),
        (d("2025-10-20"), d("2025-11-07")),
        (d("2025-11-01"), d("2025-12-05")),
    ]:
        for upn in pupils:
            report = pupil_report(db, upn, as_of, start, who=who)
            school = load_register(db, report.school, report.start, as_of)
            row = school.register.pupils.index(upn)
            assert report.stats == pupil_stats(school.register, row, report.school.policy), (
                upn,
                start,
                as_of,
            )
            assert report.stats.possible_sessions > 0 or upn == pupils[1]
