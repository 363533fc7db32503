"""Smaller rules from the seeds through the daily sweep (issue 8, item 13)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from casework.register.school import load_school
from casework.services import cases
from casework.services.daily_sweep import daily_sweep
from casework.services.register.schools import save_school
from casework.store.database import Database
from tests.support.actions import as_user, evidence
from tests.support.dates import d
from tests.support.rows import table_rows
from tests.support.world import AO, URN, World


def use_policy(db: Database, data_dir: Path, policy: str) -> None:
    save_school(db, dataclasses.replace(load_school(data_dir / "school.toml"), policy=policy))


def test_copnor_finds_the_whole_run_of_absence_before_a_leave(
    db: Database, world: World, data_dir: Path
) -> None:
    use_policy(db, data_dir, "copnor")
    pupil, one_day = world.pupil(), world.pupil()
    ill_week = world.calendar.school_days(date(2026, 1, 26), date(2026, 1, 30))
    leave = world.calendar.school_days(date(2026, 2, 2), date(2026, 2, 6))
    codes = dict.fromkeys(ill_week, "I") | dict.fromkeys(leave, "C")
    world.marks(pupil, date(2026, 1, 6), date(2026, 2, 6), codes=codes)
    # Ill only on the Friday before the leave: that one day.
    codes = {date(2026, 1, 30): "I"} | dict.fromkeys(leave, "C")
    world.marks(one_day, date(2026, 1, 6), date(2026, 2, 6), codes=codes)

    done = daily_sweep(db, date(2026, 2, 6), URN)
    rule = "copnor.leave_around_leave"
    found = {f.pupil: f for _u, f in done.findings.findings if f.rule == rule}
    assert {m.date for m in found[pupil].evidence} == set(ill_week)
    assert found[pupil].facts["count"] == 10
    assert {m.date for m in found[one_day].evidence} == {date(2026, 1, 30)}
    # Each is recorded on the pupil's attendance concern.
    added = {e["upn"] for e in done.evidence_added if e["rule"] == rule}
    assert added == {pupil, one_day}


def test_woodlands_finds_religious_observance_beyond_two_days_and_opens_no_case(
    db: Database, world: World, data_dir: Path
) -> None:
    use_policy(db, data_dir, "woodlands")
    beyond, within = world.pupil(), world.pupil()
    days = [date(2025, 10, 20), date(2025, 11, 13), date(2026, 1, 21)]
    world.marks(beyond, date(2025, 9, 3), date(2026, 1, 23), codes=dict.fromkeys(days, "R"))
    world.marks(within, date(2025, 9, 3), date(2026, 1, 23), codes=dict.fromkeys(days[:2], "R"))

    done = daily_sweep(db, date(2026, 1, 23), URN)
    rule = "woodlands.religious_observance_limit"
    found = [f for _u, f in done.findings.findings if f.rule == rule]
    assert [f.pupil for f in found] == [beyond]
    assert found[0].facts["count"] == 6
    assert "Generated Pupil1" not in found[0].reason  # the parents' sentence says "your child"
    assert found[0].staff_reason.startswith("Pupil1 Generated has 6 sessions of religious")
    assert [c for c in done.cases_opened if c["rule"] == rule] == []


def test_copnor_authorises_one_dv_period_without_evidence_and_refuses_a_second(
    db: Database, world: World, data_dir: Path
) -> None:
    use_policy(db, data_dir, "copnor")
    pupil = world.pupil()
    cid = cases.open_case(
        db, upn=pupil, kind="attendance_concern", who=as_user(db, AO), today=d("2025-10-20")
    ).id
    # Not before the family was asked for medical evidence.
    with pytest.raises(cases.CaseError, match="no letter asking the family for medical") as e:
        evidence(db, cid, "dv_absence", AO, "2025-10-20", first_day="2025-10-15",
                 last_day="2025-10-16")  # fmt: skip
    assert e.value.field == "first_day"
    evidence(db, cid, "letter_sent", AO, "2025-10-20", letter="medical_evidence_request",
             sent_on="2025-10-20")  # fmt: skip
    before = table_rows(db)
    with pytest.raises(cases.CaseError, match="at most 3 school days") as e:
        evidence(db, cid, "dv_absence", AO, "2025-11-14", first_day="2025-11-10",
                 last_day="2025-11-13")  # fmt: skip
    assert e.value.field == "last_day"
    assert table_rows(db) == before  # a refusal records nothing
    evidence(db, cid, "dv_absence", AO, "2025-11-14", first_day="2025-11-10",
             last_day="2025-11-12", summary="sickness bug; back after 48 hours")  # fmt: skip
    with pytest.raises(cases.CaseError, match=r"had the 1 D&V period\(s\)"):
        evidence(db, cid, "dv_absence", AO, "2026-02-02", first_day="2026-01-26",
                 last_day="2026-01-27")  # fmt: skip
    shown = cases.show_case(db, case_id=cid, who=as_user(db, AO), today=d("2026-02-02"))
    kinds = [e.kind for e in shown.evidence]
    assert kinds.count("dv_absence") == 1


def test_a_school_without_the_discretion_cannot_record_dv_absence(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    cid = cases.open_case(
        db, upn=pupil, kind="attendance_concern", who=as_user(db, AO), today=d("2025-10-20")
    ).id
    evidence(db, cid, "letter_sent", AO, "2025-10-20", letter="medical_evidence_request",
             sent_on="2025-10-20")  # fmt: skip
    with pytest.raises(cases.CaseError, match=r"policy \(national-2024\) has no D&V discretion"):
        evidence(db, cid, "dv_absence", AO, "2025-11-14", first_day="2025-11-10",
                 last_day="2025-11-11")  # fmt: skip
