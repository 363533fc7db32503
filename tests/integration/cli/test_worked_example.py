"""The README's worked example (docs/example/run.sh) runs and says what the README shows."""

from __future__ import annotations

import re
import runpy
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casework.cli import app
from tests.support.data import REPO

EXAMPLE = REPO / "docs" / "example"
KEY_LINE = re.compile(r"-> |^error|deadline:|opened case|cases opened")


def _commands(script: str) -> list[tuple[list[str], bool]]:
    """The `run ...` lines of run.sh as argument lists, and whether a failure is expected."""
    out = []
    for line in script.splitlines():
        if not line.startswith("run "):
            continue
        expect_failure = line.rstrip().endswith("|| true")
        line = line.removesuffix("|| true").strip()
        out.append((shlex.split(line)[1:], expect_failure))
    return out


def test_worked_example_matches_its_recorded_output(tmp_path: Path) -> None:
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    runpy.run_path(str(folder / "marks.py"), run_name="__main__")
    env = {"CASEWORK_DATABASE_URL": f"sqlite:///{tmp_path / 'example.sqlite'}", "COLUMNS": "110"}
    runner = CliRunner()
    transcript: list[str] = []
    for args, expect_failure in _commands((folder / "run.sh").read_text()):
        # Paths in the script are relative to its folder.
        args = [str(folder / a) if (folder / a).is_file() else a for a in args]
        result = runner.invoke(app, args, env=env, catch_exceptions=False)
        assert (result.exit_code != 0) == expect_failure, (args, result.output)
        transcript.extend(result.output.splitlines())
    recorded = (EXAMPLE / "output.txt").read_text().splitlines()
    ours = [
        line for line in transcript if KEY_LINE.search(line) and not line.startswith(("│", "┃"))
    ]
    theirs = [
        line for line in recorded if KEY_LINE.search(line) and not line.startswith(("│", "┃"))
    ]
    assert ours == theirs
    assert "Case 2: approved -> issued." in ours


def _recorded_blocks(text: str) -> list[tuple[str, list[str]]]:
    """output.txt as (command line, the lines it printed), one pair per `$ casework` line."""
    blocks: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ casework"):
            blocks.append((line, []))
        elif blocks:
            blocks[-1][1].append(line)
    return [(command, "\n".join(lines).rstrip("\n").splitlines()) for command, lines in blocks]


def test_worked_example_prints_every_line_it_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    monkeypatch.chdir(folder)  # run as run.sh does, so file names print as it shows them
    runpy.run_path(str(folder / "marks.py"), run_name="__main__")
    env = {"CASEWORK_DATABASE_URL": f"sqlite:///{tmp_path / 'example.sqlite'}", "COLUMNS": "110"}
    runner = CliRunner()
    recorded = _recorded_blocks((EXAMPLE / "output.txt").read_text())
    commands = _commands((folder / "run.sh").read_text())
    assert len(recorded) == len(commands)
    for (args, _expect_failure), (command, lines) in zip(commands, recorded, strict=True):
        result = runner.invoke(app, args, env=env, catch_exceptions=False)
        assert result.output.rstrip("\n").splitlines() == lines, command
