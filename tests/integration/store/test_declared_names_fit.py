"""Every name a lifecycle declares fits the column that stores it (PostgreSQL refuses a longer
one where SQLite would not)."""

from __future__ import annotations

from casework.machines import LIFECYCLES
from casework.machines.evidence import EVIDENCE_KINDS
from casework.store.models import Case, CaseDeadline, CaseEvent, CaseEvidence


def _width(column: object) -> int:
    return int(column.type.length)  # type: ignore[attr-defined]


def test_evidence_kinds_states_triggers_and_deadlines_fit_their_columns() -> None:
    assert max(map(len, EVIDENCE_KINDS)) <= _width(CaseEvidence.__table__.c.kind)
    states = {s for lc in LIFECYCLES.values() for s in lc.states}
    assert max(map(len, states)) <= _width(Case.__table__.c.state)
    triggers = {s.trigger for lc in LIFECYCLES.values() for s in lc.steps}
    assert max(map(len, triggers)) <= _width(CaseEvent.__table__.c.trigger)
    names = {d.name for lc in LIFECYCLES.values() for s in lc.steps for d in s.deadlines}
    assert max(map(len, names)) <= _width(CaseDeadline.__table__.c.name)
