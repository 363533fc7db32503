"""Amending one mark: recorded as an amendment with who and why; refusals change nothing."""

from __future__ import annotations

import pytest

from casework.services.errors import FieldErrors, PupilNotFoundError
from casework.services.register.amendments import AmendmentNotPermittedError, amend_mark
from casework.store.database import Database
from casework.store.models import MarkAmendment
from tests.support.actions import as_user
from tests.support.dates import d
from tests.support.rows import Snapshot, stored_marks
from tests.support.world import AO, HEAD, LA, TEACHER, World

TODAY = d("2025-11-20")


def _amend(db: Database, who: str, pupil: str, **typed: str) -> object:
    form = {"day": "2025-11-10", "session": "AM", "code": "I", "reason": "mother phoned"}
    return amend_mark(db, who=as_user(db, who), upn=pupil, today=TODAY, **(form | typed))


def test_a_mark_is_amended_with_the_original_the_person_and_the_reason(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    world.marks(pupil, d("2025-09-03"), d("2025-11-19"), {d("2025-11-10"): "N"})
    done = _amend(db, AO, pupil)
    assert (done.original_code, done.new_code) == ("N", "I")  # type: ignore[attr-defined]
    assert stored_marks(db)[(pupil, d("2025-11-10"), "AM")][0] == "I"
    assert stored_marks(db)[(pupil, d("2025-11-10"), "PM")][0] == "N"
    with db.transaction() as session:
        (row,) = session.query(MarkAmendment).all()
        assert (row.date, row.session, row.original_code, row.new_code) == (
            d("2025-11-10"),
            "AM",
            "N",
            "I",
        )
        assert (row.reason, row.amended_by, row.amended_by_position) == (
            "mother phoned",
            "Ben Example",
            "Attendance Lead",
        )
    # A senior leader may amend too.
    _amend(db, HEAD, pupil, session="PM", code="M", reason="dentist letter seen")


def test_a_session_with_no_mark_is_recorded_with_the_reason_as_its_comment(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    done = _amend(db, AO, pupil, code="O", reason="no contact from home")
    assert done.original_code is None  # type: ignore[attr-defined]
    assert stored_marks(db)[(pupil, d("2025-11-10"), "AM")] == ("O", None, "no contact from home")


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"code": "Q9"}, "code", "Choose an attendance code from the list"),
        ({"code": "H"}, "code", "H is a 2006 code"),
        ({"code": "N"}, "code", "the mark is already N"),
        ({"reason": "   "}, "reason", "Enter the reason for the change"),
        ({"day": "2025-11-08"}, "day", "8 November 2025 is not a school day"),
        ({"day": "2025-10-28"}, "day", "is not a school day"),
        ({"day": "2025-11-21"}, "day", "is after today"),
        ({"day": "2025-09-01"}, "day", "is not a school day"),
        ({"day": "10/11/2025"}, "day", "Enter the date of the session"),
        ({"session": "EVE"}, "session", "Choose the morning (AM) or afternoon (PM)"),
    ],
)
def test_a_bad_amendment_is_refused_by_field_and_changes_nothing(
    db: Database,
    world: World,
    snapshot: Snapshot,
    typed: dict[str, str],
    field: str,
    message: str,
) -> None:
    pupil = world.pupil()
    world.marks(pupil, d("2025-09-03"), d("2025-11-19"), {d("2025-11-10"): "N"})
    before = snapshot(db)
    with pytest.raises(FieldErrors) as refused:
        _amend(db, AO, pupil, **typed)
    assert message in refused.value.fields[field]
    assert snapshot(db) == before


def test_a_day_before_admission_is_refused(db: Database, world: World, snapshot: Snapshot) -> None:
    pupil = world.pupil()  # admitted 3 September 2025
    before = snapshot(db)
    with pytest.raises(FieldErrors) as refused:
        _amend(db, AO, pupil, day="2025-07-01")
    assert refused.value.fields["day"]  # not a school day of this calendar, or not on roll
    assert snapshot(db) == before


def test_teachers_and_la_officers_do_not_amend_and_other_schools_pupils_are_not_found(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    pupil = world.pupil()
    before = snapshot(db)
    for who in (TEACHER, LA):
        with pytest.raises(AmendmentNotPermittedError):
            _amend(db, who, pupil)
    with pytest.raises(PupilNotFoundError):
        _amend(db, AO, "A000000000000")
    assert snapshot(db) == before
