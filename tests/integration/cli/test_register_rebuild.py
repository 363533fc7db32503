"""`casework register rebuild`: the dense register made again from the marks, the same as the
imports kept it; the figures read from it unchanged."""

from __future__ import annotations

from sqlalchemy import delete

from casework.store.database import Database
from casework.store.models import RegisterYear
from tests.integration.cli.test_cli import ALEX, as_json, files, loaded, run  # noqa: F401
from tests.integration.store.test_dense_register import stored_years


def test_rebuild_makes_again_what_the_imports_kept(loaded: str) -> None:  # noqa: F811
    db = Database(loaded)
    kept = stored_years(db)
    figures = as_json(run(loaded, "stats", ALEX, "--as-of", "2025-09-30", "--json"))
    with db.transaction() as session:
        session.execute(delete(RegisterYear))  # lost, as after restoring the marks alone
    assert as_json(run(loaded, "register", "rebuild", "--json")) == {
        "schools": 1,
        "pupil_years": 3,
    }
    assert stored_years(db) == kept
    assert as_json(run(loaded, "stats", ALEX, "--as-of", "2025-09-30", "--json")) == figures
    said = run(loaded, "register", "rebuild", "--school", "100001")
    assert said.exit_code == 0
    assert "Rebuilt the dense register of 1 school: 3 pupil-years of marks." in said.output
    db.dispose()


def test_rebuild_of_a_school_not_there_says_so_in_one_line(loaded: str) -> None:  # noqa: F811
    said = run(loaded, "register", "rebuild", "--school", "999999")
    assert said.exit_code != 0
    assert "999999" in said.output and "Traceback" not in said.output
    assert len(said.output.strip().splitlines()) == 1
