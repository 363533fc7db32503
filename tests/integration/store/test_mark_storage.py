"""Bulk mark storage: what goes in comes back, and the sweep's packed reads equal plain rows."""

from __future__ import annotations

import random
from datetime import date

import numpy as np

from casework.interchange.records import MarkRecord, PupilRecord
from casework.register import upn
from casework.register.codes import CODES
from casework.services.register.importing import store_marks, store_pupils
from casework.services.register.schools import get_school
from casework.store.database import Database
from casework.store.marks import _cursor_arrays, school_mark_arrays
from tests.support.rows import stored_marks

PUPILS = [upn.make(f"8510000{i:05d}") for i in range(12)]
COMMENTS = ["", "bus late", "tab\there", "back\\slash", "two\nlines", "carriage\rreturn", "£ café"]


def _fill(db: Database) -> list[MarkRecord]:
    store_pupils(
        db,
        [
            PupilRecord(
                u, "Generated", "Pupil", date(2016, 1, 1), "F", "4", admission_date=date(2025, 9, 3)
            )
            for u in PUPILS
        ],
    )
    calendar = get_school(db, None).calendar
    days = calendar.school_days(date(2025, 9, 3), date(2025, 12, 19))
    chooser = random.Random(7)
    codes = [c.code for c in CODES]
    marks = [
        MarkRecord(
            pupil,
            day,
            session,
            chooser.choice(codes),
            chooser.choice([None, 5, 25]),
            chooser.choice(COMMENTS),
        )
        for pupil in PUPILS
        for day in days
        for session in ("AM", "PM")
        if chooser.random() < 0.9  # gaps: sessions with no mark yet
    ]
    store_marks(db, marks)
    return marks


def test_every_code_comment_and_minute_comes_back_as_stored(db: Database, school: int) -> None:
    marks = _fill(db)
    stored = stored_marks(db, no_comment="")
    assert stored == {
        (m.upn, m.date, m.session): (m.code, m.minutes_late, m.comment) for m in marks
    }


def test_packed_school_read_equals_the_plain_row_read(db: Database, school: int) -> None:
    _fill(db)
    start, end = date(2025, 9, 1), date(2025, 12, 31)
    with db.transaction() as session:
        connection = session.connection()
        packed = school_mark_arrays(connection, school, start, end)
        plain = _cursor_arrays(connection, school, start, end)

    def rows(arrays: tuple[np.ndarray, ...]) -> list[tuple[int, ...]]:
        return sorted(zip(*(a.tolist() for a in arrays), strict=True))

    assert len(packed[0]) > 1000
    assert rows(packed) == rows(plain)
    # Every code in the code set was stored and read back to its own id.
    assert set(packed[3].tolist()) == set(range(1, len(CODES) + 1))
