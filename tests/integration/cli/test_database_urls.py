"""A database URL Casework cannot use is one clear line, and never shows its password."""

from __future__ import annotations

import builtins
from typing import Any

import pytest
from typer.testing import CliRunner

from casework.cli import app
from casework.store.database import without_password


def casework(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "'not a url' is not a database URL (like sqlite:///"),
        ("mysqlx://ann:s3cret@db/x", "mysqlx: not a database Casework works with"),
        ("sqlite+nosuch://ann:s3cret@db/x", "not a database Casework works with"),
    ],
)
def test_a_url_casework_cannot_use_is_one_line(url: str, expected: str) -> None:
    code, output = casework("case", "list", "--as", "x", "--database", url)
    assert code == 1
    assert expected in output
    assert "s3cret" not in output and "Traceback" not in output


def test_a_password_never_shows() -> None:
    shown = without_password("could not connect to postgresql://ann:s3cret@db:5432/x (timeout)")
    assert shown == "could not connect to postgresql://ann:***@db:5432/x (timeout)"


def test_postgresql_without_its_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real = builtins.__import__

    def no_psycopg(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("psycopg"):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_psycopg)
    code, output = casework(
        "case", "list", "--as", "x", "--database", "postgresql://ann:s3cret@db/x"
    )
    assert code == 1
    assert "pip install 'casework[postgres]'" in output and "s3cret" not in output
