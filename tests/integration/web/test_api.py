"""The JSON API: each endpoint's shape and statuses, reach, tokens, and that it says what the
CLI says."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from casework.services import cases
from casework.services.access import sign_in
from casework.store.database import Database
from tests.integration.services.test_case_guards import concern, referred_concern
from tests.support.actions import as_user
from tests.support.cli import run
from tests.support.rows import TableRows, table_rows
from tests.support.web import (
    OTHER_LEAD,
    add_other_school,
    app_client,
    bearer,
    csrf,
    signed_in,
)
from tests.support.world import AO, HEAD, LA, LA_ELSEWHERE, MOTHER, TEACHER, World

TODAY = date(2026, 1, 19)
SUMMARY_KEYS = {"id", "upn", "kind", "state", "version", "school", "opened_on"}
STEP_KEYS = {"trigger", "allowed", "reasons", "roles", "permitted"}
CONTACT = {"channel": "phone", "contact": MOTHER, "outcome": "reached"}


def stored(db: Database) -> TableRows:
    """Every stored row but the sessions': Litestar renews a session's expiry on each response,
    so a refused request still moves it on (it holds nothing of a case)."""
    return {name: rows for name, rows in table_rows(db).items() if name != "web_session"}


@pytest.fixture
def client(db: Database, world: World) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with app_client(db, TODAY) as c:
        yield c


def step(
    client: TestClient,  # type: ignore[type-arg]
    headers: dict[str, str],
    case_id: int,
    trigger: str,
    version: int,
    **extra: Any,
) -> Any:
    body = {"trigger": trigger, "version": version, **extra}
    return client.post(f"/api/cases/{case_id}/transitions", json=body, headers=headers)


# -- reading ---------------------------------------------------------------------------------


def test_the_case_list_is_the_callers_cases_as_summaries(
    db: Database,
    world: World,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    cid = concern(db, world)
    response = client.get("/api/cases", headers=bearer(db, AO))
    assert response.status_code == 200
    [found] = response.json()
    assert set(found) >= SUMMARY_KEYS
    assert (found["id"], found["kind"], found["state"], found["version"]) == (
        cid,
        "attendance_concern",
        "monitoring",
        1,
    )
    # The LA sees none of it: the case has not reached the LA.
    assert client.get("/api/cases", headers=bearer(db, LA)).json() == []


def test_a_case_is_what_case_show_json_prints(
    db: Database,
    world: World,
    database_url: str,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    cid = concern(db, world)
    cases.add_evidence(
        db, case_id=cid, kind="contact_attempt", details=CONTACT, who=as_user(db, AO), today=TODAY
    )
    response = client.get(f"/api/cases/{cid}", headers=bearer(db, AO))
    assert response.status_code == 200
    ours = response.json()
    printed = run(
        database_url, "case", "show", str(cid), "--as", AO, "--json", "--today", "2026-01-19"
    )
    assert printed.exit_code == 0, printed.output
    assert ours == json.loads(printed.output)
    assert set(ours) >= {"state", "version", "evidence", "deadlines", "chronology", "next_steps"}
    assert "stateDiagram" in ours["diagram"]
    assert all(set(s) >= STEP_KEYS for s in ours["next_steps"])


def test_a_pupil_comes_with_what_casework_stats_prints(
    db: Database,
    world: World,
    database_url: str,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    upn = world.pupil()
    world.marks(upn, date(2025, 9, 3), date(2026, 1, 16), {date(2026, 1, 12): "O"})
    cid = cases.open_case(
        db, upn=upn, kind="attendance_concern", who=as_user(db, AO), today=TODAY
    ).id
    response = client.get(f"/api/pupils/{upn}?as_of=2026-01-16", headers=bearer(db, AO))
    assert response.status_code == 200
    body = response.json()
    assert body["pupil"]["upn"] == upn
    assert [c["id"] for c in body["pupil"]["cases"]] == [cid]
    assert body["pupil"]["contacts"][0]["name"] == MOTHER
    printed = run(database_url, "stats", upn, "--as-of", "2026-01-16", "--json")
    assert printed.exit_code == 0, printed.output
    assert body["statistics"] == json.loads(printed.output)
    assert body["statistics"]["unauthorised_absence"] == 2
    # `from` narrows the range, as `--from` does.
    narrow = client.get(
        f"/api/pupils/{upn}?as_of=2026-01-16&from=2026-01-12", headers=bearer(db, AO)
    ).json()
    printed = run(
        database_url, "stats", upn, "--from", "2026-01-12", "--as-of", "2026-01-16", "--json"
    )
    assert narrow["statistics"] == json.loads(printed.output)
    # A range that ends before it starts is refused, not a crash.
    backwards = client.get(
        f"/api/pupils/{upn}?as_of=2026-01-12&from=2026-01-16", headers=bearer(db, AO)
    )
    assert backwards.status_code == 422 and "error" in backwards.json()


def test_the_worklist(
    db: Database,
    world: World,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    cid = concern(db, world)
    response = client.get("/api/worklist", headers=bearer(db, AO))
    assert response.status_code == 200
    work = response.json()
    assert set(work) == {"today", "overdue", "due", "findings", "waiting", "last_sweep", "notices"}
    assert work["today"] == "2026-01-19"
    [waiting] = work["waiting"]
    assert waiting["case"]["id"] == cid and "Offer school-led support" in waiting["steps"]


# -- acting ----------------------------------------------------------------------------------


def test_evidence_then_a_step_answers_with_the_case(
    db: Database,
    world: World,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    cid = concern(db, world)
    headers = bearer(db, AO)
    # Blocked: 422 with the guard's reasons, and nothing changed.
    before = stored(db)
    blocked = step(client, headers, cid, "offer_support", 1)
    assert blocked.status_code == 422
    assert blocked.json()["reasons"] == ["no contact with the family recorded yet"]
    assert stored(db) == before

    recorded = client.post(
        f"/api/cases/{cid}/evidence",
        json={"kind": "contact_attempt", "details": CONTACT},
        headers=headers,
    )
    assert recorded.status_code == 201
    body = recorded.json()
    assert body["case"]["evidence"][-1]["id"] == body["evidence"]
    assert body["case"]["evidence"][-1]["details"]["contact"] == MOTHER

    taken = step(client, headers, cid, "offer_support", 1, note="support offered")
    assert taken.status_code == 200
    case = taken.json()
    assert (case["state"], case["version"]) == ("school_support", 2)
    assert case == client.get(f"/api/cases/{cid}", headers=headers).json()
    assert case["chronology"][-1]["note"] == "support offered"


def test_a_stale_version_is_a_conflict_and_changes_nothing(
    db: Database,
    world: World,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    cid = concern(db, world)
    headers = bearer(db, AO)
    client.post(
        f"/api/cases/{cid}/evidence",
        json={"kind": "contact_attempt", "details": CONTACT},
        headers=headers,
    )
    assert step(client, headers, cid, "offer_support", 1).status_code == 200
    before = stored(db)
    stale = step(client, headers, cid, "close", 1, note="done", params={"outcome": "other"})
    assert stale.status_code == 409
    assert stale.json()["version"] == 2
    assert stored(db) == before


def test_a_role_that_may_not_take_the_step_is_forbidden(
    db: Database,
    world: World,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    cid = concern(db, world)
    headers = bearer(db, TEACHER)
    before = stored(db)
    response = step(client, headers, cid, "offer_support", 1)
    assert response.status_code == 403
    assert response.json()["reasons"][0].startswith("needs the role")
    assert stored(db) == before


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"trigger": "no_such_step", "version": 1}, 422),
        ({"trigger": "offer_support", "version": "one"}, 400),
        ({"trigger": "offer_support"}, 400),
        ({"trigger": "offer_support", "version": 1, "params": {"x": {"nested": 1}}}, 400),
        ({"trigger": "offer_support", "version": 1, "params": {"effective_on": "soon"}}, 422),
        ({"trigger": "offer_support", "version": 1, "surprise": True}, 400),
        ([1, 2, 3], 400),
    ],
)
def test_bad_input_is_refused_with_json_never_a_crash(
    db: Database,
    world: World,
    client: TestClient,  # type: ignore[type-arg]
    body: Any,
    status: int,
) -> None:
    cid = concern(db, world)
    headers = bearer(db, AO)
    before = stored(db)
    response = client.post(f"/api/cases/{cid}/transitions", json=body, headers=headers)
    assert response.status_code == status, response.text
    assert "error" in response.json()
    assert stored(db) == before


@pytest.mark.parametrize(
    ("who", "body", "says"),
    [
        (AO, {"kind": "contact_attempt", "details": {"colour": "red"}}, "no field 'colour'"),
        (AO, {"kind": "contact_attempt", "details": {"channel": "phone"}}, "needs contact"),
        (AO, {"kind": "no_such_kind", "details": {}}, "unknown evidence kind"),
        (
            AO,
            {"kind": "slt_approval", "details": {"decision": "approved", "step": "x"}},
            "may not record",
        ),
        (TEACHER, {"kind": "home_visit", "details": {"outcome": "parent_seen"}}, "may not"),
    ],
)
def test_evidence_refused_is_422_and_changes_nothing(
    db: Database,
    world: World,
    client: TestClient,  # type: ignore[type-arg]
    who: str,
    body: dict[str, Any],
    says: str,
) -> None:
    cid = concern(db, world)
    headers = bearer(db, who)
    before = stored(db)
    response = client.post(f"/api/cases/{cid}/evidence", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert says in response.json()["error"]
    assert stored(db) == before


def case_upn(db: Database, case_id: int) -> str:
    return cases.show_case(db, case_id=case_id, who=as_user(db, AO), today=TODAY).summary.upn


# -- reach and signing in --------------------------------------------------------------------


def requests_for(case_id: int, upn: str) -> list[tuple[str, str, Any]]:
    """One request of every endpoint about this case or pupil."""
    return [
        ("GET", f"/api/cases/{case_id}", None),
        ("POST", f"/api/cases/{case_id}/transitions", {"trigger": "close", "version": 1}),
        ("POST", f"/api/cases/{case_id}/evidence", {"kind": "home_visit", "details": {}}),
        ("GET", f"/api/pupils/{upn}", None),
    ]


def test_out_of_reach_is_not_found_and_changes_nothing(
    db: Database,
    world: World,
    data_dir: Path,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    add_other_school(db, data_dir)
    school_only = concern(db, world)  # not yet visible to the LA
    referred = referred_concern(db, world)  # visible to LA 850 only
    referred_upn = case_upn(db, referred)
    plain_upn = case_upn(db, school_only)
    tokens = {who: bearer(db, who) for who in (OTHER_LEAD, LA, LA_ELSEWHERE)}
    before = stored(db)
    out_of_reach = [
        (OTHER_LEAD, school_only, plain_upn),
        (OTHER_LEAD, referred, referred_upn),
        (LA, school_only, plain_upn),
        (LA_ELSEWHERE, referred, referred_upn),
    ]
    for who, case_id, upn in out_of_reach:
        headers = tokens[who]
        for method, path, body in requests_for(case_id, upn):
            response = client.request(method, path, json=body, headers=headers)
            assert response.status_code == 404, (who, method, path, response.text)
            assert upn not in response.text
        assert case_id not in [c["id"] for c in client.get("/api/cases", headers=headers).json()]
    assert stored(db) == before
    # The LA officer of the case's own LA sees the referred case and its pupil.
    la = tokens[LA]
    assert client.get(f"/api/cases/{referred}", headers=la).status_code == 200
    assert client.get(f"/api/pupils/{referred_upn}", headers=la).status_code == 200
    assert [c["id"] for c in client.get("/api/cases", headers=la).json()] == [referred]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/cases"),
        ("GET", "/api/cases/1"),
        ("POST", "/api/cases/1/transitions"),
        ("POST", "/api/cases/1/evidence"),
        ("GET", "/api/cases/1/letters"),
        ("POST", "/api/cases/1/letters"),
        ("GET", "/api/pupils/{upn}"),
        ("GET", "/api/worklist"),
    ],
)
def test_without_a_good_token_every_endpoint_is_401_with_no_pupil_data(
    db: Database,
    world: World,
    client: TestClient,  # type: ignore[type-arg]
    method: str,
    path: str,
) -> None:
    concern(db, world)
    path = path.format(upn=world.last_upn)
    revoked = sign_in.issue_token(db, AO)
    sign_in.revoke_tokens(db, AO)
    for headers in (
        {},
        {"Authorization": f"Bearer {revoked}"},
        {"Authorization": "Bearer cw_not-a-token"},
        {"Authorization": "Basic YjpsZWFk"},
    ):
        body = {"trigger": "close", "version": 1} if method == "POST" else None
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.json()["status"] == 401
        assert world.last_upn not in response.text and "Generated" not in response.text


def test_a_browser_session_reads_the_api_and_needs_csrf_to_change_anything(
    db: Database, world: World
) -> None:
    cid = concern(db, world)
    with signed_in(db, AO, TODAY) as browser:
        assert browser.get(f"/api/cases/{cid}").status_code == 200
        before = stored(db)
        body = {"kind": "contact_attempt", "details": CONTACT}
        refused = browser.post(f"/api/cases/{cid}/evidence", json=body)
        assert refused.status_code == 403
        assert stored(db) == before
        allowed = browser.post(
            f"/api/cases/{cid}/evidence", json=body, headers={"x-csrftoken": csrf(browser)}
        )
        assert allowed.status_code == 201


def test_the_head_and_the_la_officer_use_the_same_api(
    db: Database,
    world: World,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    cid = referred_concern(db, world)
    for who in (HEAD, LA):
        response = client.get(f"/api/cases/{cid}", headers=bearer(db, who))
        assert response.status_code == 200
        permitted = {s["trigger"] for s in response.json()["next_steps"] if s["permitted"]}
        shown = cases.show_case(db, case_id=cid, who=as_user(db, who), today=TODAY)
        assert permitted == {s.trigger for s in shown.next_steps if s.permitted}


def test_the_schema_says_the_api_takes_a_bearer_token(client: TestClient) -> None:  # type: ignore[type-arg]
    schema = client.get("/schema/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert {"bearer": []} in schema["security"]
