"""The case page: steps and evidence through forms, in place with htmx or by post and redirect."""

from __future__ import annotations

import re
from datetime import date

from casework.services import cases
from casework.store.database import Database
from tests.support.actions import as_user, evidence, fire
from tests.support.rows import TableRows, case_row, table_rows
from tests.support.web import csrf, signed_in
from tests.support.world import AO, HEAD, LA, MOTHER, TEACHER, World

TODAY = date(2026, 1, 19)
HTMX = {"hx-request": "true", "hx-target": "case-body"}


def stored(db: Database) -> TableRows:
    """Every table but the browser sessions (their expiry moves on with every request)."""
    return {name: rows for name, rows in table_rows(db).items() if name != "web_session"}


def concern(db: Database, world: World) -> int:
    pupil = world.pupil()
    return cases.open_case(
        db, upn=pupil, kind="attendance_concern", who=as_user(db, AO), today=TODAY
    ).id


def contacted(db: Database, world: World) -> int:
    cid = concern(db, world)
    evidence(
        db, cid, "contact_attempt", AO, "2026-01-19", channel="phone", contact=MOTHER,
        outcome="reached",
    )  # fmt: skip
    return cid


def test_the_case_page_shows_the_pupil_state_steps_and_reasons(db: Database, world: World) -> None:
    cid = concern(db, world)
    with signed_in(db, AO, TODAY) as client:
        page = client.get(f"/cases/{cid}")
    assert page.status_code == 200
    assert "Generated Pupil1" in page.text.replace("Pupil1 Generated", "Generated Pupil1")
    assert "Monitoring" in page.text
    assert "Offer school-led support" in page.text
    assert "no contact with the family recorded" in page.text or "contact" in page.text
    assert 'class="mermaid"' in page.text


def test_a_step_taken_by_form_redirects_and_by_htmx_swaps_the_case_in_place(
    db: Database, world: World
) -> None:
    first, second = contacted(db, world), contacted(db, world)
    with signed_in(db, AO, TODAY) as client:
        token = csrf(client)
        plain = client.post(
            f"/cases/{first}/steps/offer_support",
            data={"_csrf_token": token, "version": "1"},
            follow_redirects=False,
        )
        assert plain.status_code == 303
        assert plain.headers["location"] == f"/cases/{first}"
        swapped = client.post(
            f"/cases/{second}/steps/offer_support",
            data={"version": "1"},
            headers={**HTMX, "x-csrftoken": token},
        )
    assert swapped.status_code == 200
    assert "<html" not in swapped.text  # the case block only
    assert "Step taken" in swapped.text
    assert case_row(db, first)["state"] == case_row(db, second)["state"] == "school_support"


def test_a_blocked_step_shows_its_reasons_where_the_button_is_and_changes_nothing(
    db: Database, world: World
) -> None:
    cid = concern(db, world)
    with signed_in(db, AO, TODAY) as client:
        before = stored(db)
        response = client.post(
            f"/cases/{cid}/steps/offer_support",
            data={"version": "1"},
            headers={**HTMX, "x-csrftoken": csrf(client)},
        )
    assert response.status_code == 422
    block = response.text[response.text.index('id="step-offer_support-') :]
    assert "cannot offer support now" in block.split("</li>")[0]
    assert stored(db) == before


def test_a_conflict_says_someone_else_changed_the_case_and_keeps_the_note(
    db: Database, world: World
) -> None:
    cid = contacted(db, world)
    cases.fire(db, case_id=cid, trigger="offer_support", who=as_user(db, AO), today=TODAY)
    with signed_in(db, AO, TODAY) as client:
        before = stored(db)
        response = client.post(
            f"/cases/{cid}/steps/step_down",
            data={"version": "1", "note": "attendance is back to normal"},
            headers={**HTMX, "x-csrftoken": csrf(client)},
        )
    assert response.status_code == 409
    assert "Someone else changed this case" in response.text
    assert "attendance is back to normal" in response.text
    assert stored(db) == before


def test_evidence_recorded_through_the_form_is_on_the_case(db: Database, world: World) -> None:
    cid = concern(db, world)
    with signed_in(db, AO, TODAY) as client:
        form = client.get(f"/cases/{cid}?record=home_visit")
        assert f'action="/cases/{cid}/evidence/home_visit"' in form.text
        response = client.post(
            f"/cases/{cid}/evidence/home_visit",
            data={"outcome": "parent_seen", "summary": "Mum says Mondays are hard"},
            headers={**HTMX, "x-csrftoken": csrf(client)},
        )
    assert response.status_code == 200
    assert "Evidence recorded: home visit" in response.text
    assert "Mum says Mondays are hard" in response.text


def test_bad_evidence_is_refused_next_to_the_form_keeping_what_was_typed(
    db: Database, world: World
) -> None:
    cid = concern(db, world)
    with signed_in(db, AO, TODAY) as client:
        before = stored(db)
        response = client.post(
            f"/cases/{cid}/evidence/contact_attempt",
            data={"channel": "phone", "contact": "Carol <b>Generated</b>"},
            headers={**HTMX, "x-csrftoken": csrf(client)},
        )
    assert response.status_code == 422
    assert "contact_attempt needs outcome" in response.text
    # The message stands next to the field at fault, and the summary links to it.
    assert 'id="field-outcome-error"' in response.text
    assert 'href="#field-outcome"' in response.text
    assert 'value="Carol &lt;b&gt;Generated&lt;/b&gt;"' in response.text  # kept, and escaped
    assert stored(db) == before


def test_a_teacher_may_add_a_note_and_nothing_else(db: Database, world: World) -> None:
    cid = contacted(db, world)
    with signed_in(db, TEACHER, TODAY) as client:
        page = client.get(f"/cases/{cid}")
        kinds = set(re.findall(r"record=([a-z_]+)\"", page.text))
        assert kinds == {"note"}
        assert f'action="/cases/{cid}/steps/' not in page.text
        token = csrf(client)
        refused = client.post(
            f"/cases/{cid}/steps/offer_support", data={"_csrf_token": token, "version": "1"}
        )
        assert refused.status_code == 403
        noted = client.post(
            f"/cases/{cid}/evidence/note",
            data={"_csrf_token": token, "text": "Seemed tired on Monday"},
            follow_redirects=False,
        )
        assert noted.status_code == 303
    assert case_row(db, cid)["state"] == "monitoring"


def test_the_worklist_lists_findings_deadlines_and_when_the_sweep_ran(
    db: Database, world: World
) -> None:
    cid = contacted(db, world)
    with signed_in(db, HEAD, TODAY) as client:
        before = client.get("/")
        assert "The sweep has not run yet." in before.text
        assert f'href="/cases/{cid}"' in before.text  # a step for the head to take
        swept = client.post("/sweep", data={"_csrf_token": csrf(client)}, follow_redirects=False)
        assert swept.status_code == 303
        after = client.get("/")
    assert "The sweep last ran" in after.text


def test_only_the_la_is_offered_the_deletion_confirmation_form(db: Database, world: World) -> None:
    pupil = world.pupil(contacts=[(MOTHER, "Mother", True)])
    cid = cases.open_case(
        db, upn=pupil, kind="missing_education", who=as_user(db, AO), today=TODAY
    ).id
    evidence(db, cid, "contact_attempt", AO, "2026-01-19", channel="phone", contact=MOTHER,
             outcome="no_answer")  # fmt: skip
    fire(db, cid, "start_enquiries", AO, "2026-01-19")
    evidence(db, cid, "home_visit", AO, "2026-01-19", outcome="no_answer")
    fire(db, cid, "refer_to_la", AO, "2026-01-19")
    with signed_in(db, AO, TODAY) as client:
        page = client.get(f"/cases/{cid}")
        kinds = set(re.findall(r"record=([a-z_]+)\"", page.text))
        assert "not_ill_or_prevented" in kinds
        assert "la_deletion_confirmation" not in kinds
    with signed_in(db, LA, TODAY) as client:
        form = client.get(f"/cases/{cid}?record=la_deletion_confirmation")
        assert f'action="/cases/{cid}/evidence/la_deletion_confirmation"' in form.text
        response = client.post(
            f"/cases/{cid}/evidence/la_deletion_confirmation",
            data={"decision": "confirmed", "reason": "joint enquiries found nothing"},
            headers={**HTMX, "x-csrftoken": csrf(client)},
        )
    assert response.status_code == 200
    assert "joint enquiries found nothing" in response.text
