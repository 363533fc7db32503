"""Statutory notifications to the LA and the register's completeness, through the daily sweep.

Absence without permission for 10 school days in a row opens a missing education case (the
LA is told by its referral step); 15 school days of illness and a session with no mark are
findings that open no case.
"""

from __future__ import annotations

from pathlib import Path

from casework.register.school import load_school
from casework.services.daily_sweep import DailySweepResult, daily_sweep
from casework.store.database import Database
from tests.support.actions import evidence, fire
from tests.support.calendar import AUTUMN_2026
from tests.support.dates import d
from tests.support.rows import cases_of, evidence_rows, open_deadlines
from tests.support.world import AO, MOTHER, World, change_school


def found(swept: DailySweepResult, pupil: str) -> dict[str, str]:
    """The rules that found something for the pupil, with their sentences."""
    return {f.rule: f.reason for _urn, f in swept.findings.findings if f.pupil == pupil}


def rules_on_cases(db: Database, pupil: str) -> set[str]:
    return {
        e["details"]["rule"]
        for case in cases_of(db, pupil)
        for e in evidence_rows(db, case["id"])
        if e["kind"] == "finding"
    }


# -- absent without permission for 10 school days in a row ------------------------------------


def test_10_school_days_absent_without_permission_open_an_enquiry_the_la_is_told_of(
    db: Database, world: World
) -> None:
    pupil, nine_days = world.pupil(), world.pupil()
    days = world.calendar.school_days(d("2026-02-02"), d("2026-02-13"))
    assert len(days) == 10
    world.marks(pupil, d("2025-09-03"), days[-1], dict.fromkeys(days, "O"))
    world.marks(nine_days, d("2025-09-03"), days[-1], dict.fromkeys(days[1:], "G"))
    swept = daily_sweep(db, days[-1])
    assert "notify_la_absent_10_days" in found(swept, pupil)
    (opened,) = [
        c for c in swept.cases_opened if c["upn"] == pupil and c["kind"] == "missing_education"
    ]
    assert opened["rule"] == "notify_la_absent_10_days"
    assert "notify_la_absent_10_days" not in found(swept, nine_days)
    assert cases_of(db, nine_days, "missing_education") == []

    (cme,) = cases_of(db, pupil, "missing_education")
    assert cme["details"] == {"first_absent_on": "2026-02-02"}
    evidence(db, cme["id"], "contact_attempt", AO, "2026-02-13", channel="phone",
             contact=MOTHER, outcome="no_answer")  # fmt: skip
    fire(db, cme["id"], "start_enquiries", AO, "2026-02-13")
    # Day 10 of the absence is today: the LA is to be told now.
    assert open_deadlines(db, cme["id"])["la_referral"] == d("2026-02-13")


def test_illness_is_absence_with_permission_and_tells_the_la_nothing_at_10_days(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    days = world.calendar.school_days(d("2026-02-02"), d("2026-02-13"))
    world.marks(pupil, d("2025-09-03"), days[-1], dict.fromkeys(days, "I"))
    swept = daily_sweep(db, days[-1])
    assert not {"notify_la_absent_10_days", "notify_la_illness_15_days"} & set(found(swept, pupil))
    assert cases_of(db, pupil, "missing_education") == []


def test_the_10_day_run_goes_on_across_the_summer(
    db: Database, world: World, data_dir: Path
) -> None:
    this_year = load_school(data_dir / "school.toml").terms
    change_school(world, data_dir, terms=(*this_year, AUTUMN_2026))
    pupil = world.pupil()
    days = world.calendar.school_days(d("2026-07-13"), d("2026-09-04"))
    assert len(days) == 10
    world.marks(pupil, d("2025-09-03"), d("2026-09-03"), dict.fromkeys(days, "N"))
    assert "notify_la_absent_10_days" not in found(daily_sweep(db, d("2026-09-03")), pupil)
    world.marks(pupil, d("2026-09-04"), d("2026-09-04"), dict.fromkeys(days, "N"))
    swept = daily_sweep(db, d("2026-09-04"))
    assert (
        "from 13 July 2026 to 4 September 2026" in found(swept, pupil)["notify_la_absent_10_days"]
    )
    (cme,) = cases_of(db, pupil, "missing_education")
    assert cme["details"]["first_absent_on"] == "2026-07-13"


# -- 15 school days of illness ----------------------------------------------------------------


def test_15_school_days_of_illness_in_the_year_are_a_finding_that_opens_no_case(
    db: Database, world: World
) -> None:
    ill, nearly = world.pupil(), world.pupil()
    spells = [
        *world.calendar.school_days(d("2025-09-15"), d("2025-09-19")),
        *world.calendar.school_days(d("2025-11-03"), d("2025-11-07")),
        *world.calendar.school_days(d("2026-01-12"), d("2026-01-16")),
    ]
    assert len(spells) == 15
    world.marks(ill, d("2025-09-03"), d("2026-02-06"), dict.fromkeys(spells, "I"))
    world.marks(nearly, d("2025-09-03"), d("2026-02-06"), dict.fromkeys(spells[1:], "I"))
    swept = daily_sweep(db, d("2026-02-06"))
    reason = found(swept, ill)["notify_la_illness_15_days"]
    assert "missed 15 school days through illness (30 sessions), in a row or not" in reason
    assert "notify_la_illness_15_days" not in found(swept, nearly)
    # A notification for the LA, not a case: no case holds the finding.
    assert "notify_la_illness_15_days" not in rules_on_cases(db, ill)
    assert not [c for c in swept.cases_opened if c["rule"] == "notify_la_illness_15_days"]


# -- the register's completeness --------------------------------------------------------------


def test_a_session_with_no_mark_is_a_finding_naming_it_and_opens_no_case(
    db: Database, world: World
) -> None:
    pupil, complete = world.pupil(), world.pupil()
    world.marks(pupil, d("2025-09-03"), d("2026-02-03"))
    world.marks(pupil, d("2026-02-05"), d("2026-02-06"))  # Wednesday 4 February not taken
    world.marks(complete, d("2025-09-03"), d("2026-02-05"))  # Friday's own not taken yet
    swept = daily_sweep(db, d("2026-02-06"))
    assert found(swept, pupil)["register_incomplete"] == (
        "The register has no mark for your child at these school sessions this school year "
        "(since 3 September 2025): 4 February 2026 AM, 4 February 2026 PM. There must be a mark "
        "for every pupil at every session."
    )
    assert "register_incomplete" not in found(swept, complete)
    assert cases_of(db, pupil) == []
    # Completed, the register has nothing more to say.
    world.marks(pupil, d("2026-02-04"), d("2026-02-04"))
    assert "register_incomplete" not in found(daily_sweep(db, d("2026-02-06")), pupil)
