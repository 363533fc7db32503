"""The `casework user` commands: people who use Casework and their roles."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from casework import shapes, text
from casework.cli.console import (
    CommandGroup,
    DatabaseOption,
    JsonOption,
    SchoolOption,
    open_database,
    out,
    print_json,
)
from casework.cli.errors import reported
from casework.services.access import sign_in, users

user_app = typer.Typer(
    cls=CommandGroup, help="People who use Casework and their roles.", no_args_is_help=True
)


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Sign-in name, e.g. b.example")],
    name: Annotated[str, typer.Option(metavar="TEXT", help="Full name, as letters are signed.")],
    position: Annotated[str, typer.Option(metavar="TEXT", help="Job title, e.g. Attendance Lead.")],
    role: Annotated[
        str,
        typer.Option(
            metavar="ROLE", help="attendance_officer, senior_leader, la_officer or teacher."
        ),
    ],
    school: SchoolOption = None,
    la: Annotated[
        str | None, typer.Option("--la", metavar="CODE", help="LA code, for an LA officer.")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Add a user with a role at a school (or at an LA for LA officers)."""
    with reported(), open_database(database, migrate=True) as db:
        who = users.add_user(
            db,
            username=username,
            name=name,
            position=position,
            role=role,
            school_urn=school,
            la_code=la,
        )
    out.print(f"Added {who.username}: {who.name}, {who.position} ({who.role.value}).")


@user_app.command("list")
def user_list(database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Everyone who can use this database."""
    with reported(), open_database(database) as db:
        everyone = users.list_users(db)
    if as_json:
        print_json([shapes.user(u) for u in everyone])
        return
    table = Table("username", "name", "position", "role")
    for u in everyone:
        table.add_row(u.username, u.name, u.position, u.role.value)
    out.print(table)


@user_app.command("password")
def user_password(
    username: Annotated[str, typer.Argument(help="Whose password to set.")],
    database: DatabaseOption = None,
) -> None:
    """Set a password for signing in (asked for twice; read from standard input if piped)."""
    if sys.stdin.isatty():
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with reported(), open_database(database, migrate=True) as db:
        sign_in.set_password(db, username, password)
    out.print(f"Password set for {username}.")


@user_app.command("token")
def user_token(
    username: Annotated[str, typer.Argument(help="Whose API token.")],
    revoke: Annotated[
        bool, typer.Option("--revoke", help="End every token of this user instead.")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Print a new API token once (only its hash is kept), or end them all with --revoke."""
    with reported(), open_database(database, migrate=True) as db:
        if revoke:
            ended = sign_in.revoke_tokens(db, username)
            out.print(f"Ended {text.counted(ended, 'token')} of {username}.", highlight=False)
            return
        token = sign_in.issue_token(db, username)
    sys.stdout.write(token + "\n")
