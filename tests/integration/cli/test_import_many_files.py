"""`casework import marks FILE...`: the day's files of many schools in one process, in order,
each all or nothing; a file refused stops the run there and keeps the files before it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casework.store.database import Database
from casework.store.models import SessionMark
from tests.integration.services.test_imports import ctf_school  # noqa: F401  (a fixture)
from tests.support.cli import run
from tests.support.files import write_csv
from tests.support.world import World

MARKS = "upn,date,session,code,minutes_late,comment"
DAY = date(2025, 9, 3)


def stored(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(SessionMark)) or 0)


def test_several_files_are_imported_in_order_in_one_run(
    database_url: str, db: Database, world: World, tmp_path: Path
) -> None:
    one, two = world.pupil(contacts=[]), world.pupil(contacts=[])
    first = write_csv(tmp_path / "a.csv", MARKS, [f"{one},{DAY},AM,/,,", f"{two},{DAY},AM,/,,"])
    later = write_csv(tmp_path / "b.csv", MARKS, [f"{one},{DAY},AM,M,,dentist"])
    result = run(database_url, "import", "marks", str(first), str(later))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{first}: 2 added, 0 changed, 0 unchanged (school 100001).",
        f"{later}: 0 added, 1 changed, 0 unchanged (school 100001).",
    ]
    again = run(database_url, "import", "marks", str(first), str(later), "--json")
    reports = json.loads(again.stdout)
    assert [(r["file"], r["added"], r["changed"], r["unchanged"]) for r in reports] == [
        (str(first), 0, 1, 1),  # the first file puts the mark back, the second changes it again
        (str(later), 0, 1, 0),
    ]


def test_one_file_still_answers_with_one_report(
    database_url: str, world: World, tmp_path: Path
) -> None:
    upn = world.pupil(contacts=[])
    only = write_csv(tmp_path / "a.csv", MARKS, [f"{upn},{DAY},AM,/,,"])
    report = json.loads(run(database_url, "import", "marks", str(only), "--json").stdout)
    assert (report["file"], report["added"]) == (str(only), 1)


def test_a_refused_file_stops_the_run_and_keeps_the_files_before_it(
    database_url: str, db: Database, world: World, tmp_path: Path
) -> None:
    upn = world.pupil(contacts=[])
    good = write_csv(tmp_path / "good.csv", MARKS, [f"{upn},{DAY},AM,/,,"])
    bad = write_csv(tmp_path / "bad.csv", MARKS, [f"{upn},{DAY},PM,QQ,,"])
    never = write_csv(tmp_path / "never.csv", MARKS, [f"{upn},2025-09-04,AM,/,,"])
    result = run(database_url, "import", "marks", str(good), str(bad), str(never))
    assert result.exit_code == 1
    assert f"{bad}" in result.stderr and "QQ" in result.stderr
    assert (
        f"stopped at {bad}: 1 file before it imported, 1 file after it not imported"
        in result.stderr.replace("\n", " ")
    )
    assert "Traceback" not in result.output
    assert stored(db) == 1  # good.csv's mark, and nothing of bad.csv or never.csv


@pytest.mark.usefixtures("ctf_school")  # a second school, URN 100003
def test_with_several_schools_each_file_goes_to_the_school_its_pupils_are_at(
    database_url: str, world: World, tmp_path: Path
) -> None:
    upn = world.pupil(contacts=[])
    day = write_csv(tmp_path / "day.csv", MARKS, [f"{upn},{DAY},AM,/,,"])
    result = run(database_url, "import", "marks", str(day))
    assert result.exit_code == 0, result.output
    assert "(school 100001)" in result.stdout
    stranger = write_csv(tmp_path / "stranger.csv", MARKS, [f"A123456789012,{DAY},AM,/,,"])
    refused = run(database_url, "import", "marks", str(stranger))
    assert refused.exit_code != 0 and "Traceback" not in refused.output
    assert (
        f"there is more than one school, and the pupils of {stranger} are at none of them: "
        "name one with --school URN" in refused.stderr.replace("\n", " ")
    )
