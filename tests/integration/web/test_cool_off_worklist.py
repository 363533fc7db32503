"""The worklist page and its JSON list a finding the sweep recorded on a concern closed as
improved and sustained, in its cool-off, instead of opening a new one (issue 10, item 11)."""

from __future__ import annotations

from html import unescape

from casework.services.daily_sweep import daily_sweep
from casework.store.database import Database
from tests.support.cool_off import COOL_OFF_ENDS, SECOND_BREACH_SWEPT, concern_closed
from tests.support.web import bearer, signed_in
from tests.support.world import AO, URN, World

STAFF = "Generated has 10 unauthorised sessions (G, N, O, U) in the last 10 school weeks"


def test_the_worklist_page_shows_the_finding_on_the_closed_concern(
    db: Database, world: World
) -> None:
    _pupil, closed = concern_closed(db, world, "improved_sustained")
    daily_sweep(db, SECOND_BREACH_SWEPT, URN)
    with signed_in(db, AO, SECOND_BREACH_SWEPT) as client:
        html = unescape(client.get("/").text)
    section = html.split("New findings", 1)[1].split("Cases with a step for you", 1)[0]
    assert f'href="/cases/{closed}"' in section
    assert STAFF in section
    assert "Closed as improved and sustained: in its cool-off, which ends on 16 Mar 2026" in (
        " ".join(section.split())
    )


def test_the_worklist_json_marks_the_finding_in_the_cool_off(db: Database, world: World) -> None:
    _pupil, closed = concern_closed(db, world, "improved_sustained")
    daily_sweep(db, SECOND_BREACH_SWEPT, URN)
    with signed_in(db, AO, SECOND_BREACH_SWEPT) as client:
        found = client.get("/api/worklist", headers=bearer(db, AO)).json()["findings"]
    cooling = [f for f in found if f["case"]["id"] == closed]
    assert cooling
    assert all(f["in_cool_off"] for f in cooling)
    assert {f["cool_off_ends"] for f in cooling} == {COOL_OFF_ENDS.isoformat()}
    assert all(f["in_cool_off"] is False for f in found if f["case"]["id"] != closed)
