"""An import shows its progress on a terminal's standard error, in steps and counts that never
name a pupil, and nothing at all when standard error is a pipe or a file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from casework.cli import console
from tests.support.cli import run
from tests.support.data import ALEX, JORDAN, ROBIN

# Each import, its file in tests/data and what its progress shows last.
IMPORTS = [
    ("pupils", "pupils.csv", "Importing pupils"),
    ("marks", "marks.csv", "Importing marks: 6 of 6 marks stored"),
    # The sample's marks are of another school year: none fall on this school's days.
    ("ctf", "sample.ctf.xml", "Importing a transfer file: storing"),
]


@pytest.fixture
def initialised(database_url: str, data_dir: Path) -> str:
    result = run(database_url, "init", "--school", str(data_dir / "school.toml"))
    assert result.exit_code == 0, result.output
    return database_url


@pytest.mark.parametrize(("kind", "file", "label"), IMPORTS)
def test_on_a_terminal_an_import_shows_its_progress_without_pupil_data(
    initialised: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    file: str,
    label: str,
) -> None:
    if kind == "marks":
        assert run(initialised, "import", "pupils", str(data_dir / "pupils.csv")).exit_code == 0
    terminal = io.StringIO()
    monkeypatch.setattr(
        console, "err", Console(file=terminal, force_terminal=True, markup=False, width=80)
    )
    result = run(initialised, "import", kind, str(data_dir / file))
    assert result.exit_code == 0, result.output
    shown = terminal.getvalue()
    assert label in shown
    for upn in (ALEX, JORDAN, ROBIN, "B801200005001"):
        assert upn not in shown


@pytest.mark.parametrize(("kind", "file", "label"), IMPORTS)
def test_when_standard_error_is_not_a_terminal_an_import_shows_no_progress(
    initialised: str, data_dir: Path, kind: str, file: str, label: str
) -> None:
    if kind == "marks":
        assert run(initialised, "import", "pupils", str(data_dir / "pupils.csv")).exit_code == 0
    result = run(initialised, "import", kind, str(data_dir / file))
    assert result.exit_code == 0, result.output
    assert label not in result.stderr
    assert "marks stored" not in result.stderr
