"""An endless input (/dev/zero) or a file larger than any school's is refused by every import
command with one clear line saying the limit, after reading no more than the limit; so is a
transfer file with a date no register has."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from casework.interchange.ctf import write_ctf
from casework.interchange.limits import LARGEST
from casework.interchange.records import MarkRecord, PupilRecord, Transfer
from casework.store.database import Database
from tests.support.cli import run
from tests.support.rows import Snapshot
from tests.support.world import World

ENDLESS = Path("/dev/zero")


def one_error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert "Traceback" not in output
    return "\n".join(lines)


@pytest.mark.parametrize("kind", ["pupils", "contacts", "marks"])
def test_an_endless_csv_input_is_refused_with_one_line(
    world: World, database_url: str, db: Database, snapshot: Snapshot, kind: str
) -> None:
    before = snapshot(db)
    began = time.perf_counter()
    result = run(database_url, "import", kind, str(ENDLESS))
    assert time.perf_counter() - began < 30  # bounded: it stops at the limit
    assert result.exit_code == 1
    assert one_error_line(result.output) == (
        "import refused; nothing was stored:\n"
        "/dev/zero:1: line 1 goes on for more than 1 MB without ending: not a CSV file"
    )
    assert snapshot(db) == before


def test_an_endless_transfer_file_is_refused_with_the_limit(
    world: World, database_url: str, db: Database, snapshot: Snapshot
) -> None:
    before = snapshot(db)
    result = run(database_url, "import", "ctf", str(ENDLESS))
    assert result.exit_code == 1
    assert one_error_line(result.output) == (
        "import refused; nothing was stored:\n"
        "/dev/zero:0: is larger than 100 MB, the most a common transfer file may be; "
        "split it and import the parts one after another"
    )
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("kind", "megabytes", "name"),
    [
        ("pupils", 20, "pupils file"),
        ("contacts", 50, "contacts file"),
        ("marks", 200, "marks file"),
        ("ctf", 100, "common transfer file"),
    ],
)
def test_a_file_larger_than_its_kind_may_be_is_refused_before_reading_it(
    world: World, database_url: str, tmp_path: Path, kind: str, megabytes: int, name: str
) -> None:
    path = tmp_path / f"huge-{kind}"
    with path.open("wb") as handle:  # sparse: no disk is written
        handle.truncate(LARGEST[kind] + 1)
    began = time.perf_counter()
    result = run(database_url, "import", kind, str(path))
    assert time.perf_counter() - began < 10
    assert result.exit_code == 1
    assert f"{path}:0: is larger than {megabytes} MB, the most a {name} may be" in result.output
    assert "Traceback" not in result.output


def test_a_transfer_file_starting_its_marks_in_9999_is_refused_with_one_line(
    world: World, database_url: str, db: Database, tmp_path: Path, snapshot: Snapshot
) -> None:
    upn = world.pupil(contacts=[])
    pupil = PupilRecord(upn, "Generated", "Pupil1", date(2016, 1, 1), "F", "4")
    data = write_ctf(
        Transfer(None, [pupil], [], [MarkRecord(upn, date(2025, 9, 3), "AM", "/")], [])
    )
    path = tmp_path / "transfer.xml"
    path.write_bytes(
        data.replace(b"2025-09-03</AttendanceStartDate>", b"9999-12-30</AttendanceStartDate>")
    )
    lines = data.decode().splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if "AttendanceStartDate" in text)
    before = snapshot(db)
    result = run(database_url, "import", "ctf", str(path))
    assert result.exit_code == 1
    assert one_error_line(result.output) == (
        f"error: {path}: line {line}: pupil {upn}: AttendanceStartDate '9999-12-30' is outside "
        "the years 1900 to 2100"
    )
    assert snapshot(db) == before
