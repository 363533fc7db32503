"""The referrals inbox through the browser: the LA officer's page, accept and return."""

from __future__ import annotations

from casework.store.database import Database
from tests.support.escalations import TODAY, concern_awaiting_approval, referred_to_la
from tests.support.rows import evidence_rows
from tests.support.web import csrf, signed_in
from tests.support.world import AO, HEAD, LA, LA_ELSEWHERE, TEACHER, World


def test_the_inbox_lists_what_reached_the_la(db: Database, world: World) -> None:
    concern_awaiting_approval(db, world)  # not with the LA: not listed
    _pupil, cid = referred_to_la(db, world)
    with signed_in(db, LA, TODAY) as client:
        page = client.get("/referrals")
    assert page.status_code == 200
    assert "Pupil2 Generated" in page.text and "Pupil1 Generated" not in page.text
    assert "Example Primary School" in page.text and "26 January 2026" in page.text
    assert "Formal support with the LA" in page.text and "Not decided" in page.text
    assert f'href="/cases/{cid}"' in page.text
    with signed_in(db, LA_ELSEWHERE, TODAY) as client:
        assert "Pupil2 Generated" not in client.get("/referrals").text


def test_other_roles_may_not_open_the_inbox(db: Database, world: World) -> None:
    for who in (AO, HEAD, TEACHER):
        with signed_in(db, who, TODAY) as client:
            assert client.get("/referrals").status_code == 403


def test_accept_with_htmx_and_return_without_javascript(db: Database, world: World) -> None:
    _pupil, cid = referred_to_la(db, world)
    with signed_in(db, LA, TODAY) as client:
        token = csrf(client)
        url = f"/referrals/{cid}/decision"
        hx = {"hx-request": "true", "hx-target": f"referral-{cid}"}
        row = client.post(url, data={"decision": "accepted", "_csrf_token": token}, headers=hx)
        assert row.status_code == 200 and row.text.strip().startswith("<tr")
        assert "Accepted" in row.text and "Recorded." in row.text
        refused = client.post(url, data={"decision": "returned", "_csrf_token": token}, headers=hx)
        assert refused.status_code == 422 and "Enter why the referral goes back" in refused.text
        page = client.post(url, data={"decision": "returned", "_csrf_token": token})
        assert page.status_code == 422 and "govuk-error-summary" in page.text
        done = client.post(
            url,
            data={"decision": "returned", "reason": "no plan review yet", "_csrf_token": token},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert "no plan review yet" in client.get(done.headers["location"]).text
    decisions = [e["details"] for e in evidence_rows(db, cid) if e["kind"] == "la_decision"]
    assert decisions == [
        {"decision": "accepted"},
        {"decision": "returned", "reason": "no plan review yet"},
    ]


def test_a_case_not_with_the_la_or_of_another_la_is_not_found(db: Database, world: World) -> None:
    _pupil, early = concern_awaiting_approval(db, world)
    _other, cid = referred_to_la(db, world)
    with signed_in(db, LA, TODAY) as client:
        data = {"decision": "accepted", "_csrf_token": csrf(client)}
        assert client.post(f"/referrals/{early}/decision", data=data).status_code == 404
    with signed_in(db, LA_ELSEWHERE, TODAY) as client:
        data = {"decision": "accepted", "_csrf_token": csrf(client)}
        assert client.post(f"/referrals/{cid}/decision", data=data).status_code == 404


def test_refuse_from_the_inbox_and_the_school_reads_the_reason(db: Database, world: World) -> None:
    _pupil, cid = referred_to_la(db, world)
    with signed_in(db, LA, TODAY) as client:
        page = client.get("/referrals")
        assert 'value="refused"' in page.text and "Accept, return or refuse" in page.text
        url = f"/referrals/{cid}/decision"
        data = {"decision": "refused", "_csrf_token": csrf(client)}
        refused = client.post(url, data=data, headers={"hx-request": "true"})
        assert refused.status_code == 422 and "Enter why the LA refuses it" in refused.text
        data["reason"] = "below the LA's threshold for formal support"
        done = client.post(url, data=data, headers={"hx-request": "true"})
        assert done.status_code == 200 and "Refused" in done.text
    with signed_in(db, AO, TODAY) as client:
        work = client.get("/").text
        case = client.get(f"/cases/{cid}").text
    said = "by the LA on 4 February 2026: below the LA&#39;s threshold for formal support"
    assert f"Refused {said}" in work
    assert "LA decision" in case and "refused on 4 February 2026" in case
    assert "Individual attendance plan" in case
