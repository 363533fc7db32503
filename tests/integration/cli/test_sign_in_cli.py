"""`casework user password`, `casework user token` and the demo's sign-ins, through the CLI."""

from __future__ import annotations

from datetime import date

import pytest

from casework import demo
from casework.cli import app
from casework.cli import demo as demo_command
from casework.services.access import sign_in
from casework.store.database import Database
from tests.support.cli import runner
from tests.support.world import AO, World


def invoke(database_url: str, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [*args, "--database", database_url], input=stdin)


def test_a_password_piped_in_is_set_and_signs_in(
    db: Database, database_url: str, world: World
) -> None:
    result = invoke(database_url, "user", "password", AO, stdin="a long new password\n")
    assert result.exit_code == 0, result.output
    assert f"Password set for {AO}." in result.stdout
    assert sign_in.sign_in(db, AO, "a long new password").username == AO


def test_a_short_password_or_an_unknown_user_is_one_clear_line(
    database_url: str, world: World
) -> None:
    short = invoke(database_url, "user", "password", AO, stdin="short\n")
    assert short.exit_code == 1
    assert "a password needs at least 10 characters" in short.stderr
    nobody = invoke(database_url, "user", "password", "ghost", stdin="a long new password\n")
    assert nobody.exit_code == 1
    assert "no user 'ghost'; add one with casework user add" in " ".join(nobody.stderr.split())
    assert "Traceback" not in short.output + nobody.output


def test_a_token_is_printed_once_and_revoke_ends_it(
    db: Database, database_url: str, world: World
) -> None:
    issued = invoke(database_url, "user", "token", AO)
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip()
    assert token.startswith("cw_")
    assert sign_in.actor_for_token(db, token) is not None
    revoked = invoke(database_url, "user", "token", AO, "--revoke")
    assert "Ended 1 token of b.lead." in revoked.stdout
    assert sign_in.actor_for_token(db, token) is None


def test_the_system_account_gets_no_password(database_url: str, world: World) -> None:
    result = invoke(database_url, "user", "password", "casework-sweep", stdin="a long password\n")
    assert result.exit_code == 1
    assert "cannot sign in" in result.stderr


def test_demo_serve_opens_cases_and_prints_a_working_sign_in_per_demo_user(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[date | None] = []
    monkeypatch.setattr(
        demo_command, "run_app", lambda _db, _host, _port, today=None: served.append(today)
    )
    result = invoke(database_url, "demo", "--as-of", "2025-11-20", "--serve")
    assert result.exit_code == 0, result.output
    assert served == [date(2025, 11, 20)]  # the web app works as of the demo's day
    assert "cases. Sign in as:" in result.stdout
    for username, _role in demo.DEMO_USERS:
        line = next(row for row in result.stdout.splitlines() if row.startswith(f"│ {username} "))
        password = line.split("│")[3].strip()
        assert sign_in.sign_in(db, username, password).username == username
