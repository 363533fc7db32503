"""A bad file is refused with every problem in one pass, each named by the line its record
starts on: the reader's own problems and those that need the school together, up to a cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.interchange.csv_readers import MAX_PROBLEMS, ImportFileError
from casework.services.register.importing import import_contacts, import_marks
from casework.store.database import Database
from tests.support.files import write_csv
from tests.support.rows import Snapshot
from tests.support.world import URN, World, generated_upn

MARKS = "upn,date,session,code,minutes_late,comment"
CONTACTS = (
    "upn,name,relationship,parental_responsibility,lives_with_pupil,priority,phone,email,address"
)
NOBODY = generated_upn(999)  # a valid UPN of no pupil at the school


def refused(db: Database, path: Path, importer: object = import_marks) -> list[str]:
    with pytest.raises(ImportFileError) as error:
        importer(db, path, URN)  # type: ignore[operator]
    return str(error.value).splitlines()


def good_lines(world: World, upn: str, days: int) -> list[str]:
    return [
        f"{upn},{day.isoformat()},{session},{code},,"
        for day in world.calendar.days[:days]
        for session, code in (("AM", "/"), ("PM", "\\"))
    ]


def test_a_bad_byte_is_named_by_its_own_line_and_column(
    db: Database, world: World, tmp_path: Path, snapshot: Snapshot
) -> None:
    upn = world.pupil(contacts=[])
    # Far more than one chunk of good lines first: the text is decoded ahead of the reader.
    lines = good_lines(world, upn, 150)
    path = tmp_path / "marks.csv"
    bad_line = len(lines) + 2
    day = world.calendar.days[150].isoformat()
    path.write_bytes(
        (MARKS + "\n" + "\n".join(lines) + "\n").encode()
        + f"{upn},{day},AM,M,,dentist at ".encode()
        + b"caf\xe9\n"
    )
    before = snapshot(db)
    assert refused(db, path) == [
        f"{path}:{bad_line}:{len(upn) + 33}: byte 0xe9 is not UTF-8 text",
    ]
    assert snapshot(db) == before


def test_a_record_over_several_lines_is_named_by_the_line_it_starts_on(
    db: Database, world: World, tmp_path: Path
) -> None:
    upn = world.pupil(contacts=[])
    days = [d.isoformat() for d in world.calendar.days[:3]]
    path = write_csv(
        tmp_path / "marks.csv",
        MARKS,
        [
            f'{upn},{days[0]},AM,/,,"a note',  # line 2: a comment over three lines
            "over three",
            'lines"',
            f'{upn},{days[1]},AM,Q9,,"another',  # line 5: a bad code, over two lines
            'note"',
            f"{upn},{days[2]},AM,Q8,,",  # line 7
        ],
    )
    assert refused(db, path) == [
        f"{path}:5:4 (code): unknown attendance code 'Q9'",
        f"{path}:7:4 (code): unknown attendance code 'Q8'",
    ]


def test_every_problem_of_a_marks_file_is_reported_in_one_pass(
    db: Database, world: World, tmp_path: Path, snapshot: Snapshot
) -> None:
    upn = world.pupil(contacts=[])
    school_day = world.calendar.days[0].isoformat()  # 2025-09-03
    path = write_csv(
        tmp_path / "marks.csv",
        MARKS,
        [
            f"{upn},{school_day},AM,Q9,,",  # the reader's: an unknown code
            f"{NOBODY},{school_day},AM,/,,",  # the school's: no such pupil
            f"{upn},2025-09-06,AM,/,,",  # the school's: a Saturday
            f"{upn},{school_day},PM,/,7,",  # the reader's: minutes late on a present mark
            f"{upn},2025-09-04,AM,/,,",  # good, and not stored
        ],
    )
    before = snapshot(db)
    assert refused(db, path) == [
        f"{path}:2:4 (code): unknown attendance code 'Q9'",
        f"{path}:3:1 (upn): no pupil with UPN {NOBODY} at school {URN}",
        f"{path}:4:2 (date): 2025-09-06 is not a school day",
        f"{path}:5:5 (minutes_late): is only for a late mark (L or U), not /",
    ]
    assert snapshot(db) == before


def test_many_problems_are_listed_up_to_the_cap_and_the_rest_counted(
    db: Database, world: World, tmp_path: Path
) -> None:
    world.pupil(contacts=[])
    days = [d.isoformat() for d in world.calendar.days[:40]]
    lines = [f"{NOBODY},{day},{session},/,," for day in days for session in ("AM", "PM")]
    lines[0] = lines[0].replace(",/,", ",Q9,")
    shown = refused(db, write_csv(tmp_path / "marks.csv", MARKS, lines))
    assert MAX_PROBLEMS == 50
    assert len(shown) == 51
    assert shown[0].endswith(":2:4 (code): unknown attendance code 'Q9'")
    assert all(f"no pupil with UPN {NOBODY}" in line for line in shown[1:50])
    assert shown[50] == f"... and {len(lines) - 50} more problems"


def test_every_problem_of_a_contacts_file_is_reported_in_one_pass(
    db: Database, world: World, tmp_path: Path, snapshot: Snapshot
) -> None:
    upn = world.pupil(contacts=[])
    path = write_csv(
        tmp_path / "contacts.csv",
        CONTACTS,
        [
            f"{upn},Ann Parent,Mother,Y,Y,0,,,",  # the reader's: priority 0
            f"{NOBODY},Bo Parent,Father,Y,Y,1,,,",  # the school's: no such pupil
            f"{upn},Cy Parent,Father,Y,Y,2,,,",  # good, and not stored
        ],
    )
    before = snapshot(db)
    assert refused(db, path, import_contacts) == [
        f"{path}:2:6 (priority): '0' must be a whole number from 1 to 99",
        f"{path}:3:1 (upn): no pupil with UPN {NOBODY} at school {URN}",
    ]
    assert snapshot(db) == before
