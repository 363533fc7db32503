"""The `casework` command line end to end: init, imports, stats, sweep, cohorts and errors."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from casework.cli import app
from casework.interchange.csv_readers import CONTACT_COLUMNS, MARK_COLUMNS
from casework.store.database import Database
from tests.support.cli import run, runner
from tests.support.data import ALEX, JORDAN, ROBIN
from tests.support.files import write_csv

# Alex, 3 to 9 September 2025 (five school days):
#   present /, \, L, /, \, \   -> 6 present (1 of them late, L)
#   V                          -> 1 approved educational activity
#   I                          -> 1 authorised absence
#   U                          -> 1 unauthorised absence (late after the register closed)
#   Y1                         -> not a possible session
# possible 9, attending 7: attendance 7/9 = 77.78%, absence 2/9 = 22.2% (persistent, not severe)
ALEX_MARKS = [
    f"{ALEX},2025-09-03,AM,/,,",
    f"{ALEX},2025-09-03,PM,\\,,",
    f"{ALEX},2025-09-04,AM,L,12,bus late",
    f"{ALEX},2025-09-04,PM,I,,",
    f"{ALEX},2025-09-05,AM,/,,",
    f"{ALEX},2025-09-05,PM,\\,,",
    f"{ALEX},2025-09-08,AM,V,,museum",
    f"{ALEX},2025-09-08,PM,\\,,",
    f"{ALEX},2025-09-09,AM,Y1,,",
    f"{ALEX},2025-09-09,PM,U,40,",
]
SEPTEMBER_DAYS = ["2025-09-03", "2025-09-04", "2025-09-05", "2025-09-08", "2025-09-09"]
# Jordan: no reason for absence (N) in every session of those five days: severely absent.
JORDAN_MARKS = [f"{JORDAN},{day},{s},N,," for day in SEPTEMBER_DAYS for s in ("AM", "PM")]
# Robin: absent (N) every session of the last week before leaving on Friday 13 February.
FEBRUARY_DAYS = ["2026-02-09", "2026-02-10", "2026-02-11", "2026-02-12", "2026-02-13"]
ROBIN_MARKS = [f"{ROBIN},{day},{s},N,," for day in FEBRUARY_DAYS for s in ("AM", "PM")]

CONTACT_LINES = [
    f"{ALEX},Carol Testington,Mother,Y,Y,1,07700 900001,carol@example.invalid,1 Example Road",
    f"{JORDAN},Erin Carer,Carer,N,Y,1,0113 496 0002,,",
]


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def as_json(result: Result) -> Any:
    return json.loads(ok(result).stdout)


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    contacts = write_csv(tmp_path / "contacts.csv", ",".join(CONTACT_COLUMNS), CONTACT_LINES)
    lines = [*ALEX_MARKS, *JORDAN_MARKS, *ROBIN_MARKS]
    marks = write_csv(tmp_path / "marks.csv", ",".join(MARK_COLUMNS), lines)
    return {"contacts": contacts, "marks": marks}


@pytest.fixture
def loaded(database_url: str, data_dir: Path, files: dict[str, Path]) -> str:
    """The example school with its pupils, two contacts and the marks above; the URL."""
    ok(run(database_url, "init", "--school", str(data_dir / "school.toml")))
    ok(run(database_url, "import", "pupils", str(data_dir / "pupils.csv")))
    ok(run(database_url, "import", "contacts", str(files["contacts"])))
    ok(run(database_url, "import", "marks", str(files["marks"])))
    return database_url


def test_init_adds_the_school_then_updates_it(database_url: str, data_dir: Path) -> None:
    school = str(data_dir / "school.toml")
    first = ok(run(database_url, "init", "--school", school))
    assert "Added school 100001 Example Primary School (policy national-2024)." in first.output
    second = ok(run(database_url, "init", "--school", school))
    assert "Updated school 100001 Example Primary School" in second.output
    assert "Database is up to date." in ok(run(database_url, "init")).output


def test_database_url_from_the_environment(database_url: str, data_dir: Path) -> None:
    env = {"CASEWORK_DATABASE_URL": database_url}
    school = str(data_dir / "school.toml")
    result = runner.invoke(app, ["init", "--school", school], env=env)
    assert "Added school 100001" in ok(result).output
    result = runner.invoke(app, ["import", "pupils", str(data_dir / "pupils.csv")], env=env)
    assert "3 added, 0 changed, 0 unchanged (school 100001)" in ok(result).output
    db = Database(database_url)
    try:
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM pupil").scalar() == 3
    finally:
        db.dispose()


def test_imports_report_what_they_did_and_reimports_change_nothing(
    database_url: str, data_dir: Path, files: dict[str, Path]
) -> None:
    ok(run(database_url, "init", "--school", str(data_dir / "school.toml")))
    pupils = str(data_dir / "pupils.csv")
    assert (
        "3 added, 0 changed, 0 unchanged"
        in ok(run(database_url, "import", "pupils", pupils)).output
    )
    contacts = str(files["contacts"])
    report = as_json(run(database_url, "import", "contacts", contacts, "--json"))
    assert report == {
        "file": contacts,
        "school": "100001",
        "added": 2,
        "changed": 0,
        "unchanged": 0,
        "warnings": [],
    }
    marks = str(files["marks"])
    report = as_json(run(database_url, "import", "marks", marks, "--json"))
    assert (report["added"], report["changed"], report["unchanged"]) == (30, 0, 0)
    for kind, path, total in (
        ("pupils", pupils, 3),
        ("contacts", contacts, 2),
        ("marks", marks, 30),
    ):
        again = as_json(run(database_url, "import", kind, path, "--json"))
        assert (again["added"], again["changed"], again["unchanged"]) == (0, 0, total)


def test_stats_json_has_the_numbers_worked_out_by_hand(loaded: str) -> None:
    stats = as_json(run(loaded, "stats", ALEX, "--as-of", "2025-09-09", "--json"))
    for key in (
        "possible_sessions",
        "present",
        "approved_activity",
        "authorised_absence",
        "unauthorised_absence",
        "late",
        "attendance_rate",
        "persistent_absence",
        "severe_absence",
    ):
        assert key in stats
    assert stats["possible_sessions"] == 9
    assert stats["present"] == 6
    assert stats["approved_activity"] == 1
    assert stats["authorised_absence"] == 1
    assert stats["unauthorised_absence"] == 1
    assert stats["late"] == 2
    # 7 of 9 = 77.777...%: at least two decimals, not 78 or 77.8
    assert abs(stats["attendance_rate"] - 700 / 9) < 0.005
    assert round(stats["attendance_rate"], 2) == 77.78
    assert stats["persistent_absence"] is True
    assert stats["severe_absence"] is False

    jordan = as_json(run(loaded, "stats", JORDAN, "--as-of", "2025-09-09", "--json"))
    assert (jordan["possible_sessions"], jordan["unauthorised_absence"]) == (10, 10)
    assert jordan["attendance_rate"] == 0
    assert (jordan["persistent_absence"], jordan["severe_absence"]) == (True, True)


def test_stats_from_a_later_day(loaded: str) -> None:
    # 5 to 9 September: /, \, V, \, Y1, U -> possible 5, attending 4: 80%, 1 late (U)
    stats = as_json(
        run(loaded, "stats", ALEX, "--from", "2025-09-05", "--as-of", "2025-09-09", "--json")
    )
    assert stats["possible_sessions"] == 5
    assert (stats["present"], stats["approved_activity"]) == (3, 1)
    assert (stats["authorised_absence"], stats["unauthorised_absence"]) == (0, 1)
    assert stats["late"] == 1
    assert stats["attendance_rate"] == 80.0
    assert stats["persistent_absence"] is True  # exactly 20% missed


def test_stats_table_names_the_pupil_and_the_days_it_counted(loaded: str) -> None:
    result = ok(run(loaded, "stats", ALEX, "--as-of", "2025-09-09"))
    lines = result.stdout.splitlines()
    assert lines[0] == f"Alex Testington ({ALEX}) at Example Primary School, school 100001"
    # The first day is the school year's, by default: said, not left to be guessed.
    assert lines[1] == "From 2025-09-03 to 2025-09-09 (both days counted)."
    assert "possible sessions" in result.stdout


def test_stats_table_shows_rates_to_two_places_and_flags_as_yes_or_no(loaded: str) -> None:
    result = ok(run(loaded, "stats", ALEX, "--as-of", "2025-09-09"))
    rows = {
        cells[0]: cells[1]
        for line in result.stdout.splitlines()
        if len(cells := [c.strip() for c in line.strip("│").split("│")]) == 2
    }
    assert rows["attendance rate"] == "77.78%"
    assert rows["absence rate"] == "22.22%"
    assert (rows["persistent absence"], rows["severe absence"]) == ("yes", "no")
    assert "True" not in result.stdout and "False" not in result.stdout


def test_cohorts_table_shows_rates_to_the_same_two_places(loaded: str) -> None:
    result = ok(run(loaded, "cohorts", "--as-of", "2025-09-09"))
    assert "from 2025-09-03 to 2025-09-09" in result.stdout
    whole = next(line for line in result.stdout.splitlines() if "whole" in line)
    rates = re.findall(r"\d+\.\d+%", whole)
    assert rates and all(re.fullmatch(r"\d+\.\d\d%", rate) for rate in rates), whole


def test_stats_refuses_a_day_outside_the_school_calendar_in_one_line(loaded: str) -> None:
    for day in ("2030-01-01", "2025-08-01"):
        result = run(loaded, "stats", ALEX, "--as-of", day)
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        assert result.stderr.splitlines() == [
            f"error: as of {day} is outside the calendar of school 100001 Example Primary "
            "School (3 September 2025 to 22 July 2026)"
        ]
        no_traceback(result)
    refused = run(loaded, "stats", ALEX, "--from", "2024-09-01", "--as-of", "2025-09-09")
    assert refused.exit_code == 2
    assert "from 2024-09-01 is outside the calendar of school 100001" in refused.stderr
    assert run(loaded, "cohorts", "--as-of", "2030-01-01").exit_code == 2


def test_stats_from_after_as_of_fails_clearly(loaded: str) -> None:
    result = run(loaded, "stats", ALEX, "--from", "2025-09-10", "--as-of", "2025-09-09")
    assert result.exit_code == 2
    assert "the start 2025-09-10 is after 2025-09-09" in result.output
    no_traceback(result)
    result = run(loaded, "cohorts", "--from", "2025-09-10", "--as-of", "2025-09-09")
    assert result.exit_code == 2
    assert "the start 2025-09-10 is after 2025-09-09" in result.output
    no_traceback(result)


def test_stats_bad_date_and_unknown_pupil_fail_clearly(loaded: str) -> None:
    result = run(loaded, "stats", ALEX, "--as-of", "9/9/2025")
    assert result.exit_code == 2
    assert "--as-of '9/9/2025' is not a date in the form YYYY-MM-DD" in result.output
    result = run(loaded, "stats", "A000000000000", "--as-of", "2025-09-09")
    assert result.exit_code == 1
    assert "no pupil with UPN A000000000000" in result.output
    no_traceback(result)


def _findings(sweep: dict[str, Any], upn: str) -> dict[str, dict[str, Any]]:
    return {f["rule"]: f for f in sweep["findings"] if f["upn"] == upn}


def test_sweep_json_shape_and_a_persistent_absence_finding(loaded: str) -> None:
    sweep = as_json(run(loaded, "sweep", "--as-of", "2025-09-09", "--json"))
    assert sweep["as_of"] == "2025-09-09"
    assert isinstance(sweep["findings"], list)
    assert sweep["findings"]
    for finding in sweep["findings"]:
        assert {"upn", "rule", "reason", "staff_reason", "began", "evidence"} <= finding.keys()
        assert isinstance(finding["reason"], str)
        assert finding["reason"]
        assert finding["staff_reason"] and finding["staff_reason"] != finding["reason"]
        for mark in finding["evidence"]:
            assert set(mark) == {"date", "session", "code"}

    jordan = _findings(sweep, JORDAN)
    assert {"persistent_absence", "severe_absence"} <= jordan.keys()
    persistent = jordan["persistent_absence"]
    assert "missed 10 of 10 possible sessions" in persistent["reason"]
    assert len(persistent["evidence"]) == 10
    assert {m["code"] for m in persistent["evidence"]} == {"N"}
    assert {m["date"] for m in persistent["evidence"]} == set(SEPTEMBER_DAYS)

    alex = _findings(sweep, ALEX)
    assert "persistent_absence" in alex  # 2 of 9 missed
    assert "severe_absence" not in alex
    assert {
        (m["date"], m["session"], m["code"]) for m in alex["persistent_absence"]["evidence"]
    } == {
        ("2025-09-04", "PM", "I"),
        ("2025-09-09", "PM", "U"),
    }
    # No marks yet this year: the register is incomplete for Robin, and that is all.
    robin = _findings(sweep, ROBIN)
    assert set(robin) == {"register_incomplete"}
    assert robin["register_incomplete"]["evidence"] == []
    assert "3 September 2025 AM, 3 September 2025 PM" in robin["register_incomplete"]["reason"]


def test_sweep_findings_table_on_request_names_each_pupil_beside_the_upn(loaded: str) -> None:
    result = ok(run(loaded, "sweep", "--as-of", "2025-09-09", "--school", "100001", "--findings"))
    lines = result.stdout.splitlines()
    assert any(line.startswith("│ Jordan Sampleby") for line in lines), result.stdout
    assert any(line.startswith(f"│ {JORDAN}") for line in lines), result.stdout
    # Staff read the sentence that names the pupil, not the one written to parents.
    assert "Jordan Sampleby has missed" in result.output
    assert "your child" not in result.output.lower()


def test_sweep_prints_a_summary_by_default(loaded: str) -> None:
    dry = as_json(run(loaded, "sweep", "--as-of", "2025-09-09", "--dry-run", "--json"))
    result = ok(run(loaded, "sweep", "--as-of", "2025-09-09", "--school", "100001"))
    found = len(dry["findings"])
    assert result.stdout.splitlines()[0] == f"Swept 3 pupils as of 2025-09-09: {found} findings."
    # Counted by rule, not pupil by pupil: no sentence about any one pupil.
    assert "has missed" not in result.stdout and JORDAN not in result.stdout
    rules = {f["rule"] for f in dry["findings"]}
    assert all(re.search(rf"│ {rule} +│", result.stdout) for rule in rules), result.stdout
    assert "casework sweep --findings" in result.stdout


def test_sweep_json_is_the_same_with_or_without_the_findings_table(loaded: str) -> None:
    plain = as_json(run(loaded, "sweep", "--as-of", "2025-09-09", "--dry-run", "--json"))
    table = run(loaded, "sweep", "--as-of", "2025-09-09", "--dry-run", "--json", "--findings")
    assert as_json(table) == plain
    assert set(plain) == {
        "as_of", "findings", "cases_opened", "evidence_added", "deadlines_due",
        "deadlines_overdue", "transitions_fired", "notices_recorded", "letters_drafted",
        "letters_refused",
    }  # fmt: skip
    assert set(plain["findings"][0]) == {
        "school", "upn", "rule", "reason", "staff_reason", "began", "evidence"
    }  # fmt: skip


def test_the_sweep_keeps_a_finding_that_opens_no_case_once_and_says_so(loaded: str) -> None:
    first = as_json(run(loaded, "sweep", "--as-of", "2025-09-09", "--json"))
    assert {"upn": ROBIN, "rule": "register_incomplete", "began": "2025-09-03"} in first[
        "notices_recorded"
    ]
    # The same gap in the register found again the next day: nothing more kept, nothing said.
    again = ok(run(loaded, "sweep", "--as-of", "2025-09-10", "--school", "100001"))
    assert "no case kept for the worklist" not in again.output
    again_json = as_json(run(loaded, "sweep", "--as-of", "2025-09-10", "--json"))
    assert again_json["notices_recorded"] == []


def test_the_sweep_table_counts_the_findings_kept_for_the_worklist(loaded: str) -> None:
    result = ok(run(loaded, "sweep", "--as-of", "2025-09-09", "--school", "100001"))
    # Robin has no marks yet this year (register_incomplete, a rule that opens no case).
    (count,) = re.findall(r"^(\d+) findings? that opens? no case kept for the worklist\.$",
                          result.output, re.MULTILINE)  # fmt: skip
    assert int(count) >= 1


def test_a_leaver_is_not_swept_after_leaving(loaded: str) -> None:
    on_last_day = as_json(run(loaded, "sweep", "--as-of", "2026-02-13", "--json"))
    assert "persistent_absence" in _findings(on_last_day, ROBIN)
    after = as_json(run(loaded, "sweep", "--as-of", "2026-02-23", "--json"))
    assert _findings(after, ROBIN) == {}
    assert "persistent_absence" in _findings(after, JORDAN)  # the others are still swept
    # A Saturday after leaving, inside the half-term week, too.
    weekend = as_json(run(loaded, "sweep", "--as-of", "2026-02-14", "--json"))
    assert _findings(weekend, ROBIN) == {}


def test_cohorts_json(loaded: str) -> None:
    report = as_json(run(loaded, "cohorts", "--as-of", "2025-09-09", "--json"))
    assert (report["school"], report["from"], report["as_of"]) == (
        "100001",
        "2025-09-03",
        "2025-09-09",
    )
    cohorts = report["cohorts"]
    assert list(cohorts) == [
        "whole school",
        "year 3",
        "year 4",
        "year 5",
        "pupil premium",
        "not pupil premium",
        "SEND",
        "not SEND",
    ]
    whole = cohorts["whole school"]
    assert whole["pupils"] == 3
    assert whole["possible_sessions"] == 9 + 10
    assert (whole["present"], whole["approved_activity"]) == (6, 1)
    assert (whole["authorised_absence"], whole["unauthorised_absence"]) == (1, 11)
    assert whole["late"] == 2
    assert abs(whole["attendance_rate"] - 700 / 19) < 0.005  # 7 of 19
    assert (whole["persistent_absentees"], whole["persistent_absence_rate"]) == (2, 100.0)
    assert whole["severe_absentees"] == 1
    assert cohorts["year 4"]["possible_sessions"] == 9
    assert cohorts["year 3"]["possible_sessions"] == 0
    assert cohorts["year 3"]["attendance_rate"] is None
    assert (cohorts["pupil premium"]["pupils"], cohorts["SEND"]["pupils"]) == (1, 1)
    assert cohorts["SEND"]["severe_absentees"] == 1


def test_bad_import_exits_non_zero_naming_file_line_and_column(loaded: str, tmp_path: Path) -> None:
    before = as_json(run(loaded, "stats", ALEX, "--as-of", "2025-09-10", "--json"))
    path = tmp_path / "a-rather-long-folder-name-to-push-the-location-past-eighty-characters.csv"
    lines = [",".join(MARK_COLUMNS), f"{ALEX},2025-09-10,AM,/,,", f"{ALEX},2025-09-10,PM,Q9,,"]
    path.write_text("\n".join(lines) + "\n")
    result = run(loaded, "import", "marks", str(path))
    assert result.exit_code == 1
    no_traceback(result)
    assert "nothing was stored" in result.output
    # One line, not wrapped at the terminal width: editors jump to file:line:column.
    assert f"{path}:3:4 (code): unknown attendance code 'Q9'" in result.output.splitlines()
    after = as_json(run(loaded, "stats", ALEX, "--as-of", "2025-09-10", "--json"))
    assert after == before  # the good first line was not stored either


def test_unreadable_input_and_unset_database_fail_without_a_traceback(
    loaded: str, tmp_path: Path
) -> None:
    result = run(loaded, "import", "pupils", str(tmp_path))
    assert result.exit_code == 1
    assert f"{tmp_path}:0: cannot be read" in result.output
    no_traceback(result)

    result = run(loaded, "import", "marks", str(tmp_path / "missing.csv"))
    assert result.exit_code == 1
    assert "no such file" in result.output
    no_traceback(result)

    empty = f"sqlite:///{tmp_path / 'never-initialised.sqlite'}"
    result = runner.invoke(app, ["stats", ALEX, "--as-of", "2025-09-09", "--database", empty])
    assert result.exit_code == 1
    assert "run casework init" in result.output
    no_traceback(result)

    result = runner.invoke(app, ["sweep", "--database", "nosuchdialect://x"])
    assert result.exit_code == 1
    assert "database:" in result.output
    no_traceback(result)

    result = run(loaded, "init", "--school", str(tmp_path / "missing.toml"))
    assert result.exit_code == 1
    assert "missing.toml: no such file" in result.output
    no_traceback(result)


def _console_script() -> str:
    found = shutil.which("casework") or str(Path(sys.executable).parent / "casework")
    assert Path(found).is_file(), "the casework console script is not installed"
    return found


def test_the_installed_console_script_runs(database_url: str, data_dir: Path) -> None:
    script = _console_script()
    env = {**os.environ, "CASEWORK_DATABASE_URL": database_url}

    def casework(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [script, *args], capture_output=True, text=True, env=env, timeout=120, check=False
        )

    init = casework("init", "--school", str(data_dir / "school.toml"))
    assert init.returncode == 0, init.stderr
    assert "Added school 100001" in init.stdout
    imported = casework("import", "pupils", str(data_dir / "pupils.csv"), "--json")
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["added"] == 3
    imported = casework("import", "marks", str(data_dir / "marks.csv"))
    assert imported.returncode == 0, imported.stderr
    stats = casework("stats", ALEX, "--as-of", "2025-09-04", "--json")
    assert stats.returncode == 0, stats.stderr
    # tests/data/marks.csv: /, \, L, I -> 3 of 4 attended
    assert json.loads(stats.stdout)["attendance_rate"] == 75.0
    failed = casework("stats", ALEX, "--from", "2025-09-05", "--as-of", "2025-09-04")
    assert failed.returncode == 2
    assert "Traceback" not in failed.stderr
    assert "is after" in failed.stderr
