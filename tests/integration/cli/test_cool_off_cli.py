"""The cool-off through the CLI: `case show` of a concern closed as improved and sustained says
when its cool-off ends and lists the finding recorded on it; `sweep` says it opened no concern."""

from __future__ import annotations

import json

from casework.services.daily_sweep import daily_sweep
from casework.store.database import Database
from tests.support.cli import run
from tests.support.cool_off import COOL_OFF_ENDS, SECOND_BREACH_SWEPT, concern_closed
from tests.support.world import AO, URN, World


def test_case_show_gives_the_cool_off_and_the_finding_recorded_in_it(
    db: Database, world: World, database_url: str
) -> None:
    _pupil, closed = concern_closed(db, world, "improved_sustained")
    daily_sweep(db, SECOND_BREACH_SWEPT, URN)
    day = SECOND_BREACH_SWEPT.isoformat()
    shown = run(database_url, "case", "show", str(closed), "--as", AO, "--today", day)
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.stdout.split())
    assert "Close outcome: improved_sustained" in text
    assert f"{COOL_OFF_ENDS.isoformat()} │ cool-off ends" in text
    assert "in_cool_off: yes," in text  # on the finding the sweep recorded in the cool-off

    as_json = run(database_url, "case", "show", str(closed), "--as", AO, "--today", day, "--json")
    data = json.loads(as_json.stdout)
    assert data["details"]["close_outcome"] == "improved_sustained"
    (ends,) = [d for d in data["deadlines"] if d["name"] == "cool_off_ends"]
    assert ends["due_on"] == COOL_OFF_ENDS.isoformat()
    last = data["evidence"][-1]["details"]
    assert (last["rule"], last["in_cool_off"], last["cool_off_ends"]) == (
        "penalty_threshold",
        True,
        COOL_OFF_ENDS.isoformat(),
    )


def test_the_sweep_says_how_many_findings_went_on_concerns_in_their_cool_off(
    db: Database, world: World, database_url: str
) -> None:
    concern_closed(db, world, "improved_sustained")
    swept = run(database_url, "sweep", "--as-of", SECOND_BREACH_SWEPT.isoformat())
    assert swept.exit_code == 0, swept.output
    assert "in their cool-off: no new concern opened" in " ".join(swept.stdout.split())
