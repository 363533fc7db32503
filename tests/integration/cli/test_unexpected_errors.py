"""A fault of ours reaches the user as one line and exit 1: no traceback, no pupil data; the
detail only under -v."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from casework.cli import app
from casework.services.letters import drafts
from casework.store.database import Database
from tests.support.world import AO, World


def broken(*_: object, **__: object) -> None:
    raise RuntimeError("Tamsin Penhaligon, 12 Test Street")  # what a fault might quote


def test_an_unexpected_error_is_one_line_without_its_detail(
    db: Database, world: World, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(drafts, "list_letters", broken)
    result = CliRunner().invoke(app, ["letters", "list", "--as", AO, "--database", database_url])
    assert result.exit_code == 1
    assert "unexpected error (RuntimeError)" in result.output
    assert "casework -v" in result.output
    assert "Tamsin" not in result.output and "Traceback" not in result.output


def test_with_v_the_detail_is_logged(
    db: Database,
    world: World,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(drafts, "list_letters", broken)
    with caplog.at_level("INFO"):
        result = CliRunner().invoke(
            app, ["-v", "letters", "list", "--as", AO, "--database", database_url]
        )
    assert result.exit_code == 1
    assert "Tamsin Penhaligon" in caplog.text  # asked for, so shown
