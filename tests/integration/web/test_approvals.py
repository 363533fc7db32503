"""The approvals queue through the browser: the head's page, approve/refuse, htmx and no JS."""

from __future__ import annotations

from casework.store.database import Database
from tests.support.escalations import TODAY, concern_awaiting_approval, leave_under_review
from tests.support.rows import case_row, evidence_rows
from tests.support.web import csrf, signed_in
from tests.support.world import AO, HEAD, LA, TEACHER, World


def test_the_head_sees_escalations_and_decisions_with_pupil_names(
    db: Database, world: World
) -> None:
    _pupil, cid = concern_awaiting_approval(db, world)
    _other, lid = leave_under_review(db, world)
    with signed_in(db, HEAD, TODAY) as client:
        page = client.get("/approvals")
    assert page.status_code == 200
    assert "Pupil1 Generated: Refer for formal support with the LA" in page.text
    assert f'id="escalation-{cid}-refer_formal_support"' in page.text
    assert "Pupil2 Generated: Leave of absence request" in page.text
    assert f'hx-post="/approvals/{lid}/steps/grant_in_part"' in page.text
    assert 'name="_csrf_token"' in page.text


def test_other_roles_may_not_open_the_queue(db: Database, world: World) -> None:
    for who in (AO, TEACHER, LA):
        with signed_in(db, who, TODAY) as client:
            assert client.get("/approvals").status_code == 403


def test_approving_with_htmx_replaces_the_item(db: Database, world: World) -> None:
    _pupil, cid = concern_awaiting_approval(db, world)
    key = f"escalation-{cid}-refer_formal_support"
    with signed_in(db, HEAD, TODAY) as client:
        response = client.post(
            f"/approvals/{cid}/escalations/refer_formal_support",
            data={"decision": "approved", "note": "", "_csrf_token": csrf(client)},
            headers={"hx-request": "true", "hx-target": key},
        )
    assert response.status_code == 200 and "<main" not in response.text
    assert f'id="{key}"' in response.text
    assert "you approved “Refer for formal support with the LA”" in response.text
    assert evidence_rows(db, cid)[-1]["details"]["decision"] == "approved"


def test_refusing_without_a_note_is_refused_next_to_the_note(db: Database, world: World) -> None:
    _pupil, cid = concern_awaiting_approval(db, world)
    before = len(evidence_rows(db, cid))
    with signed_in(db, HEAD, TODAY) as client:
        token = csrf(client)
        url = f"/approvals/{cid}/escalations/refer_formal_support"
        hx = {"hx-request": "true"}
        refused = client.post(url, data={"decision": "refused", "_csrf_token": token}, headers=hx)
        assert refused.status_code == 422
        assert "govuk-error-message" in refused.text and "Enter why you refuse" in refused.text
        assert len(evidence_rows(db, cid)) == before
        # Without JavaScript: the whole page, the message next to the note; then post/redirect/get.
        page = client.post(url, data={"decision": "refused", "_csrf_token": token})
        assert (
            page.status_code == 422 and "<main" in page.text and "Enter why you refuse" in page.text
        )
        done = client.post(
            url,
            data={"decision": "refused", "note": "not yet", "_csrf_token": token},
            follow_redirects=False,
        )
        assert done.status_code == 303 and done.headers["location"] == f"/approvals?decided={cid}"
        assert "Your decision is recorded" in client.get(done.headers["location"]).text
    assert evidence_rows(db, cid)[-1]["details"]["reason"] == "not yet"


def test_granting_leave_from_the_queue_takes_the_step(db: Database, world: World) -> None:
    _pupil, lid = leave_under_review(db, world)
    with signed_in(db, HEAD, TODAY) as client:
        token = csrf(client)
        hx = {"hx-request": "true", "hx-target": f"decision-{lid}"}
        url = f"/approvals/{lid}/steps/grant_in_part"
        refused = client.post(url, data={"note": "funeral", "_csrf_token": token}, headers=hx)
        assert refused.status_code == 422 and "Enter the days granted" in refused.text
        assert ">funeral</textarea>" in refused.text
        data = {"note": "funeral", "days_granted": "3", "_csrf_token": token}
        done = client.post(url, data=data, headers=hx)
    assert done.status_code == 200 and "the case is now partly granted" in done.text
    assert case_row(db, lid)["state"] == "partially_granted"


def test_a_case_of_another_school_is_not_found(db: Database, world: World) -> None:
    with signed_in(db, HEAD, TODAY) as client:
        data = {"decision": "approved", "_csrf_token": csrf(client)}
        assert client.post("/approvals/999/escalations/close", data=data).status_code == 404
        data = {"note": "x", "_csrf_token": csrf(client)}
        assert client.post("/approvals/999/steps/decline", data=data).status_code == 404
