"""Every route of the app, for every kind of caller: let in, refused (403), sent to sign in, or
not found (404) for a record out of the caller's reach.

The routes come from the app itself: a route added without an expectation here fails the test.
Routes other people are still building have their expectations here already; they are walked
once they exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from casework.services import cases
from casework.services.access import sign_in
from casework.services.letters import drafts
from casework.store.database import Database
from tests.integration.services.test_case_guards import concern, referred_concern
from tests.support.actions import as_user
from tests.support.web import OTHER_LEAD, PASSWORD, add_other_school, app_client, csrf, sign_in_as
from tests.support.world import AO, HEAD, LA, LA_ELSEWHERE, TEACHER, World

TODAY = date(2026, 1, 21)
OUT = None  # signed out
SIGNED_IN = (AO, HEAD, TEACHER, LA, LA_ELSEWHERE, OTHER_LEAD)
CALLERS = (OUT, *SIGNED_IN)

ALLOW = "allow"  # let in: whatever the service then says (a page, a redirect, a 422)
DENY = "403"
GONE = "404"
SIGN_IN = "sign in"  # 401 for the API, a redirect to /sign-in for a page


def everyone(signed_out: str = SIGN_IN) -> dict[str | None, str]:
    return {OUT: signed_out, **dict.fromkeys(SIGNED_IN, ALLOW)}


def only(*roles: str) -> dict[str | None, str]:
    return {OUT: SIGN_IN, **{c: ALLOW if c in roles else DENY for c in SIGNED_IN}}


# A case (or its pupil) of the example school that has reached LA 850.
WITHIN_REACH = {OUT: SIGN_IN, AO: ALLOW, HEAD: ALLOW, TEACHER: ALLOW, LA: ALLOW}
RECORD = {**WITHIN_REACH, LA_ELSEWHERE: GONE, OTHER_LEAD: GONE}


@dataclass(frozen=True)
class Expect:
    outcomes: dict[str | None, str]
    body: dict[str, Any] = field(default_factory=dict)  # a form for pages, JSON for the API
    last: bool = False  # signing out ends the walk


EXPECTED: dict[str, Expect] = {
    "GET /sign-in": Expect(everyone(signed_out=ALLOW)),
    "POST /sign-in": Expect(everyone(signed_out=ALLOW), {"username": "x", "password": "y"}),
    "POST /sign-out": Expect(everyone(), last=True),
    "GET /": Expect(everyone()),
    "POST /sweep": Expect(only(AO, HEAD, OTHER_LEAD)),
    "GET /cases": Expect(everyone()),
    "GET /cases/{case_id:int}": Expect(RECORD),
    "POST /cases/{case_id:int}/steps/{trigger:str}": Expect(RECORD),
    "POST /cases/{case_id:int}/evidence/{kind:str}": Expect(RECORD),
    # The LA evidence pack: the school's attendance staff and the LA; not a teacher.
    "GET /cases/{case_id:int}/pack.pdf": Expect({**RECORD, TEACHER: DENY}),
    "GET /api/cases": Expect(everyone()),
    # Opening a case by hand: the school's attendance staff (an unknown kind is their 422).
    "POST /api/cases": Expect(
        only(AO, HEAD, OTHER_LEAD), {"upn": "B801200005001", "kind": "no_such_kind"}
    ),
    "GET /api/cases/{case_id:int}": Expect(RECORD),
    "POST /api/cases/{case_id:int}/transitions": Expect(
        RECORD, {"trigger": "no_such_step", "version": 1}
    ),
    "POST /api/cases/{case_id:int}/evidence": Expect(RECORD, {"kind": "note", "details": {}}),
    "GET /api/cases/{case_id:int}/letters": Expect(RECORD),
    "POST /api/cases/{case_id:int}/letters": Expect(
        {**RECORD, TEACHER: DENY}, {"template": "attendance_report"}
    ),
    "GET /api/pupils/{upn:str}": Expect(RECORD),
    "GET /api/worklist": Expect(everyone()),
    # Letters: drafted and sent by the school's attendance staff and the LA on the cases it
    # sees; a teacher reads them (as the letter services allow) and is refused the rest.
    "POST /cases/{case_id:int}/letters": Expect(
        {**RECORD, TEACHER: DENY}, {"template": "attendance_report"}
    ),
    "POST /letters/{letter_id:int}/send": Expect({**RECORD, TEACHER: DENY}, {"channel": "post"}),
    "GET /letters/{letter:str}": Expect(RECORD),  # walked as /letters/ID and /letters/ID.pdf
    "GET /letters/batch.pdf": Expect(only(AO, HEAD, LA, LA_ELSEWHERE, OTHER_LEAD)),
    # Being built elsewhere (issue 7): walked once they are merged.
    "GET /pupils/{upn:str}": Expect(RECORD),
    "GET /approvals": Expect(only(HEAD)),
    "GET /referrals": Expect(only(LA, LA_ELSEWHERE)),
    # Only the school's attendance staff amend its register: a teacher and LA officers may not
    # (403, whoever the pupil is); staff of another school do not find the pupil (404).
    "POST /pupils/{upn:str}/marks": Expect(
        {**RECORD, TEACHER: DENY, LA: DENY, LA_ELSEWHERE: DENY},
        {"date": "2026-01-19", "session": "AM", "code": "I", "reason": "walk"},
    ),
}

# Routes still to come under these paths follow issue 7's rules without a line each: the head
# approves, the LA officer works referrals, and a pupil's pages follow the pupil's reach.
PREFIX_RULES: dict[str, dict[str | None, str]] = {
    "/approvals": only(HEAD),
    "/referrals": only(LA, LA_ELSEWHERE),
    "/pupils/": RECORD,
}
NOT_WALKED = re.compile(r"^/(static|schema)(/|$)")
ROUTE_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def app_routes(app: Litestar) -> list[str]:
    """`METHOD /path` of every route the app has, bar the static files and the API schema."""
    return [
        f"{method} {route.path}"
        for route in app.routes
        if not NOT_WALKED.match(route.path)
        for handler in getattr(route, "route_handlers", [])
        for method in sorted(handler.http_methods & ROUTE_METHODS)
    ]


def expectation(route: str) -> Expect | None:
    if route in EXPECTED:
        return EXPECTED[route]
    _method, path = route.split(" ", 1)
    for prefix, outcomes in PREFIX_RULES.items():
        if path.startswith(prefix):
            # A record out of reach is not found, once the role may use the route at all.
            if "{case_id" in path or "{upn" in path:
                outcomes = {
                    c: GONE if o == ALLOW and RECORD.get(c) == GONE else o
                    for c, o in outcomes.items()
                }
            return Expect(outcomes)
    return None


def fill(route: str, values: dict[str, str]) -> str:
    """The route's path with its parameters filled in; unknown parameters fail loudly."""
    path = route.split(" ", 1)[1]

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"{route}: give the walk a value for {{{name}}}"
        return values[name]

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


def outcome(response: Any) -> str:
    status = response.status_code
    assert status < 500, response.text
    location = response.headers.get("location", "")
    # (Signing in again is a 302; a page's own redirect after a post, signing out's too, a 303.)
    if status == 401 or (status == 302 and location.startswith("/sign-in")):
        return SIGN_IN
    if status == 403:
        return DENY
    if status == 404:
        return GONE
    return ALLOW


def request(client: TestClient, route: str, values: dict[str, str], body: dict[str, Any]) -> Any:  # type: ignore[type-arg]
    method = route.split(" ", 1)[0]
    path = fill(route, values)
    token = csrf(client)
    if path.startswith("/api"):
        headers = {"x-csrftoken": token}
        json = body if method != "GET" else None
        return client.request(method, path, json=json, headers=headers, follow_redirects=False)
    if method == "GET":
        return client.get(path, follow_redirects=False)
    data = {**body, "_csrf_token": token}
    return client.request(method, path, data=data, follow_redirects=False)


@pytest.fixture
def walk(db: Database, world: World, data_dir: Path) -> Iterator[Any]:
    add_other_school(db, data_dir)
    for username in SIGNED_IN:
        sign_in.set_password(db, username, PASSWORD)

    def run(values: dict[str, str], expected: dict[str, Expect]) -> dict[tuple[str, Any], str]:
        """Walk the routes that exist and have an expectation; what each caller got."""
        got: dict[tuple[str, Any], str] = {}
        with app_client(db, TODAY) as probe:
            routes = [r for r in app_routes(probe.app) if r in expected]
        routes.sort(key=lambda r: expected[r].last)
        for caller in CALLERS:
            with app_client(db, TODAY) as client:
                if caller is not None:
                    sign_in_as(client, caller)
                for route in routes:
                    response = request(client, route, values, expected[route].body)
                    got[route, caller] = outcome(response)
        return got

    yield run


def test_every_route_has_an_expectation(db: Database, world: World) -> None:
    with app_client(db, TODAY) as client:
        routes = app_routes(client.app)
    assert "GET /api/cases" in routes and "GET /cases" in routes
    missing = [r for r in routes if expectation(r) is None]
    assert missing == [], f"add these routes to EXPECTED in {__name__}: {missing}"


def a_letter_on(db: Database, case_id: int) -> str:
    """A letter drafted on the case (to its first addressee), for the letters' routes."""
    first, *_ = drafts.draft_letters(
        db, case_id=case_id, template="attendance_report", who=as_user(db, AO), today=TODAY
    )
    return str(first.id)


def test_every_route_for_every_caller(db: Database, world: World, walk: Any) -> None:
    case_id = referred_concern(db, world)
    upn = cases.show_case(db, case_id=case_id, who=as_user(db, AO), today=TODAY).summary.upn
    letter_id = a_letter_on(db, case_id)
    values = {
        "case_id": str(case_id),
        "upn": upn,
        "trigger": "no_such_step",
        "kind": "note",
        "step": "no_such_step",
        "letter_id": letter_id,
        "letter": letter_id,
    }
    with app_client(db, TODAY) as probe:
        routes = app_routes(probe.app)
    expected = {r: e for r in routes if (e := expectation(r)) is not None}
    got = walk(values, expected)
    wanted = {(r, c): expected[r].outcomes[c] for r, c in got}
    assert got == wanted
    # Every existing route was walked for every caller.
    assert {r for r, _c in got} == set(expected)
    # One route serves a letter's page and its PDF: the PDF is walked too.
    pdf = {r: e for r, e in expected.items() if "{letter}" in r or "{letter:" in r}
    got = walk({**values, "letter": f"{letter_id}.pdf"}, pdf)
    assert pdf and got == {(r, c): pdf[r].outcomes[c] for r, c in got}


def test_a_case_not_yet_referred_is_not_found_for_the_la(
    db: Database, world: World, walk: Any
) -> None:
    case_id = concern(db, world)
    upn = cases.show_case(db, case_id=case_id, who=as_user(db, AO), today=TODAY).summary.upn
    letter_id = a_letter_on(db, case_id)
    values = {
        "case_id": str(case_id),
        "upn": upn,
        "trigger": "no_such_step",
        "kind": "note",
        "step": "no_such_step",
        "letter_id": letter_id,
        "letter": letter_id,
    }
    with app_client(db, TODAY) as probe:
        routes = app_routes(probe.app)
    records = {
        r: e
        for r in routes
        if ("{case_id" in r or "{upn" in r or "{letter" in r)
        and (e := expectation(r)) is not None
        and e.outcomes.get(LA) != DENY  # a route the role never may use says 403, leaking nothing
    }
    got = walk(values, records)
    assert {route for (route, caller), o in got.items() if caller == LA and o != GONE} == set()
