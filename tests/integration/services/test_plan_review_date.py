"""An attendance plan is reviewed on the date the plan sets (issue 8, item 13), through the
case services on a real database."""

from __future__ import annotations

import pytest

from casework.machines.lifecycle import BlockedError, Unit, add_period
from casework.services import cases
from casework.services.daily_sweep import daily_sweep
from casework.store.database import Database
from tests.support.actions import evidence, fire
from tests.support.dates import d
from tests.support.escalations import O_WEEK
from tests.support.rows import cases_of, open_deadlines
from tests.support.world import AO, MOTHER, World


def concern_in_school_support(db: Database, world: World, review_date: str) -> int:
    """A concern in school-led support with a support meeting and a signed plan on file."""
    pupil = world.pupil()
    world.marks(pupil, d("2025-09-03"), d("2026-01-30"), O_WEEK)
    daily_sweep(db, d("2026-01-16"))
    (concern,) = cases_of(db, pupil, "attendance_concern")
    cid = int(concern["id"])
    evidence(db, cid, "contact_attempt", AO, "2026-01-19", channel="phone", contact=MOTHER,
             outcome="reached")  # fmt: skip
    fire(db, cid, "offer_support", AO, "2026-01-19")
    evidence(db, cid, "meeting", AO, "2026-01-21", purpose="school_support",
             attendees="mother, attendance lead", outcome="a morning routine")  # fmt: skip
    evidence(db, cid, "signed_plan", AO, "2026-01-21", plan="attendance_plan",
             signed_on="2026-01-21", review_date=review_date)  # fmt: skip
    return cid


def test_the_review_is_due_on_the_date_given_when_the_plan_is_agreed(
    db: Database, world: World
) -> None:
    plan_says = add_period(world.calendar, d("2026-01-21"), 4, Unit.SCHOOL_WEEKS)
    cid = concern_in_school_support(db, world, plan_says.isoformat())
    agreed = add_period(world.calendar, d("2026-01-21"), 5, Unit.SCHOOL_WEEKS)
    fire(db, cid, "agree_plan", AO, "2026-01-21", review_date=agreed.isoformat())
    assert open_deadlines(db, cid) == {"plan_review": agreed}


def test_without_a_date_given_the_review_is_due_on_the_signed_plans_date(
    db: Database, world: World
) -> None:
    plan_says = add_period(world.calendar, d("2026-01-21"), 4, Unit.SCHOOL_WEEKS)
    cid = concern_in_school_support(db, world, plan_says.isoformat())
    fire(db, cid, "agree_plan", AO, "2026-01-21")
    assert open_deadlines(db, cid) == {"plan_review": plan_says}


def test_a_review_date_outside_the_window_is_refused_and_changes_nothing(
    db: Database, world: World
) -> None:
    plan_says = add_period(world.calendar, d("2026-01-21"), 4, Unit.SCHOOL_WEEKS)
    cid = concern_in_school_support(db, world, plan_says.isoformat())
    with pytest.raises(BlockedError) as refused:
        fire(db, cid, "agree_plan", AO, "2026-01-21", review_date="2026-07-01")
    # 4 and 6 school weeks on from Wednesday 21 January, the February half term skipped.
    assert refused.value.reasons == [
        "the review date 1 July 2026 must fall between 25 February 2026 and 11 March 2026"
    ]
    assert open_deadlines(db, cid) == {}
    (concern,) = [c for c in cases_of(db, world.last_upn, "attendance_concern")]
    assert concern["state"] == "school_support"


def test_a_review_date_that_is_not_a_date_is_refused_in_one_line(
    db: Database, world: World
) -> None:
    plan_says = add_period(world.calendar, d("2026-01-21"), 4, Unit.SCHOOL_WEEKS)
    cid = concern_in_school_support(db, world, plan_says.isoformat())
    with pytest.raises(cases.CaseError, match=r"^review_date 'soon' is not a date in the form"):
        fire(db, cid, "agree_plan", AO, "2026-01-21", review_date="soon")
