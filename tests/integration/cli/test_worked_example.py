"""The README's worked example (docs/example/run.sh) runs and says what the README shows."""

from __future__ import annotations

import runpy
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casework.cli import app
from tests.support.data import REPO

EXAMPLE = REPO / "docs" / "example"


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


def _fresh_clone(tmp_path: Path) -> Path:
    """A clone as the README's Quick start leaves it: the example folder, and a `.venv` whose
    `casework` and `python3` run this checkout's code (the test's own interpreter)."""
    clone = tmp_path / "clone"
    shutil.copytree(EXAMPLE, clone / "docs" / "example")
    bin_dir = clone / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    entry = "import sys; from casework.cli import app; sys.argv[0] = 'casework'; sys.exit(app())"
    for name, command in (("casework", f'-c "{entry}"'), ("python3", "")):
        script = bin_dir / name
        script.write_text(
            f'#!/bin/sh\nPYTHONPATH="{REPO}" exec "{sys.executable}" {command} "$@"\n'
        )
        script.chmod(0o755)
    return clone


def test_the_worked_example_runs_from_a_fresh_clone_and_prints_all_of_output_txt(
    tmp_path: Path,
) -> None:
    clone = _fresh_clone(tmp_path)
    # Not activated: neither casework nor a Python with Casework on PATH, as in a new shell.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    done = subprocess.run(
        ["bash", "docs/example/run.sh"],
        cwd=clone, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert done.stderr == ""  # everything, refusals too, is in the transcript
    recorded = (EXAMPLE / "output.txt").read_text()
    # Nothing in it varies from run to run (no temporary paths, no timings): all of it, line
    # for line.
    assert done.stdout.splitlines() == recorded.splitlines()
    assert "error: cannot agree plan now: no signed attendance plan on file" in recorded


def test_run_sh_says_so_when_casework_is_not_installed(tmp_path: Path) -> None:
    folder = tmp_path / "docs" / "example"
    shutil.copytree(EXAMPLE, folder)
    done = subprocess.run(
        ["bash", str(folder / "run.sh")],
        env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr == "run.sh: no casework command: install it first (README, Quick start)\n"


def test_the_readme_shows_the_worked_examples_lines_as_it_prints_them() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Worked example", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    recorded = (EXAMPLE / "output.txt").read_text().splitlines()
    shown = [line for line in section.strip().splitlines()]
    assert len(shown) > 20
    missing = [line for line in shown if line not in recorded]
    assert missing == []


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
