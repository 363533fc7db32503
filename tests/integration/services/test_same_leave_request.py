"""A leave request for the same pupil and the same dates as one that is open or was granted is
refused, naming that request, and nothing is stored (issue 10, item 12). A request withdrawn,
or declined and over, leaves the dates free; other dates or another pupil are another request.
"""

from __future__ import annotations

from typing import Any

import pytest

from casework.services import cases
from casework.store.database import Database
from tests.support.actions import as_user, fire
from tests.support.dates import d
from tests.support.rows import Snapshot
from tests.support.world import AO, HEAD, MOTHER, World

MARCH = {"start": "2026-03-02", "end": "2026-03-06", "applicant": MOTHER}


def ask(db: Database, pupil: str, today: str = "2026-02-02", **details: Any) -> cases.CaseSummary:
    return cases.open_case(
        db,
        upn=pupil,
        kind="leave_request",
        who=as_user(db, AO),
        today=d(today),
        details={**MARCH, **details},
    )


def refused(db: Database, snapshot: Snapshot, pupil: str, **details: Any) -> str:
    before = snapshot(db)
    with pytest.raises(cases.CaseError) as caught:
        ask(db, pupil, "2026-02-05", **details)
    assert snapshot(db) == before
    return str(caught.value)


def test_the_same_dates_again_while_a_request_is_open_are_refused_naming_it(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    pupil = world.pupil()
    first = ask(db, pupil)
    assert refused(db, snapshot, pupil) == (
        f"{pupil} already has a leave of absence request for 2 March 2026 to 6 March 2026: "
        f"case {first.id} (submitted); nothing was opened"
    )
    # Asked again in other words (another reason, the day given apart): still the same dates.
    assert f"case {first.id} (submitted)" in refused(
        db, snapshot, pupil, reason="a wedding", requested_on="2026-02-04"
    )
    fire(db, first.id, "review", AO, "2026-02-03")
    assert f"case {first.id} (under review)" in refused(db, snapshot, pupil)


def test_the_same_dates_again_once_granted_are_refused(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    pupil = world.pupil()
    first = ask(db, pupil)
    fire(db, first.id, "review", AO, "2026-02-03")
    fire(db, first.id, "grant", HEAD, "2026-02-04", reason="a funeral abroad")
    assert f"case {first.id} (granted)" in refused(db, snapshot, pupil)


def test_the_same_dates_may_be_asked_for_again_once_a_request_is_withdrawn(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    first = ask(db, pupil)
    fire(db, first.id, "withdraw", AO, "2026-02-03", note="asked by mistake")
    again = ask(db, pupil, "2026-02-04")
    assert again.id != first.id


def test_other_dates_or_another_pupil_are_another_request(db: Database, world: World) -> None:
    pupil, sibling = world.pupil(), world.pupil()
    first = ask(db, pupil)
    longer = ask(db, pupil, end="2026-03-09")  # the same start, another end
    later = ask(db, pupil, start="2026-03-03")
    theirs = ask(db, sibling)
    assert len({first.id, longer.id, later.id, theirs.id}) == 4


def test_a_requested_on_that_is_not_a_date_is_refused_naming_it(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    pupil = world.pupil()
    message = refused(db, snapshot, pupil, requested_on="last week")
    assert message == "requested_on 'last week' is not a date in the form YYYY-MM-DD"
