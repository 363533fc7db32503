"""The daily sweep's own account is no person's: it cannot be named with --as, signed in to,
given a token or a password, and what only it may record stays its own."""

from __future__ import annotations

import pytest

from casework.services.access import sign_in, users
from casework.services.errors import ServiceError, UserError
from casework.store.database import Database
from tests.support.cli import run
from tests.support.world import SYSTEM, World


@pytest.mark.parametrize("name", [SYSTEM, f" {SYSTEM} ", SYSTEM.upper()])
def test_no_person_may_act_as_the_sweep(db: Database, world: World, name: str) -> None:
    with pytest.raises(UserError, match="the daily sweep's own account"):
        users.resolve(db, name)


def test_the_cli_refuses_it_in_one_line(world: World, database_url: str) -> None:
    for args in (
        ("case", "list", "--as", SYSTEM),
        ("case", "evidence", "1", "finding", "--as", SYSTEM, "-f", "rule=x"),
        ("letters", "list", "--as", SYSTEM),
    ):
        result = run(database_url, *args)
        assert result.exit_code == 1, args
        assert "the daily sweep's own account: no person may act as it" in result.output
        assert "Traceback" not in result.output


def test_it_has_no_password_or_token(db: Database, world: World) -> None:
    with pytest.raises(ServiceError):
        sign_in.set_password(db, SYSTEM, "a long enough password")
    with pytest.raises(ServiceError):
        sign_in.issue_token(db, SYSTEM)


def test_the_sweep_still_acts_as_itself(db: Database, world: World) -> None:
    assert users.system_actor(db).role == "system"
