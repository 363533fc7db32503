"""Every state-changing browser route refuses a request without its CSRF token, and changes
nothing; a bearer-token request to the API has nothing to forge and is let through."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from casework.services import cases
from casework.services.access import sign_in
from casework.services.letters import drafts
from casework.store.database import Database
from tests.integration.services.test_case_guards import referred_concern
from tests.support.actions import as_user
from tests.support.rows import TableRows, table_rows
from tests.support.web import PASSWORD, app_client, bearer, signed_in
from tests.support.world import AO, HEAD, LA, World

TODAY = date(2026, 1, 21)
CHANGING = {"POST", "PUT", "PATCH", "DELETE"}

# Who could otherwise use a route, by where it is (issue 7): anyone else is refused anyway.
USER_FOR = {"/approvals": HEAD, "/referrals": LA}


def changing_routes(db: Database) -> list[tuple[str, str]]:
    with app_client(db, TODAY) as client:
        return [
            (method, route.path)
            for route in client.app.routes
            for handler in getattr(route, "route_handlers", [])
            for method in sorted(handler.http_methods & CHANGING)
        ]


def user_for(path: str) -> str:
    return next((u for prefix, u in USER_FOR.items() if path.startswith(prefix)), AO)


def stored(db: Database) -> TableRows:
    """Every stored row but the sessions' (Litestar renews a session's expiry on any response)."""
    return {name: rows for name, rows in table_rows(db).items() if name != "web_session"}


def filled(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace(f"{{{name}:int}}", value).replace(f"{{{name}:str}}", value)
    assert "{" not in path, f"give the test a value for {path}"
    return path


def body_for(path: str) -> dict[str, Any]:
    """What a person could send there: each would be taken, were its token present."""
    if path.startswith("/api/") and path.endswith("/transitions"):
        return {"trigger": "close", "version": 1, "note": "x", "params": {"outcome": "other"}}
    if path.startswith("/api/") and path.endswith("/evidence"):
        return {"kind": "note", "details": {"text": "a note"}}
    if path.startswith("/api/") and path.endswith("/letters"):
        return {"template": "attendance_report"}
    return {
        "note": "x",
        "outcome": "other",
        "text": "a note",
        "username": AO,
        "template": "attendance_report",
        "channel": "post",
    }


@pytest.fixture
def values(db: Database, world: World) -> dict[str, str]:
    case_id = referred_concern(db, world)
    upn = cases.show_case(db, case_id=case_id, who=as_user(db, AO), today=TODAY).summary.upn
    letter, *_ = drafts.draft_letters(
        db, case_id=case_id, template="attendance_report", who=as_user(db, AO), today=TODAY
    )
    return {
        "letter_id": str(letter.id),
        "case_id": str(case_id),
        "upn": upn,
        "trigger": "close",
        "kind": "note",
        "step": "issue_notice_to_improve",
    }


def test_there_are_routes_to_check(db: Database, world: World) -> None:
    routes = changing_routes(db)
    assert ("POST", "/api/cases/{case_id:int}/transitions") in routes
    assert ("POST", "/cases/{case_id:int}/steps/{trigger:str}") in routes
    assert ("POST", "/sign-out") in routes
    assert ("POST", "/cases/{case_id:int}/letters") in routes
    assert ("POST", "/letters/{letter_id:int}/send") in routes


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_every_changing_route_refuses_a_request_without_its_token(
    db: Database, world: World, values: dict[str, str], htmx: bool
) -> None:
    refused = []
    for method, route in changing_routes(db):
        path = filled(route, values)
        if route == "/sign-in":
            continue  # signing in is checked signed out, below
        with signed_in(db, user_for(route), TODAY) as browser:
            headers = {"hx-request": "true"} if htmx else {}
            before = stored(db)
            if path.startswith("/api/"):
                response = browser.request(
                    method, path, json=body_for(path), headers=headers, follow_redirects=False
                )
            else:
                response = browser.request(
                    method, path, data=body_for(path), headers=headers, follow_redirects=False
                )
            assert response.status_code == 403, (method, path, response.status_code)
            assert stored(db) == before, (method, path)
            # Still signed in: the refused sign-out did not end the session.
            assert browser.get("/cases", follow_redirects=False).status_code == 200
            refused.append(path)
    assert refused


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_signing_in_without_the_token_is_refused(db: Database, world: World, htmx: bool) -> None:
    sign_in.set_password(db, AO, PASSWORD)
    with app_client(db, TODAY) as client:
        before = stored(db)
        response = client.post(
            "/sign-in",
            data={"username": AO, "password": PASSWORD},
            headers={"hx-request": "true"} if htmx else {},
            follow_redirects=False,
        )
        assert response.status_code == 403
        assert stored(db) == before
        assert client.get("/cases", follow_redirects=False).status_code == 302


def test_a_bearer_token_is_not_asked_for_a_csrf_token(
    db: Database, world: World, values: dict[str, str]
) -> None:
    api = [(m, r) for m, r in changing_routes(db) if r.startswith("/api/")]
    assert api
    headers = bearer(db, AO)
    with app_client(db, TODAY) as client:
        for method, route in api:
            path = filled(route, values)
            response = client.request(method, path, json=body_for(path), headers=headers)
            # Let through to the service (which may still refuse, say, a stale version).
            assert response.status_code != 403, (method, path, response.text)
            assert response.status_code < 500, (method, path, response.text)
