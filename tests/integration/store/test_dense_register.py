"""The dense register (`register_year`) always says what `session_mark` says: after imports of
new and changed marks, amendments, transfer files and a generated school cleared, and when
rebuilt; and the sweep's matrix read from it is the one the marks make."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from casework.interchange.records import MarkRecord
from casework.register.codes import CODE_ID, code_for_id
from casework.register.marks import Register
from casework.services.register.amendments import amend_mark
from casework.services.register.importing import (
    clear_generated_school,
    import_ctf,
    import_marks,
    store_marks,
)
from casework.services.register.school_register import load_register
from casework.services.register.schools import SchoolContext, school_context
from casework.store.database import Database
from casework.store.marks import day_number, school_mark_arrays
from casework.store.models import Pupil, RegisterYear, School, SessionMark
from casework.store.projection import (
    SESSIONS_PER_YEAR,
    _year_starts,
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


def from_the_record(db: Database, school_id: int, start: date, end: date) -> np.ndarray:
    """The sweep's matrix built from `session_mark` itself, a mark at a time."""
    loaded = load_register(db, school_context_by_id(db, school_id), start, end)
    register = Register(loaded.register.calendar, start, end, loaded.register.pupils)
    row_of = {p.id: row for row, p in enumerate(loaded.pupils)}
    with db.transaction() as session:
        pupil_ids, days, sessions, codes = school_mark_arrays(
            session.connection(), school_id, start, end
        )
    for pupil_id, day, sess, code in zip(
        *(a.tolist() for a in (pupil_ids, days, sessions, codes)), strict=True
    ):
        when = date(1970, 1, 1) + timedelta(days=day)
        if register.calendar.is_school_day(when) and start <= when <= end:
            register.codes[row_of[pupil_id], register.column(when, "AM" if sess == 0 else "PM")] = (
                code
            )
    for row, pupil in enumerate(loaded.pupils):
        register.clear_outside(row, pupil.admission_date, pupil.leaving_date)
    return register.codes


def school_context_by_id(db: Database, school_id: int) -> SchoolContext:
    with db.transaction() as session:
        return school_context(session.get_one(School, school_id))


def test_the_sweep_matrix_from_the_dense_register_is_the_one_the_marks_make(
    db: Database, world: World
) -> None:
    codes = list(CODE_ID)
    pupils = [world.pupil() for _ in range(4)]
    days = world.calendar.school_days(d("2025-09-03"), d("2026-03-27"))
    store_marks(
        db,
        [
            MarkRecord(pupil, day, session, codes[(3 * i + n + (session == "PM")) % len(codes)])
            for n, pupil in enumerate(pupils)
            for i, day in enumerate(days)
            for session in ("AM", "PM")
            if (i + n) % 7  # gaps: sessions with no mark
        ],
        URN,
    )
    with db.transaction() as session:
        school_id = session.scalars(select(Pupil.school_id)).first()
    assert school_id is not None
    context = school_context_by_id(db, school_id)
    for start, end in [
        (d("2025-09-01"), d("2026-08-31")),
        (d("2025-10-20"), d("2025-11-07")),  # across half term
        (d("2025-12-19"), d("2026-01-05")),  # across Christmas
        (d("2026-03-02"), d("2026-03-02")),
    ]:
        dense = load_register(db, context, start, end).register.codes
        assert dense.any()
        assert np.array_equal(dense, from_the_record(db, school_id, start, end)), (start, end)


def test_imports_for_pupils_far_apart_or_close_together_keep_the_two_in_step(
    db: Database, world: World, tmp_path: Path
) -> None:
    first = world.pupil()
    between = [world.pupil() for _ in range(10)]
    last = world.pupil()
    world.marks(between[0], d("2025-09-03"), d("2025-09-12"))  # a year row no import touches
    world.marks(first, d("2025-09-03"), d("2025-09-05"))
    header = "upn,date,session,code,minutes_late,comment\n"
    far = tmp_path / "far.csv"  # two pupils twelve ids apart: read as pairs, not as a range
    far.write_text(header + f"{first},2025-09-08,AM,I,,\n{last},2025-09-08,AM,O,,\n")
    assert import_marks(db, far, URN).added == 2
    agrees(db)
    near = tmp_path / "near.csv"  # three ids apart, another pupil's row among them: a range
    near.write_text(header + f"{first},2025-09-03,AM,M,,\n{between[1]},2025-09-09,PM,N,,\n")
    report = import_marks(db, near, URN)
    assert (report.added, report.changed) == (1, 1)
    agrees(db)
