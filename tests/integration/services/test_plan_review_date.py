"""An attendance plan is reviewed on the date the plan sets (issue 8, item 13), through the
case services on a real database."""

from __future__ import annotations

import pytest

from casework.machines.lifecycle import BlockedError, Unit, add_period
from casework.services import cases
from casework.store.database import Database
from tests.support.actions import fire
from tests.support.dates import d
from tests.support.escalations import concern_with_signed_plan
from tests.support.rows import cases_of, open_deadlines
from tests.support.world import AO, World


def test_the_review_is_due_on_the_date_given_when_the_plan_is_agreed(
    db: Database, world: World
) -> None:
    _pupil, cid = concern_with_signed_plan(db, world)
    agreed = add_period(world.calendar, d("2026-01-21"), 5, Unit.SCHOOL_WEEKS)
    fire(db, cid, "agree_plan", AO, "2026-01-21", review_date=agreed.isoformat())
    assert open_deadlines(db, cid) == {"plan_review": agreed}


def test_without_a_date_given_the_review_is_due_on_the_signed_plans_date(
    db: Database, world: World
) -> None:
    _pupil, cid = concern_with_signed_plan(db, world)
    plan_says = add_period(world.calendar, d("2026-01-21"), 4, Unit.SCHOOL_WEEKS)
    fire(db, cid, "agree_plan", AO, "2026-01-21")
    assert open_deadlines(db, cid) == {"plan_review": plan_says}


def test_a_review_date_outside_the_window_is_refused_and_changes_nothing(
    db: Database, world: World
) -> None:
    _pupil, cid = concern_with_signed_plan(db, world)
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
    _pupil, cid = concern_with_signed_plan(db, world)
    with pytest.raises(cases.CaseError, match=r"^review_date 'soon' is not a date in the form"):
        fire(db, cid, "agree_plan", AO, "2026-01-21", review_date="soon")
