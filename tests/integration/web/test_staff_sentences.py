"""Staff screens say a finding in staff's words, naming the pupil; the parents' sentence stays
in the JSON beside it (issue 8, item 13). And a step's optional input is offered as such."""

from __future__ import annotations

from datetime import date
from html import unescape

from casework.services.daily_sweep import daily_sweep
from casework.store.database import Database
from tests.support.escalations import O_WEEK, concern_with_signed_plan
from tests.support.rows import cases_of
from tests.support.web import bearer, signed_in
from tests.support.world import AO, World

SWEPT = date(2026, 1, 16)
STAFF = "Pupil1 Generated has 10 unauthorised sessions (G, N, O, U) in the last 10 school weeks"
PARENTS = "Your child has 10 sessions of unauthorised absence in the last 10 school weeks"


def swept(db: Database, world: World) -> int:
    pupil = world.pupil()
    world.marks(pupil, date(2025, 9, 3), SWEPT, O_WEEK)
    daily_sweep(db, SWEPT)
    (concern,) = cases_of(db, pupil, "attendance_concern")
    return int(concern["id"])


def test_the_worklist_and_the_case_page_show_the_staff_sentence(db: Database, world: World) -> None:
    cid = swept(db, world)
    with signed_in(db, AO, SWEPT) as client:
        work = unescape(client.get("/").text)
        page = unescape(client.get(f"/cases/{cid}").text)
    for html in (work, page):
        assert STAFF in html
        assert PARENTS not in html


def test_the_worklist_json_keeps_the_parents_sentence_and_adds_the_staff_one(
    db: Database, world: World
) -> None:
    swept(db, world)
    with signed_in(db, AO, SWEPT) as client:
        work = client.get("/api/worklist", headers=bearer(db, AO)).json()
    (threshold,) = [f for f in work["findings"] if f["rule"] == "penalty_threshold"]
    assert threshold["reason"].startswith(PARENTS)
    assert threshold["staff_reason"].startswith(STAFF)


def test_agreeing_a_plan_offers_the_review_date_as_an_optional_field(
    db: Database, world: World
) -> None:
    _pupil, cid = concern_with_signed_plan(db, world)
    with signed_in(db, AO, date(2026, 1, 21)) as client:
        page = client.get(f"/cases/{cid}").text
    assert 'name="review_date"' in page
    assert "Review date (optional)" in page
