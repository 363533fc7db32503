"""Running the `casework` command in process against a test database."""

from __future__ import annotations

from typer.testing import CliRunner, Result

from casework.cli import app

runner = CliRunner()


def run(database_url: str, *args: str) -> Result:
    """`casework ARGS --database URL`; the result, whatever the exit code."""
    return runner.invoke(app, [*args, "--database", database_url])
