"""A read in a folder with no database says so and leaves no empty database file behind; an
unknown policy lists the policies there are."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from casework.cli import app

READS = (["stats", "X123"], ["case", "list", "--as", "x"], ["letters", "list", "--as", "x"])


def test_a_read_in_an_empty_folder_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CASEWORK_DATABASE_URL", raising=False)
    for args in READS:
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 1
        assert "no database at casework.sqlite yet (run casework init there" in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_policy_lists_the_policies(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    result = CliRunner().invoke(app, ["demo", "--policy", "nope", "--database", url])
    assert result.exit_code == 1
    shown = " ".join(result.output.split())
    assert "nope.toml: no such policy file" in shown
    assert "(policies: cooper, copnor, delius, national-2024, woodlands)" in shown
