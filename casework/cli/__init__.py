"""The `casework` command line: set up, import, sweep, statistics, cases, users and the demo."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from casework.cli import demo, register, serve, sweep
from casework.cli.cases import case_app
from casework.cli.letters import letters_app
from casework.cli.users import user_app

app = typer.Typer(
    help="Casework: attendance casework for schools and local authorities.",
    no_args_is_help=True,
    add_completion=False,
    # A traceback's local variables would print pupils' data and database URLs.
    pretty_exceptions_show_locals=False,
)


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress.")] = False,
) -> None:
    # Pupil data never goes to the log at INFO; this only shows timings and counts.
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")


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
