"""Findings of rules that open no case (a letter, telling the LA, completing the register) are
kept once per occurrence by the daily sweep and reach the school's staff on the worklist."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from casework.services import pupils
from casework.services.daily_sweep import daily_sweep
from casework.services.worklist import NEW_FINDING_DAYS, NoticeItem, worklist
from casework.store.database import Database
from tests.support.actions import as_user
from tests.support.dates import d
from tests.support.escalations import O_WEEK, TODAY, referred_to_la
from tests.support.rows import pupil_findings
from tests.support.web import OTHER_LEAD, add_other_school
from tests.support.world import AO, HEAD, LA, LA_ELSEWHERE, World, change_school

ILLNESS = "notify_la_illness_15_days"
FOUND = d("2026-02-06")  # a Friday
NEXT_DAY = d("2026-02-09")  # the Monday after


def fifteen_days_ill(world: World, until: date = NEXT_DAY) -> str:
    """A pupil off ill for three school weeks this year (15 school days, 30 sessions)."""
    pupil = world.pupil()
    spells = [
        *world.calendar.school_days(d("2025-09-15"), d("2025-09-19")),
        *world.calendar.school_days(d("2025-11-03"), d("2025-11-07")),
        *world.calendar.school_days(d("2026-01-12"), d("2026-01-16")),
    ]
    assert len(spells) == 15
    world.marks(pupil, d("2025-09-03"), until, dict.fromkeys(spells, "I"))
    return pupil


def test_15_days_of_illness_at_a_woodlands_school_are_kept_once_for_the_worklist(
    db: Database, world: World, data_dir: Path
) -> None:
    change_school(world, data_dir, policy="woodlands")
    pupil = fifteen_days_ill(world)
    first = daily_sweep(db, FOUND)
    (finding,) = [f for _u, f in first.findings.findings if f.pupil == pupil and f.rule == ILLNESS]
    assert finding.began is not None
    assert first.notices_recorded == [
        {"upn": pupil, "rule": ILLNESS, "began": finding.began.isoformat()}
    ]
    assert first.as_dict()["notices_recorded"] == first.notices_recorded
    (kept,) = pupil_findings(db, pupil)
    assert (kept["rule"], kept["began"], kept["found_on"]) == (ILLNESS, finding.began, FOUND)
    assert kept["reason"] == finding.reason
    assert kept["staff_reason"].startswith(
        "Pupil1 Generated has missed 15 school days through illness this school year"
    )
    assert kept["details"]["facts"]["days"] == finding.facts["days"] == "15"
    assert len(kept["details"]["marks"]) == 30
    assert {m["code"] for m in kept["details"]["marks"]} == {"I"}
    # Not on a case: other rules may open a concern for the absence, this one tells the LA.
    assert ILLNESS not in {e["rule"] for e in first.cases_opened + first.evidence_added}

    # The next day's sweep finds the same occurrence again and keeps nothing more.
    again = daily_sweep(db, NEXT_DAY)
    assert ILLNESS in {f.rule for _u, f in again.findings.findings if f.pupil == pupil}
    assert again.notices_recorded == []
    assert pupil_findings(db, pupil) == [kept]


def test_a_rule_that_opens_a_case_keeps_no_pupil_finding(db: Database, world: World) -> None:
    pupil = world.pupil()
    world.marks(pupil, d("2025-09-03"), d("2026-01-16"), O_WEEK)
    swept = daily_sweep(db, d("2026-01-16"))
    assert [c["rule"] for c in swept.cases_opened if c["upn"] == pupil] == ["penalty_threshold"]
    assert swept.notices_recorded == []
    assert pupil_findings(db, pupil) == []


def test_a_new_gap_in_the_register_is_another_occurrence_kept_beside_the_first(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    world.marks(pupil, d("2025-09-03"), d("2026-02-03"))
    world.marks(pupil, d("2026-02-05"), d("2026-02-06"))  # Wednesday 4 February not taken
    daily_sweep(db, FOUND)
    world.marks(pupil, d("2026-02-04"), d("2026-02-10"))  # completed, and on to Tuesday
    assert daily_sweep(db, NEXT_DAY).notices_recorded == []
    world.marks(pupil, d("2026-02-12"), d("2026-02-13"))  # Wednesday 11 February not taken
    later = daily_sweep(db, d("2026-02-13"))
    assert later.notices_recorded == [
        {"upn": pupil, "rule": "register_incomplete", "began": "2026-02-11"}
    ]
    kept = pupil_findings(db, pupil)
    assert [(f["rule"], f["began"], f["found_on"]) for f in kept] == [
        ("register_incomplete", d("2026-02-04"), FOUND),
        ("register_incomplete", d("2026-02-11"), d("2026-02-13")),
    ]
    assert "11 February 2026 AM, 11 February 2026 PM" in kept[1]["staff_reason"]


def test_the_worklist_shows_the_finding_to_the_schools_staff_and_nobody_else(
    db: Database, world: World, data_dir: Path
) -> None:
    add_other_school(db, data_dir)
    pupil = fifteen_days_ill(world)
    daily_sweep(db, FOUND)
    daily_sweep(db, NEXT_DAY)
    (kept,) = pupil_findings(db, pupil)
    expected = NoticeItem(
        upn=pupil,
        pupil_name="Pupil1 Generated",
        rule=ILLNESS,
        reason=kept["reason"],
        staff_reason=kept["staff_reason"],
        began=kept["began"],
        found_on=FOUND,
    )
    for staff in (AO, HEAD):
        assert worklist(db, who=as_user(db, staff), today=NEXT_DAY).notices == (expected,)
    # Another school's lead and the LA's officers see none of it.
    for outsider in (OTHER_LEAD, LA, LA_ELSEWHERE):
        assert worklist(db, who=as_user(db, outsider), today=NEXT_DAY).notices == ()


def test_the_worklist_shows_the_finding_for_as_long_as_a_case_finding_is_new(
    db: Database, world: World
) -> None:
    fifteen_days_ill(world)
    daily_sweep(db, FOUND)
    lead = as_user(db, AO)
    last_new = FOUND + timedelta(days=NEW_FINDING_DAYS - 1)
    assert [n.rule for n in worklist(db, who=lead, today=last_new).notices] == [ILLNESS]
    assert worklist(db, who=lead, today=last_new + timedelta(days=1)).notices == ()


def test_an_la_officer_who_reaches_the_pupil_still_sees_no_finding_that_opened_no_case(
    db: Database, world: World
) -> None:
    pupil, _cid = referred_to_la(db, world)  # the LA reaches this pupil through the referral
    daily_sweep(db, TODAY)  # marks end on 30 January: 2 and 3 February have none
    la = as_user(db, LA)
    assert pupils.pupil_view(db, who=la, upn=pupil).upn == pupil
    assert worklist(db, who=la, today=TODAY).notices == ()
    school = worklist(db, who=as_user(db, AO), today=TODAY).notices
    assert [(n.upn, n.rule, n.began) for n in school] == [
        (pupil, "register_incomplete", d("2026-02-02"))
    ]
