"""How the CLI reports a refusal: every expected error becomes one clear line and an exit code.

This is the one place where errors meet the command line: services and the domain say what is
wrong as data, and the hints that name a command or an option are worded here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError

from casework.cli.console import err, fail
from casework.interchange.csv_readers import ImportFileError
from casework.interchange.ctf import CTFError
from casework.machines.lifecycle import TriggerError
from casework.policy.model import PolicyError
from casework.register import upn
from casework.register.school import SchoolFileError
from casework.services.errors import (
    ConflictError,
    ImportConflictError,
    LACodeNeededError,
    PupilNotFoundError,
    RangeError,
    SchoolNotFoundError,
    ServiceError,
    UserNotFoundError,
)
from casework.store.database import DatabaseURLError, without_password

log = logging.getLogger(__name__)

CONFLICT_EXIT = 3  # someone else changed the case (or the marks) first: look again and retry
USAGE_EXIT = 2  # the command's own input is wrong (a date, a range)


def wording(error: ServiceError) -> str:
    """A service's refusal with the command-line hint that puts it right."""
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
    except ImportFileError as error:
        err.print(Text("import refused; nothing was stored:", "bold red"))
        err.print(str(error), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except ConflictError as error:
        err.print(Text.assemble(("conflict:", "bold red"), f" {error}"), highlight=False)
        if error.submitted:
            err.print("What you submitted, to try again:", highlight=False)
            for key, value in error.submitted.items():
                err.print(f"  {key}: {value}", highlight=False, markup=False)
        raise typer.Exit(CONFLICT_EXIT) from None
    except ImportConflictError as error:
        fail(str(error), CONFLICT_EXIT)
    except RangeError as error:
        fail(str(error), USAGE_EXIT)
    except ServiceError as error:
        fail(wording(error))
    except DatabaseURLError as error:
        fail(f"database: {error}")
    except (TriggerError, CTFError, SchoolFileError, PolicyError) as error:
        fail(str(error))
    except SQLAlchemyError as error:
        fail(_database_problem(error))
    except OSError as error:
        fail(f"{error.filename}: {error.strerror}" if error.filename else str(error))
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as error:
        # A fault of ours, not of the input: one line without the detail (it may quote pupil
        # data); the traceback only for someone who asked for it with -v.
        log.info("the detail, as asked for with -v:", exc_info=error)
        fail(
            f"unexpected error ({type(error).__name__}); nothing more was done. "
            "Run the command again with casework -v to see the detail"
        )


def _database_problem(error: SQLAlchemyError) -> str:
    """The database's own first line of complaint, with a hint for the usual causes."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    text = lines[0] if lines else type(cause).__name__
    low = str(cause).lower()
    if "no such table" in low or ("relation" in low and "does not exist" in low):
        text += " (the database has no casework tables yet: run casework init)"
    elif getattr(error, "orig", None) is None:
        text += " (check --database or CASEWORK_DATABASE_URL)"
    return f"database: {without_password(text)}"
