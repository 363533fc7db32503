"""What every command shares: the consoles, common options, dates, the database and JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from casework.store.database import Database, sqlite_file_missing

# Nothing printed is read as markup: a name, a note or a file name with "[/x]" or "[white on
# white]" in it prints as written. Our own emphasis is given as styles (rich.text.Text).
out = Console(markup=False)
err = Console(stderr=True, markup=False)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        envvar="CASEWORK_DATABASE_URL",
        help="Database URL (default: a SQLite file casework.sqlite in this folder).",
    ),
]
SchoolOption = Annotated[
    str | None, typer.Option("--school", help="URN of the school (needed with several schools).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
AsOption = Annotated[str, typer.Option("--as", help="Your username (casework user add).")]
TodayOption = Annotated[
    str | None,
    typer.Option("--today", help="Act as of this day (default: today); for replaying records."),
]


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on standard error and a non-zero exit. The message is printed as text: what
    it quotes (a file name, a value typed) is never read as markup."""
    # soft_wrap: a long file:line:column must stay on one line for editors and grep
    err.print(Text.assemble(("error:", "bold red"), " ", message), highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def parse_day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{name} {value!r} is not a date in the form YYYY-MM-DD", 2)


def today_from(value: str | None) -> date:
    """The day given with --today, or today."""
    return parse_day(value, "--today") or date.today()


def pairs(values: list[str] | None, what: str) -> dict[str, Any]:
    """KEY=VALUE options as a dict, refusing anything else by name."""
    found: dict[str, Any] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"{what} {item!r} must look like key=value", 2)
        found[key.strip()] = value.strip()
    return found


@contextmanager
def open_database(url: str | None, *, migrate: bool = False) -> Iterator[Database]:
    """The database to work on; only a command that sets it up (`migrate`) may make one, so
    that reading in the wrong folder leaves no empty database file behind."""
    missing = sqlite_file_missing(url)
    if missing is not None and not migrate:
        fail(
            f"database: no database at {missing} yet (run casework init there, or give --database)"
        )
    db = Database(url)
    try:
        if migrate:
            db.migrate()
        yield db
    finally:
        db.dispose()


@contextmanager
def progress_steps(label: str) -> Iterator[Callable[[str], None]]:
    """A spinner with the current step, for anything that may take more than a second."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task(label)
        yield lambda step: progress.update(task, description=f"{label}: {step}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
