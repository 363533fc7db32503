"""The statutory floor through the sweep: national rules under every preset, by school age."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from casework.register.school import load_school
from casework.services.daily_sweep import daily_sweep
from casework.services.register.schools import save_school
from casework.services.sweep import sweep
from casework.store.database import Database
from tests.support.world import URN, World

AS_OF = date(2026, 1, 23)


def test_a_woodlands_school_gets_the_national_penalty_threshold_finding(
    db: Database, world: World, data_dir: Path
) -> None:
    save_school(db, dataclasses.replace(load_school(data_dir / "school.toml"), policy="woodlands"))
    pupil = world.pupil()
    # Exactly 10 unauthorised sessions in the last 10 school weeks: the national threshold
    # (10 or more) is met; Woodlands' older "more than 10 in 12 weeks" is not.
    days = world.calendar.school_days(date(2026, 1, 12), date(2026, 1, 16))
    world.marks(pupil, date(2025, 11, 3), AS_OF, codes=dict.fromkeys(days, "O"))
    found = {f.rule for urn, f in sweep(db, AS_OF, URN).findings if f.pupil == pupil}
    assert "penalty_threshold" in found
    assert "woodlands.fine_warning" not in found


@pytest.mark.parametrize(
    "born",
    [
        date(2021, 6, 1),  # four: of compulsory school age only from 31 August 2026
        date(2008, 11, 1),  # seventeen: compulsory school age ended in June 2025
    ],
)
def test_no_penalty_threshold_finding_for_a_child_not_of_compulsory_school_age(
    db: Database, world: World, born: date
) -> None:
    pupil = world.pupil(born=born)
    of_age = world.pupil()  # born 2016: the same absences do make the finding
    days = world.calendar.school_days(date(2026, 1, 12), date(2026, 1, 16))
    for upn in (pupil, of_age):
        world.marks(upn, date(2025, 11, 3), AS_OF, codes=dict.fromkeys(days, "O"))
    found = {(f.pupil, f.rule) for _urn, f in sweep(db, AS_OF, URN).findings}
    assert (of_age, "penalty_threshold") in found
    assert (pupil, "penalty_threshold") not in found
    # Support rules still apply to every pupil on roll.
    assert (pupil, "persistent_absence") in found


def test_a_copnor_pupil_attending_well_gets_the_green_letter_finding_and_no_case(
    db: Database, world: World, data_dir: Path
) -> None:
    save_school(db, dataclasses.replace(load_school(data_dir / "school.toml"), policy="copnor"))
    pupil = world.pupil()
    world.marks(pupil, date(2026, 1, 5), AS_OF)  # present every session this term
    done = daily_sweep(db, AS_OF, URN)
    assert ("copnor.green_letter", pupil) in {(f.rule, f.pupil) for _u, f in done.findings.findings}
    assert [c for c in done.cases_opened if c["upn"] == pupil] == []
