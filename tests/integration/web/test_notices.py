"""The worklist page and its JSON list the findings that open no case: letters and
notifications to send, in staff's words, for the school's own staff only."""

from __future__ import annotations

from html import unescape
from pathlib import Path

from casework.services.daily_sweep import daily_sweep
from casework.store.database import Database
from tests.support.dates import d
from tests.support.rows import pupil_findings
from tests.support.web import OTHER_LEAD, add_other_school, bearer, signed_in
from tests.support.world import AO, LA, World

SWEPT = d("2026-02-06")
TODAY = d("2026-02-09")
STAFF = "Pupil1 Generated has missed 15 school days through illness this school year"
PARENTS = "This school year (since"


def ill_and_swept(db: Database, world: World) -> str:
    pupil = world.pupil()
    spells = [
        *world.calendar.school_days(d("2025-09-15"), d("2025-09-19")),
        *world.calendar.school_days(d("2025-11-03"), d("2025-11-07")),
        *world.calendar.school_days(d("2026-01-12"), d("2026-01-16")),
    ]
    world.marks(pupil, d("2025-09-03"), TODAY, dict.fromkeys(spells, "I"))
    daily_sweep(db, SWEPT)
    return pupil


def test_the_worklist_page_lists_letters_and_notifications_to_send(
    db: Database, world: World
) -> None:
    pupil = ill_and_swept(db, world)
    with signed_in(db, AO, TODAY) as client:
        html = unescape(client.get("/").text)
    section = html.split("Letters and notifications to send", 1)[1]
    assert STAFF in section
    assert f'href="/pupils/{pupil}">Pupil1 Generated</a>' in section
    assert f"UPN {pupil}" in section
    assert "notify la illness 15 days" in section
    assert PARENTS not in html


def test_another_schools_lead_sees_no_letter_or_notification_of_ours(
    db: Database, world: World, data_dir: Path
) -> None:
    add_other_school(db, data_dir)
    ill_and_swept(db, world)
    with signed_in(db, OTHER_LEAD, TODAY) as client:
        html = unescape(client.get("/").text)
    assert "Letters and notifications to send" in html
    assert "No letters or notifications this week." in html
    assert STAFF not in html


def test_the_worklist_json_lists_them_as_notices(db: Database, world: World) -> None:
    pupil = ill_and_swept(db, world)
    (kept,) = pupil_findings(db, pupil)
    with signed_in(db, AO, TODAY) as client:
        work = client.get("/api/worklist", headers=bearer(db, AO)).json()
        la_work = client.get("/api/worklist", headers=bearer(db, LA)).json()
    assert work["notices"] == [
        {
            "upn": pupil,
            "pupil_name": "Pupil1 Generated",
            "rule": "notify_la_illness_15_days",
            "reason": kept["reason"],
            "staff_reason": kept["staff_reason"],
            "began": kept["began"].isoformat(),
            "found_on": "2026-02-06",
        }
    ]
    assert work["notices"][0]["reason"].startswith(PARENTS)
    assert work["notices"][0]["staff_reason"].startswith(STAFF)
    assert la_work["notices"] == []
