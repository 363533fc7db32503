"""A mark an import changes is amended in the name of the person running it (`--as`), or of
the system account with the file in the reason: never of the school file's attendance lead,
who may not have run it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from casework.interchange.ctf import write_ctf
from casework.interchange.records import MarkRecord, PupilRecord, Transfer
from casework.store.database import Database
from casework.store.models import MarkAmendment
from tests.support.cli import run
from tests.support.files import write_csv
from tests.support.world import AO, HEAD, SYSTEM, TEACHER, World

MARKS = "upn,date,session,code,minutes_late,comment"
DAY = date(2025, 9, 3)  # the first school day


def amendments(db: Database) -> list[tuple[str, str, str, str]]:
    with db.transaction() as session:
        return [
            (a.new_code, a.amended_by, a.amended_by_position, a.reason)
            for a in session.scalars(select(MarkAmendment).order_by(MarkAmendment.id))
        ]


def marks_then_changed(world: World, tmp_path: Path) -> tuple[str, Path, Path]:
    upn = world.pupil(contacts=[])
    first = write_csv(tmp_path / "first.csv", MARKS, [f"{upn},{DAY},AM,/,,"])
    changed = write_csv(tmp_path / "changed.csv", MARKS, [f"{upn},{DAY},AM,M,,dentist"])
    return upn, first, changed


def test_marks_changed_by_an_import_run_as_a_person_are_amended_in_their_name(
    db: Database, world: World, database_url: str, tmp_path: Path
) -> None:
    _upn, first, changed = marks_then_changed(world, tmp_path)
    assert run(database_url, "import", "marks", str(first)).exit_code == 0
    result = run(database_url, "import", "marks", str(changed), "--as", HEAD)
    assert result.exit_code == 0, result.output
    assert "0 added, 1 changed, 0 unchanged" in result.output
    assert amendments(db) == [("M", "Ann Example", "Headteacher", "import")]


def test_marks_changed_by_an_import_naming_no_one_are_amended_by_the_system_account(
    db: Database, world: World, database_url: str, tmp_path: Path
) -> None:
    _upn, first, changed = marks_then_changed(world, tmp_path)
    run(database_url, "import", "marks", str(first))
    result = run(database_url, "import", "marks", str(changed))
    assert result.exit_code == 0, result.output
    assert amendments(db) == [("M", "Casework daily sweep", "automatic", f"import of {changed}")]


def test_a_transfer_file_imported_as_a_person_amends_in_their_name(
    db: Database, world: World, database_url: str, tmp_path: Path
) -> None:
    upn = world.pupil(contacts=[])
    pupil = PupilRecord(upn, "Generated", "Pupil1", date(2016, 1, 1), "F", "4")
    for name, code in (("first.xml", "/"), ("changed.xml", "I")):
        transfer = Transfer(None, [pupil], [], [MarkRecord(upn, DAY, "AM", code)], [])
        (tmp_path / name).write_bytes(write_ctf(transfer))
    run(database_url, "import", "ctf", str(tmp_path / "first.xml"))
    result = run(database_url, "import", "ctf", str(tmp_path / "changed.xml"), "--as", AO)
    assert result.exit_code == 0, result.output
    assert amendments(db) == [("I", "Ben Example", "Attendance Lead", "import")]

    transfer = Transfer(None, [pupil], [], [MarkRecord(upn, DAY, "AM", "M")], [])
    (tmp_path / "again.xml").write_bytes(write_ctf(transfer))
    assert run(database_url, "import", "ctf", str(tmp_path / "again.xml")).exit_code == 0
    assert amendments(db)[1] == (
        "M",
        "Casework daily sweep",
        "automatic",
        f"import of {tmp_path / 'again.xml'}",
    )


@pytest.mark.parametrize(
    ("options", "code", "message"),
    [
        (["--as", SYSTEM], 1, "'casework-sweep' is the daily sweep's own account"),
        (["--as", TEACHER], 1, "t.tutor may not import into the register of school 100001"),
        (["--as", "nobody"], 1, "no user 'nobody'"),
        (["--as", HEAD, "--by", "Cara Clerk", "--position", "Clerk"], 2, "give one of them"),
    ],
)
def test_an_import_names_only_a_person_of_the_school_who_amends_marks(
    db: Database,
    world: World,
    database_url: str,
    tmp_path: Path,
    options: list[str],
    code: int,
    message: str,
) -> None:
    _upn, first, changed = marks_then_changed(world, tmp_path)
    run(database_url, "import", "marks", str(first))
    result = run(database_url, "import", "marks", str(changed), *options)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert amendments(db) == []
