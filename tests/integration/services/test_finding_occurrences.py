"""A later finding of a rule on an open case: recorded when it is another occurrence (a new
breach, a new term's letter), not when the same breach is seen again by the next sweep."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from casework.policy.loader import load_policy
from casework.policy.model import PolicyError
from casework.register.school import load_school
from casework.services.daily_sweep import DailySweepResult, daily_sweep
from casework.services.register.schools import save_school
from casework.store.database import Database
from casework.store.models import Case, CaseEvidence, Pupil
from tests.support.files import write_text
from tests.support.world import URN, World


def findings_on_case(db: Database, upn: str, rule: str) -> list[dict[str, Any]]:
    with db.transaction() as session:
        rows = session.scalars(
            select(CaseEvidence)
            .join(Case, Case.id == CaseEvidence.case_id)
            .join(Pupil, Pupil.id == Case.pupil_id)
            .where(Pupil.upn == upn, CaseEvidence.kind == "finding")
            .order_by(CaseEvidence.id)
        )
        return [dict(e.details) for e in rows if e.details["rule"] == rule]


THRESHOLD = "penalty_threshold"


def threshold_added(done: DailySweepResult) -> list[str]:
    """Pupils the sweep added a penalty threshold finding to a case for."""
    return [e["upn"] for e in done.evidence_added if e["rule"] == THRESHOLD]


def unauthorised_week(world: World, monday: date) -> dict[date, str]:
    """Every session of a school week marked O: 10 sessions, the penalty threshold."""
    return dict.fromkeys(world.calendar.school_days(monday, monday + timedelta(days=4)), "O")


def test_a_second_penalty_threshold_breach_is_recorded_on_the_open_concern(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    codes = unauthorised_week(world, date(2025, 11, 3)) | unauthorised_week(world, date(2026, 2, 2))
    world.marks(pupil, date(2025, 9, 3), date(2026, 2, 13), codes=codes)

    first = daily_sweep(db, date(2025, 11, 10), URN)
    assert [c["upn"] for c in first.cases_opened] == [pupil]
    assert len(findings_on_case(db, pupil, THRESHOLD)) == 1
    # The same breach, still holding on the next days' sweeps: not recorded again.
    for day in (date(2025, 11, 11), date(2025, 12, 1), date(2026, 1, 19)):
        again = daily_sweep(db, day, URN)
        assert THRESHOLD in {f.rule for _u, f in again.findings.findings}
        assert threshold_added(again) == []
    # From 26 January the November week has left the 10 school weeks: the breach stopped.
    stopped = daily_sweep(db, date(2026, 1, 26), URN)
    assert THRESHOLD not in {f.rule for _u, f in stopped.findings.findings}

    # A new breach in February: recorded on the open concern with its own dates and marks.
    second = daily_sweep(db, date(2026, 2, 9), URN)
    assert second.cases_opened == []
    assert threshold_added(second) == [pupil]
    recorded = findings_on_case(db, pupil, THRESHOLD)
    assert [(f["as_of"], f["began"]) for f in recorded] == [
        ("2025-11-10", "2025-11-07"),  # the 10th session was on Friday 7 November
        ("2026-02-09", "2026-02-06"),
    ]
    assert {m["date"] for m in recorded[1]["marks"]} == {
        d.isoformat() for d in world.calendar.school_days(date(2026, 2, 2), date(2026, 2, 6))
    }
    # ... and seen again the next day, not recorded a third time.
    assert threshold_added(daily_sweep(db, date(2026, 2, 10), URN)) == []


def test_a_new_breach_is_recorded_even_when_no_sweep_saw_the_first_one_stop(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    codes = unauthorised_week(world, date(2025, 11, 3)) | unauthorised_week(world, date(2026, 2, 2))
    world.marks(pupil, date(2025, 9, 3), date(2026, 2, 13), codes=codes)
    daily_sweep(db, date(2025, 11, 10), URN)
    # No sweep between: the register itself shows the breach stopped and began again.
    later = daily_sweep(db, date(2026, 2, 9), URN)
    assert threshold_added(later) == [pupil]
    assert len(findings_on_case(db, pupil, THRESHOLD)) == 2


def test_a_breach_that_never_stopped_is_not_recorded_again_however_far_apart_the_sweeps(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    # One unauthorised day a week from November: 10 sessions within every 10 school weeks
    # from the fifth week on, and never fewer after that.
    mondays = [d for d in world.calendar.school_days(date(2025, 11, 3), date(2026, 2, 13))]
    codes = {d: "O" for d in mondays if d.weekday() == 0}
    world.marks(pupil, date(2025, 9, 3), date(2026, 2, 13), codes=codes)
    opened = daily_sweep(db, date(2025, 12, 1), URN)
    assert [c["upn"] for c in opened.cases_opened] == [pupil]
    assert len(findings_on_case(db, pupil, THRESHOLD)) == 1
    later = daily_sweep(db, date(2026, 2, 13), URN)
    assert THRESHOLD in {f.rule for _u, f in later.findings.findings}
    assert threshold_added(later) == []


def copnor(db: Database, data_dir: Path) -> None:
    save_school(db, dataclasses.replace(load_school(data_dir / "school.toml"), policy="copnor"))


def test_next_terms_letter_on_an_open_case_is_recorded_this_terms_is_not_repeated(
    db: Database, world: World, data_dir: Path
) -> None:
    copnor(db, data_dir)
    pupil = world.pupil()
    ill = [date(2025, 10, 6), date(2025, 10, 7), date(2025, 11, 10), date(2025, 11, 11)]
    ill += [date(2026, 1, 26), date(2026, 2, 2)]
    world.marks(pupil, date(2025, 9, 3), date(2026, 2, 13), codes=dict.fromkeys(ill, "I"))

    autumn = daily_sweep(db, date(2025, 12, 12), URN)
    assert ("copnor.amber_letter", pupil) in {(c["rule"], c["upn"]) for c in autumn.cases_opened}
    assert [e for e in daily_sweep(db, date(2025, 12, 15), URN).evidence_added] == []

    spring = daily_sweep(db, date(2026, 2, 13), URN)
    assert spring.cases_opened == []
    assert ("copnor.amber_letter", pupil) in {(e["rule"], e["upn"]) for e in spring.evidence_added}
    letters = findings_on_case(db, pupil, "copnor.amber_letter")
    assert [f["began"] for f in letters] == ["2025-09-03", "2026-01-06"]  # each term's start
    assert daily_sweep(db, date(2026, 2, 23), URN).evidence_added == []


LETTER_PRESET = """\
[policy]
id = "letters"
extends = "copnor"

# Copnor's amber letter, kept as a letter only in this school: it opens no case.
[overrides."copnor.amber_letter"]
opens = "none"

[rules.praise]
opens = "none"
kind = "attendance_rate"
period = "term"
at_least = 99
reason = "Your child attended {attendance_rate}% this term."
source = "a test preset"
"""


def test_a_preset_can_mark_any_rule_as_a_letter_that_opens_no_case(
    db: Database, world: World, data_dir: Path, tmp_path: Path
) -> None:
    preset = write_text(tmp_path / "letters.toml", LETTER_PRESET)
    school = load_school(data_dir / "school.toml")
    save_school(db, dataclasses.replace(school, policy=str(preset)))
    well, amber = world.pupil(), world.pupil()
    world.marks(well, date(2025, 9, 3), date(2025, 12, 12))
    ill = dict.fromkeys([date(2025, 10, 6), date(2025, 10, 7), date(2025, 11, 10)], "I")
    world.marks(amber, date(2025, 9, 3), date(2025, 12, 12), codes=ill)
    done = daily_sweep(db, date(2025, 12, 12), URN)
    found = {(f.pupil, f.rule) for _u, f in done.findings.findings}
    assert {(well, "letters.praise"), (amber, "copnor.amber_letter")} <= found
    assert [c for c in done.cases_opened if c["upn"] in (well, amber)] == []


@pytest.mark.parametrize("opens", ["letter", ""])
def test_a_rule_that_opens_an_unknown_kind_of_case_is_refused(tmp_path: Path, opens: str) -> None:
    text = LETTER_PRESET.replace('opens = "none"\nkind', f'opens = "{opens}"\nkind')
    path = write_text(tmp_path / "bad.toml", text)
    with pytest.raises(PolicyError, match=r"rules\.praise\.opens must be one of attendance_"):
        load_policy(str(path))
