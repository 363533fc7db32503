"""The case page is one statement: the case with everything under it, its letters and the
pupil's school year of marks, whether today is in the school's calendar or after its end."""

from __future__ import annotations

from datetime import date

from casework.services import cases
from casework.store.database import Database
from tests.support.actions import as_user
from tests.support.databases import statements
from tests.support.dates import d
from tests.support.world import AO, World


def test_the_case_page_reads_its_register_with_the_case(db: Database, world: World) -> None:
    pupil = world.pupil()
    world.marks(pupil, d("2025-09-03"), d("2025-11-28"), {d("2025-11-10"): "N"})
    who = as_user(db, AO)
    case_id = cases.open_case(
        db, upn=pupil, kind="attendance_concern", who=who, today=d("2025-11-28")
    ).id
    cases.show_case(db, case_id=case_id, who=who, today=d("2025-11-28"))  # statements cached
    # In term, and after the calendar has run out (its figures are as of its last day).
    for today in (d("2025-11-28"), date(2026, 10, 5)):
        with statements(db) as seen:
            shown = cases.show_case(db, case_id=case_id, who=who, today=today)
        assert [s for s in seen if s.lstrip().upper().startswith("SELECT")] == seen[:1], today
        assert len(seen) == 1, (today, seen)
        assert shown.summary.id == case_id
