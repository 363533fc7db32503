"""The pupil page through the browser: who sees it, what it shows, and amending a mark."""

from __future__ import annotations

from casework.store.database import Database
from tests.support.dates import d
from tests.support.escalations import referred_to_la
from tests.support.rows import Snapshot, TableRows, stored_marks
from tests.support.web import csrf, signed_in
from tests.support.world import AO, HEAD, LA, LA_ELSEWHERE, TEACHER, World

TODAY = d("2025-11-20")
HX = {"hx-request": "true", "hx-target": "register"}


def _pupil(world: World) -> str:
    pupil = world.pupil()
    world.marks(pupil, d("2025-09-03"), d("2025-11-19"), {d("2025-11-10"): "N"})
    return pupil


def test_the_page_shows_the_pupil_figures_calendar_and_contacts(db: Database, world: World) -> None:
    pupil = _pupil(world)
    with signed_in(db, AO, TODAY) as client:
        page = client.get(f"/pupils/{pupil}")
    assert page.status_code == 200
    text = page.text
    assert '<h1 class="govuk-heading-l">Pupil1 Generated</h1>' in text
    assert f"UPN {pupil}" in text and "1 January 2016" in text
    assert "98.0%" in text and "Autumn 2" in text  # figures and the trend
    assert 'casework-mark--unauthorised" href="?day=2025-11-10&amp;session=AM#amend"' in text
    assert ">N</a>" in text  # the code is shown as text, not by colour alone
    assert "Carol Generated" in text and "Mother" in text
    assert 'name="_csrf_token"' in text and "Change a mark" in text


def test_a_teacher_reads_the_page_without_the_change_form(db: Database, world: World) -> None:
    pupil = _pupil(world)
    with signed_in(db, TEACHER, TODAY) as client:
        page = client.get(f"/pupils/{pupil}")
    assert page.status_code == 200 and "Pupil1 Generated" in page.text
    assert "Change a mark" not in page.text and 'href="?day=' not in page.text


def test_out_of_reach_pupils_are_not_found(db: Database, world: World) -> None:
    pupil = _pupil(world)
    with signed_in(db, LA, TODAY) as client:
        assert client.get(f"/pupils/{pupil}").status_code == 404  # no case with the LA
        assert client.get("/pupils/A000000000000").status_code == 404
    referred, _cid = referred_to_la(db, world)
    with signed_in(db, LA, d("2026-02-04")) as client:
        assert client.get(f"/pupils/{referred}").status_code == 200
    with signed_in(db, LA_ELSEWHERE, d("2026-02-04")) as client:
        assert client.get(f"/pupils/{referred}").status_code == 404


def test_the_register_block_alone_for_htmx(db: Database, world: World) -> None:
    pupil = _pupil(world)
    with signed_in(db, AO, TODAY) as client:
        block = client.get(f"/pupils/{pupil}", headers=HX)
    assert block.status_code == 200
    assert "<main" not in block.text and "Attendance this school year" in block.text
    assert "Carol Generated" not in block.text  # the contacts are outside the block


def test_a_mark_is_amended_and_the_page_says_so(db: Database, world: World) -> None:
    pupil = _pupil(world)
    form = {"day": "2025-11-10", "session": "AM", "code": "I", "reason": "mother phoned"}
    with signed_in(db, AO, TODAY) as client:
        posted = client.post(
            f"/pupils/{pupil}/marks", data={**form, "_csrf_token": csrf(client)},
            follow_redirects=False,
        )  # fmt: skip
        assert posted.status_code == 303
        page = client.get(posted.headers["location"])
    assert "The morning mark for 10 November 2025 is now I: illness." in page.text
    assert "mother phoned" in page.text and "Ben Example (Attendance Lead)" in page.text
    assert stored_marks(db)[(pupil, d("2025-11-10"), "AM")][0] == "I"
    with signed_in(db, HEAD, TODAY) as client:
        form = {**form, "session": "PM", "code": "M", "reason": "dentist"}
        swapped = client.post(
            f"/pupils/{pupil}/marks", data={**form, "_csrf_token": csrf(client)}, headers=HX
        )
    assert swapped.status_code == 200 and "<main" not in swapped.text
    assert "afternoon mark for 10 November 2025 is now M" in swapped.text


def test_a_refused_change_says_why_next_to_the_field_and_keeps_what_was_typed(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    pupil = _pupil(world)
    with signed_in(db, AO, TODAY) as client:
        token = csrf(client)
        before = without_sessions(snapshot(db))
        cases = [
            ({"code": "Q9"}, "code-error", "Choose an attendance code from the list"),
            ({"reason": " "}, "reason-error", "Enter the reason for the change"),
            ({"day": "2025-11-08"}, "day-error", "8 November 2025 is not a school day"),
            ({"day": "2025-11-24"}, "day-error", "24 November 2025 is after today"),
        ]
        for typed, error_id, message in cases:
            form = {"day": "2025-11-10", "session": "AM", "code": "I", "reason": "phoned"}
            form |= typed
            refused = client.post(f"/pupils/{pupil}/marks", data={**form, "_csrf_token": token})
            assert refused.status_code == 422
            assert f'id="{error_id}"' in refused.text and message in refused.text
            assert "govuk-error-summary" in refused.text
            assert f'value="{form["day"]}"' in refused.text  # what was typed is kept
            if form["reason"].strip():
                assert f">{form['reason']}</textarea>" in refused.text
        assert without_sessions(snapshot(db)) == before


def without_sessions(rows: TableRows) -> TableRows:
    """Every table but the web sessions, whose expiry each request moves on."""
    return {table: r for table, r in rows.items() if table != "web_session"}


def test_teachers_and_la_officers_may_not_amend(db: Database, world: World) -> None:
    pupil = _pupil(world)
    form = {"day": "2025-11-10", "session": "AM", "code": "I", "reason": "phoned"}
    for who in (TEACHER, LA):
        with signed_in(db, who, TODAY) as client:
            posted = client.post(
                f"/pupils/{pupil}/marks", data={**form, "_csrf_token": csrf(client)}
            )
            assert posted.status_code == 403
    assert stored_marks(db)[(pupil, d("2025-11-10"), "AM")][0] == "N"


def test_staff_of_another_school_get_not_found(db: Database, world: World) -> None:
    with signed_in(db, AO, TODAY) as client:
        form = {"day": "2025-11-10", "session": "AM", "code": "I", "reason": "phoned"}
        posted = client.post(
            "/pupils/A000000000000/marks", data={**form, "_csrf_token": csrf(client)}
        )
        assert posted.status_code == 404
