"""A large import stores and amends marks a batch at a time, with the same record as ever,
and reports its progress in counts that never name a pupil."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from casework.interchange.csv_readers import MARK_COLUMNS
from casework.services.register import importing
from casework.services.register.importing import Amender, import_marks, import_pupils
from casework.services.register.schools import get_school
from casework.store.database import Database
from casework.store.models import MarkAmendment
from tests.support.data import ALEX, JORDAN, ROBIN
from tests.support.files import write_csv
from tests.support.rows import stored_marks

HEADER = ",".join(MARK_COLUMNS)
CLERK = Amender("Cara Clerk", "Office Manager")
# A comment with what COPY and CSV quote: a tab, a backslash, a quote, a new line.
AWKWARD = 'bus late\tagain \\ said "soon"\nsecond line'


def _days(db: Database) -> list[date]:
    return get_school(db, None).calendar.school_days(date(2025, 9, 3), date(2025, 9, 12))


def _line(upn: str, day: date, session: str, code: str, late: str = "", note: str = "") -> str:
    quoted = '"' + note.replace('"', '""') + '"' if note else ""
    return f"{upn},{day.isoformat()},{session},{code},{late},{quoted}"


@pytest.fixture
def marked(db: Database, school: int, data_dir: Path, tmp_path: Path) -> list[date]:
    """The pupils of tests/data with a present mark for every session of eight school days."""
    import_pupils(db, data_dir / "pupils.csv")
    days = _days(db)
    lines = [
        _line(upn, day, session, "/" if session == "AM" else "\\")
        for upn in (ALEX, JORDAN, ROBIN)
        for day in days
        for session in ("AM", "PM")
    ]
    assert import_marks(db, write_csv(tmp_path / "first.csv", HEADER, lines)).added == 48
    return days


def _amendments(db: Database) -> list[tuple[Any, ...]]:
    with db.transaction() as session:
        rows = session.scalars(select(MarkAmendment).order_by(MarkAmendment.id))
        return [
            (
                a.date,
                a.session,
                a.original_code,
                a.original_minutes_late,
                a.original_comment,
                a.new_code,
                a.new_minutes_late,
                a.new_comment,
                a.reason,
                a.amended_by,
                a.amended_by_position,
                a.amended_at,
            )
            for a in rows
        ]


def test_a_reimport_amends_a_batch_at_a_time_recording_every_change_as_before(
    db: Database, marked: list[date], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches: list[int] = []
    amend = importing.amend_marks

    def counted(session: Any, changes: Any, **record: Any) -> None:
        batches.append(len(changes))
        amend(session, changes, **record)

    monkeypatch.setattr(importing, "STORE_BATCH", 3)
    monkeypatch.setattr(importing, "amend_marks", counted)
    day = marked
    changed = [
        _line(ALEX, day[0], "AM", "M", note="dentist"),
        _line(ALEX, day[1], "AM", "L", "12", AWKWARD),
        _line(ALEX, day[2], "PM", "I"),
        _line(JORDAN, day[0], "AM", "U", "40", "100% late"),
        _line(JORDAN, day[3], "PM", "\\", note="came back"),
        _line(JORDAN, day[4], "AM", "G"),
        _line(ROBIN, day[7], "PM", "O", note="[/x] no word"),
        _line(ROBIN, day[6], "PM", "\\"),  # as stored: unchanged
    ]
    report = import_marks(db, write_csv(tmp_path / "changed.csv", HEADER, changed), amender=CLERK)
    assert (report.added, report.changed, report.unchanged) == (0, 7, 1)
    assert batches == [3, 3, 1]

    rows = _amendments(db)
    stamps = {row[-1] for row in rows}
    assert len(stamps) == 1 and None not in stamps  # one import, one time
    fixed = ("import", "Cara Clerk", "Office Manager")
    assert [row[:-1] for row in rows] == [
        (day[0], "AM", "/", None, None, "M", None, "dentist", *fixed),
        (day[1], "AM", "/", None, None, "L", 12, AWKWARD, *fixed),
        (day[2], "PM", "\\", None, None, "I", None, None, *fixed),
        (day[0], "AM", "/", None, None, "U", 40, "100% late", *fixed),
        (day[3], "PM", "\\", None, None, "\\", None, "came back", *fixed),
        (day[4], "AM", "/", None, None, "G", None, None, *fixed),
        (day[7], "PM", "\\", None, None, "O", None, "[/x] no word", *fixed),
    ]
    marks = stored_marks(db)
    assert marks[(ALEX, day[1], "AM")] == ("L", 12, AWKWARD)
    assert marks[(JORDAN, day[0], "AM")] == ("U", 40, "100% late")
    assert marks[(JORDAN, day[3], "PM")] == ("\\", None, "came back")
    assert marks[(ROBIN, day[7], "PM")] == ("O", None, "[/x] no word")
    assert marks[(ROBIN, day[6], "PM")] == ("\\", None, None)

    # Amended back: the amendment's original is the entry the last one made.
    back = [_line(ALEX, day[1], "AM", "/"), _line(JORDAN, day[0], "AM", "U", "40", "100% late")]
    again = import_marks(db, write_csv(tmp_path / "back.csv", HEADER, back), amender=CLERK)
    assert (again.changed, again.unchanged) == (1, 1)
    assert _amendments(db)[-1][:-1] == (day[1], "AM", "L", 12, AWKWARD, "/", None, None, *fixed)
    assert stored_marks(db)[(ALEX, day[1], "AM")] == ("/", None, None)


def test_an_import_reports_its_progress_in_counts_that_name_no_pupil(
    db: Database, marked: list[date], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "STORE_BATCH", 4)
    day = marked
    lines = [_line(ALEX, d, "AM", "I") for d in day[:6]]  # six amendments
    lines += [_line(JORDAN, date(2025, 9, 15), s, "/") for s in ("AM", "PM")]  # two new marks
    steps: list[str] = []
    import_marks(db, write_csv(tmp_path / "more.csv", HEADER, lines), progress=steps.append)
    assert steps == [
        "reading",
        "checking",
        "storing",
        "2 of 8 marks stored",
        "6 of 8 marks stored",
        "8 of 8 marks stored",
    ]
    assert not any(upn in step for step in steps for upn in (ALEX, JORDAN, ROBIN))
