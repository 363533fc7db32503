"""The CLI as a newcomer meets it (issue 10, item 10): pupils' names beside UPNs, tables that
read at 80 columns, --version, -v anywhere, CASEWORK_USER, help in words, a step's parameters
as options of their own or asked for, counts and flags in words."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner, Result

from casework.cli import app, cases
from tests.support.cli import run, runner
from tests.support.data import REPO
from tests.support.dates import d
from tests.support.world import AO, World

PUPIL_NAME = "Pupil1 Generated"  # the first pupil World makes


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def as_json(result: Result) -> Any:
    return json.loads(ok(result).stdout)


def concern(world: World, database_url: str) -> tuple[str, str]:
    """A generated pupil's attendance concern, opened by hand: (UPN, case id)."""
    upn = world.pupil()
    opened = as_json(
        run(database_url, "case", "open", upn, "attendance_concern", "--as", AO,
            "--today", "2026-01-19", "--json")
    )  # fmt: skip
    return upn, str(opened["id"])


def narrow(database_url: str, *args: str, **kwargs: Any) -> Result:
    """The command as it prints in an 80-column terminal."""
    return runner.invoke(app, [*args, "--database", database_url], env={"COLUMNS": "80"}, **kwargs)


def test_case_list_and_show_name_the_pupil_beside_the_upn(world: World, database_url: str) -> None:
    upn, cid = concern(world, database_url)
    listed = ok(narrow(database_url, "case", "list", "--as", AO)).stdout
    row = next(line for line in listed.splitlines() if upn in line)
    assert "Pupil1" in row and "Generated" in listed
    shown = ok(narrow(database_url, "case", "show", cid, "--as", AO, "--today", "2026-01-19"))
    assert shown.stdout.splitlines()[0] == (
        f"Case {cid}: Attendance concern for {PUPIL_NAME} ({upn}), school 100001"
    )
    # --json is unchanged: the same keys as before, no name added.
    assert set(as_json(run(database_url, "case", "list", "--as", AO, "--json"))[0]) == {
        "id", "upn", "kind", "state", "version", "school", "opened_on"
    }  # fmt: skip


def test_case_show_at_80_columns_cuts_no_trigger_and_no_line(
    world: World, database_url: str
) -> None:
    _upn, cid = concern(world, database_url)
    result = ok(narrow(database_url, "case", "show", cid, "--as", AO, "--today", "2026-01-19"))
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in result.stdout
    shown = as_json(
        run(database_url, "case", "show", cid, "--as", AO, "--today", "2026-01-19", "--json")
    )
    for step in shown["next_steps"]:
        # Whole, on one line of its cell: a trigger is typed as it is shown.
        assert any(re.search(rf"│ {step['trigger']} +│", line) for line in lines), step
    for role in ("attendance officer", "senior leader"):
        assert role.split()[0] in result.stdout


def test_case_list_and_sweep_at_80_columns_keep_upns_and_rule_names_whole(
    world: World, database_url: str
) -> None:
    upn, _cid = concern(world, database_url)
    listed = ok(narrow(database_url, "case", "list", "--as", AO)).stdout
    assert upn in listed and max(map(len, listed.splitlines())) <= 80
    swept = ok(narrow(database_url, "sweep", "--as-of", "2026-01-19", "--dry-run", "--findings"))
    found = as_json(run(database_url, "sweep", "--as-of", "2026-01-19", "--dry-run", "--json"))
    assert max(map(len, swept.stdout.splitlines())) <= 80
    assert "…" not in swept.stdout
    for finding in found["findings"]:
        assert finding["rule"] in swept.stdout and finding["upn"] in swept.stdout


def test_case_show_lists_what_each_step_takes_with_its_allowed_values(
    world: World, database_url: str
) -> None:
    _upn, cid = concern(world, database_url)
    wide = runner.invoke(
        app,
        ["case", "show", cid, "--as", AO, "--today", "2026-01-19", "--database", database_url],
        env={"COLUMNS": "200"},
    )
    lines = ok(wide).stdout.splitlines()
    close = lines.index(next(line for line in lines if re.search(r"│ close +│", line)))
    # Under the trigger, one option a line: the allowed values, or what kind of value.
    below = [line.split("│")[2].strip() for line in lines[close + 1 : close + 3]]
    assert below == [
        "--outcome improved_sustained | left_roll | transferred | other",
        "--note TEXT",
    ]


def test_a_step_takes_its_parameters_as_options_of_their_own(
    world: World, database_url: str
) -> None:
    _upn, cid = concern(world, database_url)
    fired = ok(
        run(database_url, "case", "fire", cid, "close", "--as", AO, "--today", "2026-01-19",
            "--outcome", "other", "--note", "moved to a school abroad")
    )  # fmt: skip
    assert f"Case {cid}: monitoring -> closed." in fired.stdout
    shown = as_json(run(database_url, "case", "show", cid, "--as", AO, "--json"))
    assert shown["chronology"][-1]["note"] == "moved to a school abroad"


def test_an_option_no_step_of_that_trigger_takes_is_refused_in_one_line(
    world: World, database_url: str
) -> None:
    _upn, cid = concern(world, database_url)
    result = run(database_url, "case", "fire", cid, "close", "--as", AO, "--colour", "red")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: '--colour' is not an option of case fire close (its options: --outcome)"
    ]
    shown = as_json(run(database_url, "case", "show", cid, "--as", AO, "--json"))
    assert shown["state"] == "monitoring"  # nothing was done


def test_p_key_value_still_gives_a_step_its_parameters(world: World, database_url: str) -> None:
    _upn, cid = concern(world, database_url)
    fired = ok(
        run(database_url, "case", "fire", cid, "close", "--as", AO, "--today", "2026-01-19",
            "-p", "outcome=transferred", "--note", "transferred")
    )  # fmt: skip
    assert "monitoring -> closed." in fired.stdout


def test_at_a_terminal_what_a_step_needs_is_asked_for_with_its_allowed_values(
    world: World, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _upn, cid = concern(world, database_url)
    monkeypatch.setattr(cases, "interactive", lambda: True)
    result = run_with_input(
        database_url,
        "nothing\nother\nthe family moved away\n",
        "case", "fire", cid, "close", "--as", AO, "--today", "2026-01-19",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Outcome (improved_sustained, left_roll, transferred, other):" in result.output
    assert "outcome must be one of improved_sustained, left_roll, transferred, other" in (
        result.output
    )
    assert f"Case {cid}: monitoring -> closed." in result.output
    shown = as_json(run(database_url, "case", "show", cid, "--as", AO, "--json"))
    assert shown["chronology"][-1]["note"] == "the family moved away"


def run_with_input(database_url: str, typed: str, *args: str) -> Result:
    return runner.invoke(app, [*args, "--database", database_url], input=typed)


def test_casework_user_is_the_default_for_as(world: World, database_url: str) -> None:
    upn, cid = concern(world, database_url)
    listed = runner.invoke(
        app, ["case", "list", "--json", "--database", database_url], env={"CASEWORK_USER": AO}
    )
    assert [c["upn"] for c in as_json(listed)] == [upn]
    # --as still wins over it, and without either the command says what it needs.
    other = runner.invoke(
        app,
        ["case", "list", "--as", "ghost", "--database", database_url],
        env={"CASEWORK_USER": AO},
    )
    assert other.exit_code == 1 and "no user 'ghost'" in other.stderr
    missing = runner.invoke(
        app, ["case", "show", cid, "--database", database_url], env={"CASEWORK_USER": None}
    )
    assert missing.exit_code == 2 and "--as" in missing.output


def test_version_prints_the_installed_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"casework {version('casework')}\n"


def _casework(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, as a person runs it (logging set up afresh)."""
    code = "import sys; from casework.cli import app; sys.argv[0] = 'casework'; app()"
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "100"}
    env.pop("CASEWORK_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_v_is_taken_before_or_after_the_command_without_alembic_internals(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    for args in (["-v", "init", "--database", url], ["init", "--database", url, "-v"]):
        done = _casework(*args, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stdout == "Database is up to date.\n"
        assert done.stderr == ""  # no "Context impl SQLiteImpl.", no "setup plugin"
    shown = _casework("user", "list", "-v", "--database", url, "--json", cwd=tmp_path)
    assert shown.returncode == 0 and json.loads(shown.stdout) == []


def test_v_after_the_command_word_is_not_taken_from_after_a_double_dash() -> None:
    from casework.cli.console import verbose_first

    assert verbose_first(["case", "list", "-v"]) == ["-v", "case", "list"]
    assert verbose_first(["case", "--verbose", "list", "-v"]) == ["--verbose", "case", "list"]
    assert verbose_first(["case", "--", "-v"]) == ["case", "--", "-v"]


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


def test_help_placeholders_read_as_words() -> None:
    every = _commands(get_command(app))
    assert ("case", "fire") in every and ("import", "marks") in every
    for path in every:
        result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, path
        # Typer's own placeholders name Python types: <str>, <int>, <bool>, <list[str]>.
        typed = re.findall(r"<[a-z]+(?:\[[a-z]+\])?>", result.stdout)
        assert typed == [], (path, typed)
    fire = CliRunner().invoke(app, ["case", "fire", "--help"], env={"COLUMNS": "200"}).stdout
    assert re.search(r"--json +Print JSON", fire)  # a flag: nothing to fill in
    assert re.search(r"--today +DATE", fire) and re.search(r"--as +USER", fire)
    assert "{CASE_ID} {TRIGGER}" in fire
    stats = CliRunner().invoke(app, ["stats", "--help"], env={"COLUMNS": "200"}).stdout
    assert "{UPN}" in stats and re.search(r"--as-of +DATE", stats)


def test_a_case_the_sweep_opened_shows_every_word_at_80_columns(
    world: World, database_url: str
) -> None:
    # Twelve school days without a reason: a CME case in its long-named state, opened by a
    # rule with a long name, recorded by the system account.
    upn = world.pupil()
    days = world.calendar.school_days(d("2025-11-17"), d("2025-12-02"))
    world.marks(upn, d("2025-09-03"), d("2025-12-02"), dict.fromkeys(days, "N"))
    ok(run(database_url, "sweep", "--as-of", "2025-12-02"))
    cases_of = as_json(run(database_url, "case", "list", "--as", AO, "--json"))
    (cme,) = [c for c in cases_of if c["kind"] == "missing_education"]
    shown = ok(narrow(database_url, "case", "show", str(cme["id"]), "--as", AO,
                      "--today", "2025-12-02"))  # fmt: skip
    assert max(len(line) for line in shown.stdout.splitlines()) <= 80
    assert "…" not in shown.stdout
    # What folded is all there: the chronology's "what" column, read down, has the state.
    lines = shown.stdout.splitlines()
    after = lines[next(i for i, line in enumerate(lines) if "Chronology" in line) :]
    what = "".join(line.split("│")[3].strip() for line in after if line.count("│") == 6)
    assert f"openedin{cme['state']}" in what.replace(" ", "")
