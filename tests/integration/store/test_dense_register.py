"""The dense register (`register_year`) always says what `session_mark` says: after imports of
new and changed marks, amendments, transfer files and a generated school cleared, and when
rebuilt; and the sweep's read of it equals the read of the marks."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from casework.interchange.records import MarkRecord
from casework.register.codes import CODE_ID, code_for_id
from casework.services.register.amendments import amend_mark
from casework.services.register.importing import (
    clear_generated_school,
    import_ctf,
    import_marks,
    store_marks,
)
from casework.store.database import Database
from casework.store.marks import day_number, school_mark_arrays
from casework.store.models import Pupil, RegisterYear, SessionMark
from casework.store.projection import (
    SESSIONS_PER_YEAR,
    _year_starts,
    projected_mark_arrays,
    rebuild,
    year_start,
)
from tests.integration.services.test_imports import ctf_school  # noqa: F401  (a fixture)
from tests.support.actions import as_user
from tests.support.dates import d
from tests.support.world import AO, URN, World

Marks = set[tuple[int, date, str, str]]


def projected(db: Database) -> Marks:
    """Every mark the dense register holds, decoded."""
    found: Marks = set()
    with db.transaction() as session:
        for pupil_id, start, codes in session.execute(
            select(RegisterYear.pupil_id, RegisterYear.year_start, RegisterYear.codes)
        ):
            assert len(codes) == SESSIONS_PER_YEAR
            for offset in np.nonzero(np.frombuffer(codes, dtype=np.uint8))[0].tolist():
                day = start + timedelta(days=offset // 2)
                assert year_start(day) == start
                found.add(
                    (pupil_id, day, "AM" if offset % 2 == 0 else "PM", code_for_id(codes[offset]))
                )
    return found


def recorded(db: Database) -> Marks:
    with db.transaction() as session:
        return {
            (p, day, s, c)
            for p, day, s, c in session.execute(
                select(
                    SessionMark.pupil_id, SessionMark.date, SessionMark.session, SessionMark.code
                )
            )
        }


def stored_years(db: Database) -> dict[tuple[int, date], bytes]:
    with db.transaction() as session:
        return {
            (p, y): bytes(c)
            for p, y, c in session.execute(
                select(RegisterYear.pupil_id, RegisterYear.year_start, RegisterYear.codes)
            )
        }


def agrees(db: Database) -> None:
    """The dense register holds what the marks hold, and a rebuild changes none of its bytes."""
    assert projected(db) == recorded(db)
    before = stored_years(db)
    with db.transaction() as session:
        assert rebuild(session) == len(before)
    assert stored_years(db) == before


def test_imported_marks_new_and_changed_are_in_the_dense_register(
    db: Database, world: World, tmp_path: Path
) -> None:
    one, two = world.pupil(), world.pupil()
    world.marks(one, d("2025-09-03"), d("2025-12-19"), {d("2025-10-06"): "I"})
    world.marks(two, d("2025-09-03"), d("2025-10-10"))
    assert len(recorded(db)) > 200
    agrees(db)
    # A re-import changes some marks (amendments) and adds others, across two school years.
    changed = tmp_path / "marks.csv"
    changed.write_text(
        "upn,date,session,code,minutes_late,comment\n"
        f"{one},2025-10-06,AM,M,,\n{one},2025-10-06,PM,M,,\n{two},2025-10-13,AM,N,,\n"
        f"{two},2025-10-13,PM,L,10,bus\n"
    )
    report = import_marks(db, changed, URN)
    assert (report.added, report.changed) == (2, 2)
    agrees(db)
    assert (world_id(db, two), d("2025-10-13"), "PM", "L") in projected(db)


def test_a_school_year_runs_from_1_september_to_31_august() -> None:
    days = [d("2025-08-31"), d("2025-09-01"), d("2026-02-28"), d("2028-02-29"), d("2028-08-31")]
    numbers = np.array([day_number(x) for x in days], dtype=np.int64)
    assert [year_start(x) for x in days] == [
        d("2024-09-01"),
        d("2025-09-01"),
        d("2025-09-01"),
        d("2027-09-01"),
        d("2027-09-01"),
    ]
    assert _year_starts(numbers).tolist() == [day_number(year_start(x)) for x in days]
    # A leap year's 29 February and 31 August still fit in the year's 732 sessions.
    assert 2 * (d("2028-08-31") - d("2027-09-01")).days + 1 < SESSIONS_PER_YEAR


def world_id(db: Database, upn: str) -> int:
    with db.transaction() as session:
        return session.scalars(select(Pupil.id).where(Pupil.upn == upn)).one()


def test_an_amendment_from_the_pupil_page_is_in_the_dense_register(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    world.marks(pupil, d("2025-09-03"), d("2025-11-19"), {d("2025-11-10"): "N"})
    amend_mark(
        db, who=as_user(db, AO), upn=pupil, today=d("2025-11-20"),
        day="2025-11-10", session="AM", code="I", reason="mother phoned",
    )  # fmt: skip
    assert (world_id(db, pupil), d("2025-11-10"), "AM", "I") in projected(db)
    agrees(db)


@pytest.mark.usefixtures("ctf_school")
def test_a_transfer_file_and_its_second_import_leave_the_two_in_step(
    db: Database, data_dir: Path
) -> None:
    import_ctf(db, data_dir / "sample.ctf.xml")
    assert len(recorded(db)) == 42
    agrees(db)
    import_ctf(db, data_dir / "sample.ctf.xml")
    agrees(db)


def test_clearing_a_generated_school_clears_its_dense_register(db: Database, world: World) -> None:
    pupil = world.pupil()
    world.marks(pupil, d("2025-09-03"), d("2025-09-30"))
    clear_generated_school(db, URN)
    assert stored_years(db) == {}
    agrees(db)


def test_the_sweep_read_from_the_dense_register_equals_the_read_of_the_marks(
    db: Database, world: World
) -> None:
    pupils = [world.pupil() for _ in range(3)]
    codes = list(CODE_ID)
    for n, pupil in enumerate(pupils):
        days = world.calendar.school_days(d("2025-09-03"), d("2025-12-19"))
        store_marks(
            db,
            [
                MarkRecord(pupil, day, session, codes[(i + n) % len(codes)])
                for i, day in enumerate(days)
                for session in ("AM", "PM")
            ],
            URN,
        )
    with db.transaction() as session:
        connection = session.connection()
        school_id = session.scalars(select(Pupil.school_id)).first()
        assert school_id is not None
        for start, end in [
            (d("2025-09-01"), d("2026-08-31")),
            (d("2025-10-01"), d("2025-10-31")),
            (d("2025-09-04"), d("2025-09-04")),
        ]:
            plain = school_mark_arrays(connection, school_id, start, end)
            dense = projected_mark_arrays(connection, school_id, start, end)
            assert sorted(zip(*(a.tolist() for a in dense), strict=True)) == sorted(
                zip(*(a.tolist() for a in plain), strict=True)
            )
