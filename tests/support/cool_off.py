"""A concern opened by a penalty threshold breach and closed, with a second breach to come:
the cool-off tests' pupil (issue 10, item 11)."""

from __future__ import annotations

from datetime import date, timedelta

from casework.services.daily_sweep import daily_sweep
from casework.store.database import Database
from tests.support.actions import fire
from tests.support.world import AO, URN, World

CLOSED_ON = date(2026, 1, 26)  # a Monday, after the November breach stopped holding
SECOND_BREACH_SWEPT = date(2026, 2, 9)  # the Monday after the February breach
# Six school weeks on (the national [cool_off]), the February half term not counted.
COOL_OFF_ENDS = date(2026, 3, 16)


def unauthorised_week(world: World, monday: date) -> dict[date, str]:
    """Every session of a school week marked O: 10 sessions, the penalty threshold."""
    return dict.fromkeys(world.calendar.school_days(monday, monday + timedelta(days=4)), "O")


def two_breaches(world: World) -> str:
    """A pupil with a penalty threshold breach in November and another in February."""
    pupil = world.pupil()
    codes = unauthorised_week(world, date(2025, 11, 3)) | unauthorised_week(world, date(2026, 2, 2))
    world.marks(pupil, date(2025, 9, 3), date(2026, 3, 27), codes=codes)
    return pupil


def concern_closed(db: Database, world: World, outcome: str) -> tuple[str, int]:
    """The pupil's concern, opened by the November breach and closed with `outcome`."""
    pupil = two_breaches(world)
    opened = daily_sweep(db, date(2025, 11, 10), URN)
    (case_id,) = [c["case"] for c in opened.cases_opened if c["upn"] == pupil]
    fire(db, case_id, "close", AO, CLOSED_ON.isoformat(), outcome=outcome, note="back on track")
    return pupil, case_id
