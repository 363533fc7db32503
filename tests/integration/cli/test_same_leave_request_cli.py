"""`casework case open PUPIL leave_request` for dates the pupil already has a request for:
one clear line naming that request, exit 1, nothing opened (issue 10, item 12)."""

from __future__ import annotations

import json

from casework.services import cases
from tests.support.actions import as_user
from tests.support.cli import run
from tests.support.world import AO, MOTHER, World

ASK = ("--detail", "start=2026-03-02", "--detail", "end=2026-03-06")


def test_the_same_leave_dates_twice_are_refused_naming_the_first_request(
    world: World, database_url: str
) -> None:
    pupil = world.pupil()
    args = ("case", "open", pupil, "leave_request", "--as", AO, "--today", "2026-02-02", *ASK)
    first = run(database_url, *args, "--detail", f"applicant={MOTHER}", "--json")
    assert first.exit_code == 0, first.output
    first_id = json.loads(first.stdout)["id"]

    again = run(database_url, *args)
    assert again.exit_code == 1, again.output
    assert "Traceback" not in again.output
    assert again.stderr.strip() == (
        f"error: {pupil} already has a leave of absence request for 2 March 2026 to "
        f"6 March 2026: case {first_id} (submitted); nothing was opened"
    )
    found = cases.list_cases(world.db, who=as_user(world.db, AO))
    assert [c.id for c in found if c.upn == pupil] == [first_id]
