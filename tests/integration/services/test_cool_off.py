"""The cool-off after a concern closes as "improved and sustained" (issue 10, item 11): for the
policy's school weeks the same finding is recorded on the closed case, and no new concern opens;
after it, a finding opens a new concern as before."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from casework.services import cases, worklist
from casework.services.daily_sweep import DailySweepResult, daily_sweep
from casework.store.database import Database
from casework.store.models import Case, CaseEvidence
from tests.support.actions import as_user, fire
from tests.support.cool_off import COOL_OFF_ENDS, SECOND_BREACH_SWEPT, concern_closed, two_breaches
from tests.support.world import AO, URN, World

THRESHOLD = "penalty_threshold"


def findings_on(db: Database, case_id: int, rule: str) -> list[dict[str, Any]]:
    with db.transaction() as session:
        rows = session.scalars(
            select(CaseEvidence)
            .where(CaseEvidence.case_id == case_id, CaseEvidence.kind == "finding")
            .order_by(CaseEvidence.id)
        )
        return [dict(e.details) for e in rows if e.details["rule"] == rule]


def concerns_of(db: Database, upn: str) -> list[int]:
    found = cases.list_cases(db, who=as_user(db, AO), include_closed=True)
    return sorted(c.id for c in found if c.upn == upn and c.kind == "attendance_concern")


def opened_for(done: DailySweepResult, upn: str) -> list[dict[str, Any]]:
    return [c for c in done.cases_opened if c["upn"] == upn]


def test_in_the_cool_off_the_same_finding_goes_on_the_closed_concern_and_opens_none(
    db: Database, world: World
) -> None:
    pupil, closed = concern_closed(db, world, "improved_sustained")

    february = daily_sweep(db, SECOND_BREACH_SWEPT, URN)
    assert THRESHOLD in {f.rule for u, f in february.findings.findings if u == URN}
    assert opened_for(february, pupil) == []
    assert concerns_of(db, pupil) == [closed]
    recorded = findings_on(db, closed, THRESHOLD)
    assert [(f["as_of"], f["began"]) for f in recorded] == [
        ("2025-11-10", "2025-11-07"),
        ("2026-02-09", "2026-02-06"),  # the February breach, on the closed case
    ]
    assert recorded[1]["in_cool_off"] is True
    assert recorded[1]["cool_off_ends"] == COOL_OFF_ENDS.isoformat()
    added = [e for e in february.evidence_added if e["rule"] == THRESHOLD]
    assert added == [
        {
            "case": closed,
            "upn": pupil,
            "rule": THRESHOLD,
            "in_cool_off": True,
            "cool_off_ends": COOL_OFF_ENDS.isoformat(),
        }
    ]
    with db.transaction() as session:
        assert session.get_one(Case, closed).state == "closed"  # it stays closed
    # The same breach seen again the next days of the cool-off: neither recorded nor opened.
    for day in (date(2026, 2, 10), COOL_OFF_ENDS - timedelta(days=3)):
        later = daily_sweep(db, day, URN)
        assert opened_for(later, pupil) == []
        assert [e for e in later.evidence_added if e["upn"] == pupil] == []


def test_after_the_cool_off_a_finding_opens_a_new_concern_as_before(
    db: Database, world: World
) -> None:
    pupil, closed = concern_closed(db, world, "improved_sustained")
    daily_sweep(db, SECOND_BREACH_SWEPT, URN)

    ended = daily_sweep(db, COOL_OFF_ENDS, URN)  # the February breach still holds
    (new,) = [c["case"] for c in opened_for(ended, pupil)]
    assert concerns_of(db, pupil) == [closed, new]
    (on_new,) = findings_on(db, new, THRESHOLD)
    assert on_new["began"] == "2026-02-06"
    assert "in_cool_off" not in on_new
    assert len(findings_on(db, closed, THRESHOLD)) == 2  # nothing more on the closed one


def test_a_concern_closed_with_another_outcome_has_no_cool_off(db: Database, world: World) -> None:
    pupil, closed = concern_closed(db, world, "other")
    february = daily_sweep(db, SECOND_BREACH_SWEPT, URN)
    (new,) = [c["case"] for c in opened_for(february, pupil)]
    assert concerns_of(db, pupil) == [closed, new]
    assert [f["began"] for f in findings_on(db, new, THRESHOLD)] == ["2026-02-06"]
    assert len(findings_on(db, closed, THRESHOLD)) == 1


def test_in_the_cool_off_a_rule_not_on_the_closed_concern_opens_a_new_one(
    db: Database, world: World
) -> None:
    pupil = two_breaches(world)
    # Opened by hand and closed before any sweep: no finding is on it.
    by_hand = cases.open_case(
        db, upn=pupil, kind="attendance_concern", who=as_user(db, AO), today=date(2025, 9, 8)
    )
    fire(db, by_hand.id, "close", AO, "2025-11-03", outcome="improved_sustained", note="better")
    done = daily_sweep(db, date(2025, 11, 10), URN)
    (new,) = [c["case"] for c in opened_for(done, pupil)]
    assert new != by_hand.id
    assert [f["began"] for f in findings_on(db, new, THRESHOLD)] == ["2025-11-07"]
    assert findings_on(db, by_hand.id, THRESHOLD) == []


def test_the_closed_concern_shows_its_cool_off_and_the_worklist_the_finding(
    db: Database, world: World
) -> None:
    pupil, closed = concern_closed(db, world, "improved_sustained")
    daily_sweep(db, SECOND_BREACH_SWEPT, URN)
    lead = as_user(db, AO)

    shown = cases.show_case(db, case_id=closed, who=lead, today=SECOND_BREACH_SWEPT)
    assert shown.details["close_outcome"] == "improved_sustained"
    assert [(d.name, d.due_on, d.status) for d in shown.deadlines] == [
        ("cool_off_ends", COOL_OFF_ENDS, "open")
    ]
    assert shown.evidence[-1].details["in_cool_off"] is True

    work = worklist.worklist(db, who=lead, today=SECOND_BREACH_SWEPT)
    cooling = [f for f in work.findings if f.case.id == closed]
    assert THRESHOLD in {f.rule for f in cooling}
    assert all(f.in_cool_off and f.cool_off_ends == COOL_OFF_ENDS for f in cooling)
    assert {(f.case.upn, f.case.state) for f in cooling} == {(pupil, "closed")}
