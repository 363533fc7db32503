"""A UPN typed wrong on the command line gets a hint saying what is wrong with it (its length,
its characters, its check letter); a well-formed UPN of no pupil gets the plain refusal. The
web and the API answer 404 as before (issue 10, item 12)."""

from __future__ import annotations

import pytest

from tests.support.cli import run
from tests.support.web import bearer, signed_in
from tests.support.world import AO, World

UNKNOWN = "B801200005001"  # well formed, and no pupil of the test world has it


def refused(database_url: str, *args: str) -> str:
    result = run(database_url, *args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines  # one clear line
    return lines[0]


CASES = {
    "too short": ("B80120000500", "must be 13 characters, not 12"),
    "not digits": ("B80120000O501", "characters 2 to 12 must be digits"),
    "check letter": ("A801200005001", "has check letter A, expected B: a character is mistyped"),
    "lower case": ("b801200005001", "did you mean B801200005001?"),
}


@pytest.mark.parametrize("typed,hint", CASES.values(), ids=CASES.keys())
def test_stats_says_what_is_wrong_with_a_upn(
    world: World, database_url: str, typed: str, hint: str
) -> None:
    line = refused(database_url, "stats", typed, "--as-of", "2025-09-09")
    assert line.startswith(f"error: no pupil with UPN {typed}: UPN {typed!r}")
    assert hint in line


@pytest.mark.parametrize("typed,hint", CASES.values(), ids=CASES.keys())
def test_case_open_says_what_is_wrong_with_a_upn(
    world: World, database_url: str, typed: str, hint: str
) -> None:
    line = refused(database_url, "case", "open", typed, "attendance_concern", "--as", AO)
    assert line.startswith(f"error: no pupil with UPN {typed} at your school: UPN {typed!r}")
    assert hint in line


def test_a_well_formed_upn_of_no_pupil_gets_no_hint(world: World, database_url: str) -> None:
    line = refused(database_url, "stats", UNKNOWN, "--as-of", "2025-09-09")
    assert line == f"error: no pupil with UPN {UNKNOWN}"
    line = refused(database_url, "case", "open", UNKNOWN, "attendance_concern", "--as", AO)
    assert line == f"error: no pupil with UPN {UNKNOWN} at your school"


@pytest.mark.parametrize("typed", [typed for typed, _hint in CASES.values()])
def test_the_web_and_the_api_answer_404_for_a_bad_upn_as_before(world: World, typed: str) -> None:
    db = world.db
    with signed_in(db, AO, world.calendar.first_day) as client:
        assert client.get(f"/pupils/{typed}").status_code == 404
        response = client.get(f"/api/pupils/{typed}", headers=bearer(db, AO))
    assert response.status_code == 404
    assert response.json()["error"] == "There is nothing here, or it is not yours to see."
