"""`POST /api/cases` opens a case by hand as `casework case open` does: 201 with the case; the
same leave dates again 422 naming the request they repeat, with nothing opened; a pupil out of
reach or a UPN typed wrong 404; a role that does not open cases 403 (issue 10, item 12)."""

from __future__ import annotations

from typing import Any

import pytest

from casework.services import cases
from tests.support.actions import as_user
from tests.support.web import bearer, signed_in
from tests.support.world import AO, LA, MOTHER, TEACHER, World

MARCH = {"start": "2026-03-02", "end": "2026-03-06", "applicant": MOTHER}


def leave(upn: str, **details: Any) -> dict[str, Any]:
    return {"upn": upn, "kind": "leave_request", "details": {**MARCH, **details}}


def cases_of(world: World, upn: str) -> list[int]:
    found = cases.list_cases(world.db, who=as_user(world.db, AO), include_closed=True)
    return [c.id for c in found if c.upn == upn]


def test_a_leave_request_opened_then_asked_for_again(world: World) -> None:
    db = world.db
    pupil = world.pupil()
    with signed_in(db, AO, world.calendar.first_day) as client:
        headers = bearer(db, AO)
        created = client.post("/api/cases", json=leave(pupil), headers=headers)
        assert created.status_code == 201, created.text
        case = created.json()
        assert (case["upn"], case["kind"], case["state"]) == (pupil, "leave_request", "submitted")

        again = client.post("/api/cases", json=leave(pupil, reason="again"), headers=headers)
    assert again.status_code == 422
    assert again.json()["error"] == (
        f"{pupil} already has a leave of absence request for 2 March 2026 to 6 March 2026: "
        f"case {case['id']} (submitted); nothing was opened"
    )
    assert cases_of(world, pupil) == [case["id"]]


@pytest.mark.parametrize("upn", ["B801200005001", "B80120000500", "A801200005001"])
def test_a_pupil_not_found_is_404(world: World, upn: str) -> None:
    db = world.db
    with signed_in(db, AO, world.calendar.first_day) as client:
        response = client.post("/api/cases", json=leave(upn), headers=bearer(db, AO))
    assert response.status_code == 404
    assert response.json()["error"] == "There is nothing here, or it is not yours to see."


@pytest.mark.parametrize("username", [TEACHER, LA])
def test_a_role_that_opens_no_case_is_refused(world: World, username: str) -> None:
    db = world.db
    pupil = world.pupil()
    with signed_in(db, username, world.calendar.first_day) as client:
        response = client.post("/api/cases", json=leave(pupil), headers=bearer(db, username))
    assert response.status_code == 403
    assert cases_of(world, pupil) == []


@pytest.mark.parametrize(
    "body", [{"note": "a\x00b"}, {"details": {**MARCH, "reason": "a\x00b"}}], ids=["note", "reason"]
)
def test_a_nul_character_is_refused_by_name_on_every_database(
    world: World, body: dict[str, Any]
) -> None:
    db = world.db
    pupil = world.pupil()
    with signed_in(db, AO, world.calendar.first_day) as client:
        response = client.post("/api/cases", json={**leave(pupil), **body}, headers=bearer(db, AO))
    assert response.status_code == 422
    name = "note" if "note" in body else "reason"
    assert response.json()["error"] == f"{name} contains a NUL character"
    assert cases_of(world, pupil) == []
