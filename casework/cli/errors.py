"""How the CLI reports a refusal: every expected error becomes one clear line and an exit code.

This is the one place where errors meet the command line: services and the domain say what is
wrong as data, and the hints that name a command or an option are worded here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.text import Text

from casework.cli.console import err, fail

if TYPE_CHECKING:
    from sqlalchemy.exc import SQLAlchemyError

    from casework.services.errors import ServiceError

log = logging.getLogger(__name__)

CONFLICT_EXIT = 3  # someone else changed the case (or the marks) first: look again and retry
USAGE_EXIT = 2  # the command's own input is wrong (a date, a range)


def wording(error: ServiceError) -> str:
    """A service's refusal with the command-line hint that puts it right."""
    from casework.register import upn
    from casework.services.errors import (
        LACodeNeededError,
        PupilNotFoundError,
        SchoolNotFoundError,
        UserNotFoundError,
    )

    if isinstance(error, SchoolNotFoundError):
        if error.several:
            return f"{error}: name one with --school URN"
        if error.urn is None:
            return f"{error}; add one with casework init --school FILE.toml"
        return f"{error}; add it with casework init --school"
    if isinstance(error, PupilNotFoundError) and error.several:
        return f"{error}: name one with --school URN"
    if isinstance(error, PupilNotFoundError) and (problem := upn.hint(error.upn)):
        return f"{error}: {problem}"  # a UPN typed wrong: what is wrong with it
    if isinstance(error, UserNotFoundError):
        return f"{error}; add one with casework user add"
    if isinstance(error, LACodeNeededError):
        return "an LA officer needs --la CODE (the local authority's code)"
    return str(error)


@contextmanager
def reported() -> Iterator[None]:
    """Expected failures become one clear message and a non-zero exit, not a traceback."""
    try:
        yield
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as error:
        _report(error)


def _report(error: Exception) -> None:
    """One line (and an exit code) for a failure. The kinds are imported here, when one is
    to be worded: by then the command has loaded their modules, and a quick command that
    never fails loads none of them."""
    from sqlalchemy.exc import SQLAlchemyError

    from casework.interchange.csv_readers import ImportFileError
    from casework.interchange.ctf import CTFError
    from casework.machines.lifecycle import TriggerError
    from casework.policy.model import PolicyError
    from casework.register.school import SchoolFileError
    from casework.services.errors import (
        ConflictError,
        ImportConflictError,
        RangeError,
        ServiceError,
    )
    from casework.store.database import DatabaseURLError

    if isinstance(error, ImportFileError):
        err.print(Text("import refused; nothing was stored:", "bold red"))
        err.print(str(error), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    if isinstance(error, ConflictError):
        err.print(Text.assemble(("conflict:", "bold red"), f" {error}"), highlight=False)
        if error.submitted:
            err.print("What you submitted, to try again:", highlight=False)
            for key, value in error.submitted.items():
                err.print(f"  {key}: {value}", highlight=False, markup=False)
        raise typer.Exit(CONFLICT_EXIT) from None
    if isinstance(error, ImportConflictError):
        fail(str(error), CONFLICT_EXIT)
    if isinstance(error, RangeError):
        fail(str(error), USAGE_EXIT)
    if isinstance(error, ServiceError):
        fail(wording(error))
    if isinstance(error, DatabaseURLError):
        fail(f"database: {error}")
    if isinstance(error, TriggerError | CTFError | SchoolFileError | PolicyError):
        fail(str(error))
    if isinstance(error, SQLAlchemyError):
        fail(_database_problem(error))
    if isinstance(error, OSError):
        fail(f"{error.filename}: {error.strerror}" if error.filename else str(error))
    # A fault of ours, not of the input: one line without the detail (it may quote pupil
    # data); the traceback only for someone who asked for it with -v.
    log.info("the detail, as asked for with -v:", exc_info=error)
    fail(
        f"unexpected error ({type(error).__name__}); nothing more was done. "
        "Run the command again with casework -v to see the detail"
    )


def _database_problem(error: SQLAlchemyError) -> str:
    """The database's own first line of complaint, with a hint for the usual causes."""
    from casework.store.database import without_password

    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    text = lines[0] if lines else type(cause).__name__
    low = str(cause).lower()
    if "no such table" in low or ("relation" in low and "does not exist" in low):
        text += " (the database has no casework tables yet: run casework init)"
    elif getattr(error, "orig", None) is None:
        text += " (check --database or CASEWORK_DATABASE_URL)"
    return f"database: {without_password(text)}"
