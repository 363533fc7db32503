"""The daily sweep's case work in batches: as many statements for 12 new cases as for 4, and
the same record (events in order, numbered from 1, each finding's evidence named by its event)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from casework.machines import LIFECYCLES
from casework.services.daily_sweep import apply_findings
from casework.services.sweep import sweep
from casework.store.database import Database
from casework.store.models import Case, CaseEvent, CaseEvidence
from tests.support.databases import statements
from tests.support.world import SYSTEM, URN, World

AS_OF = date(2025, 10, 20)


def absent_pupils(world: World, n: int) -> list[str]:
    """Pupils absent without reason every session from 3 September: persistently absent."""
    made = []
    for _ in range(n):
        upn = world.pupil()
        days = world.calendar.school_days(date(2025, 9, 3), AS_OF - timedelta(days=1))
        world.marks(upn, days[0], days[-1], codes=dict.fromkeys(days, "O"))
        made.append(upn)
    return made


def case_work(db: Database, as_of: date) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    found = sweep(db, as_of, URN)
    with statements(db) as seen:
        opened, added, _notices = apply_findings(db, found, as_of)
    return opened, added, len(seen)


def test_twelve_new_cases_take_as_many_statements_as_four(db: Database, world: World) -> None:
    case_work(db, AS_OF)  # the first sweep adds the system account: not case work
    first = absent_pupils(world, 4)
    opened, added, statements_for_4 = case_work(db, AS_OF)
    assert {c["upn"] for c in opened} == set(first)
    assert added and all(isinstance(a["case"], int) for a in added)

    later = absent_pupils(world, 12)
    opened, added, statements_for_12 = case_work(db, AS_OF)
    # The first four's cases already hold these findings: only the twelve new ones open.
    assert {c["upn"] for c in opened} == set(later)
    assert {a["upn"] for a in added} == set(later)
    assert statements_for_12 == statements_for_4


def test_the_batch_writes_each_case_s_record_in_order(db: Database, world: World) -> None:
    absent_pupils(world, 3)
    opened, added, _ = case_work(db, AS_OF)
    with db.transaction() as session:
        for entry in opened:
            case = session.get_one(Case, entry["case"])
            first_state = LIFECYCLES[entry["kind"]].initial
            assert (case.state, case.version, case.opened_on) == (first_state, 1, AS_OF)
            events = list(
                session.scalars(
                    select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
                )
            )
            assert [e.seq for e in events] == list(range(1, len(events) + 1))
            assert events[0].action == "opened" and events[0].to_state == first_state
            assert events[0].note == f"opened by the sweep: {entry['rule']}"
            evidence = list(
                session.scalars(
                    select(CaseEvidence)
                    .where(CaseEvidence.case_id == case.id)
                    .order_by(CaseEvidence.id)
                )
            )
            assert [e.evidence_id for e in events[1:]] == [e.id for e in evidence]
            assert all(e.action == "evidence" and e.username == SYSTEM for e in events[1:])
            rules = [a["rule"] for a in added if a["case"] == case.id]
            assert [e.details["rule"] for e in evidence] == rules
            assert all(e.details["as_of"] == AS_OF.isoformat() for e in evidence)
            assert all(e.details["marks"] for e in evidence)

    # A later sweep's new occurrence goes on after the events already there.
    later = AS_OF + timedelta(days=60)
    for upn in [c["upn"] for c in opened]:
        days = world.calendar.school_days(AS_OF, later)
        world.marks(upn, days[0], days[-1], codes=dict.fromkeys(days, "O"))
    _opened, more, _ = case_work(db, later)
    with db.transaction() as session:
        for case_id in {a["case"] for a in more}:
            seqs = session.scalars(
                select(CaseEvent.seq).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
            ).all()
            assert list(seqs) == list(range(1, len(seqs) + 1))
