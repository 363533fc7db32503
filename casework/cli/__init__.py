"""The `casework` command line: set up, import, sweep, statistics, cases, users and the demo."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from casework.cli import demo, register, serve, sweep
from casework.cli.cases import case_app
from casework.cli.console import VERBOSE_WORDS, CommandGroup, out
from casework.cli.letters import letters_app
from casework.cli.users import user_app

app = typer.Typer(
    cls=CommandGroup,
    help="Casework: attendance casework for schools and local authorities.",
    no_args_is_help=True,
    add_completion=False,
    # A traceback's local variables would print pupils' data and database URLs.
    pretty_exceptions_show_locals=False,
)


def installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("casework")
    except PackageNotFoundError:  # run from a source folder that was never installed
        return "unknown (not installed)"


def _print_version(asked: bool) -> None:
    if asked:
        out.print(f"casework {installed_version()}", highlight=False)
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[
        bool,
        typer.Option(
            *VERBOSE_WORDS,
            help="Show the detail of an unexpected error (before or after the command).",
        ),
    ] = False,
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version of Casework and stop.",
        ),
    ] = False,
) -> None:
    del show_version  # handled by its callback
    # Pupil data never goes to the log at INFO; this only shows timings, counts and the detail
    # of an unexpected error. Alembic's own steps (plugins, migrations run) are its business.
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


# The order here is the order `casework --help` lists them in.
app.command()(register.init)
app.command()(register.stats)
app.command()(register.cohorts)
app.command("sweep")(sweep.run_sweep)
app.command("demo")(demo.demo_school)
app.command("serve")(serve.serve)
app.add_typer(register.import_app, name="import")
app.add_typer(register.register_app, name="register")
app.add_typer(case_app, name="case")
app.add_typer(letters_app, name="letters")
app.add_typer(user_app, name="user")
