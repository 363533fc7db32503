"""A sweep's case work written in batches: cases opened, details changed and findings recorded.

The daily sweep decides, finding by finding, what each case gets; this module keeps those
decisions in order per case and writes them in a handful of statements (bulk inserts, one
`max(seq)` per case at most), instead of a flush and a `max(seq)` per row. The record is the
same as writing them one at a time: the same rows, the same events in the same order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Table, false, func, insert, select, update
from sqlalchemy.orm import Session

from casework.machines import lifecycle_of
from casework.machines.audit import EventAction
from casework.machines.evidence import evidence_kind
from casework.services.reach import Actor
from casework.store.models import Case, CaseEvent, CaseEvidence

# Ids per IN list: PostgreSQL takes at most 65,535 parameters a statement, SQLite 32,766.
CHUNK = 5_000


@dataclass(slots=True)
class CaseWork:
    """What one case gets from this sweep, in order: an existing case (by id) or one to open."""

    case_id: int | None
    details: dict[str, Any]  # the case's details as the sweep read them, changes applied
    # Each step in order: ("opened", note, details), ("details", note, changes) or
    # ("evidence", kind, parsed details).
    steps: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)
    kind: str = ""  # of a case to open
    school_id: int = 0
    pupil_id: int = 0

    @property
    def opens(self) -> bool:
        return self.case_id is None


@dataclass(slots=True)
class CaseBatch:
    """A sweep's case work for many cases, written together by `write`."""

    work: list[CaseWork] = field(default_factory=list)
    by_id: dict[int, CaseWork] = field(default_factory=dict)

    def open(
        self, *, school_id: int, pupil_id: int, kind: str, details: dict[str, Any], note: str
    ) -> CaseWork:
        """A case to open in its kind's first state, with the event that opens it."""
        item = CaseWork(None, dict(details), kind=kind, school_id=school_id, pupil_id=pupil_id)
        item.steps.append(("opened", note, dict(details)))
        self.work.append(item)
        return item

    def existing(self, case_id: int, details: dict[str, Any]) -> CaseWork:
        """The work for a case already open (the same object each time it is asked for)."""
        item = self.by_id.get(case_id)
        if item is None:
            item = self.by_id[case_id] = CaseWork(case_id, dict(details))
            self.work.append(item)
        return item

    @staticmethod
    def change_details(item: CaseWork, changes: dict[str, Any], note: str) -> None:
        """The case's own data changed outside a step (its version moves on, as by hand)."""
        item.details.update(changes)
        item.steps.append(("details", note, dict(changes)))

    @staticmethod
    def record(item: CaseWork, kind: str, details: dict[str, Any]) -> None:
        """Evidence of a kind only the system records (a finding), checked like any other."""
        item.steps.append(("evidence", kind, evidence_kind(kind).parse(details)))

    def write(self, session: Session, who: Actor, today: date) -> dict[int, int]:
        """Write it all in the caller's transaction; the ids of the cases opened, by position
        in `work` (so that the caller can find them again)."""
        touched = [w for w in self.work if not w.opens and w.steps]
        ids = sorted(w.case_id for w in touched if w.case_id is not None)
        # Lock the cases as a person acting on one does, in one order (no deadlock), so that
        # event numbers never clash; then read each one's last event number once.
        last_seq: dict[int, int] = {}
        for chunk in _chunks(ids):
            session.execute(
                select(Case.id).where(Case.id.in_(chunk)).order_by(Case.id).with_for_update()
            )
            for case_id, seq in session.execute(
                select(CaseEvent.case_id, func.max(CaseEvent.seq))
                .where(CaseEvent.case_id.in_(chunk))
                .group_by(CaseEvent.case_id)
            ):
                last_seq[case_id] = seq
        self._change_details(session, touched)
        opened = self._open_cases(session, today)
        for position, case_id in opened.items():
            self.work[position].case_id = case_id
        now = datetime.now(UTC)
        evidence_rows: list[dict[str, Any]] = []
        for w in self.work:
            for step, kind, details in w.steps:
                if step == "evidence":
                    evidence_rows.append(
                        {
                            "case_id": w.case_id,
                            "kind": kind,
                            "recorded_on": today,
                            "details": details,
                            "recorded_by_id": who.id,
                            "recorded_at": now,
                            "supersedes_id": None,
                            "supersede_reason": None,
                        }
                    )
        evidence_ids = iter(_insert_returning(session, CaseEvidence, evidence_rows))
        events: list[dict[str, Any]] = []
        for w in self.work:
            seq = last_seq.get(w.case_id, 0) if w.case_id is not None else 0
            for step, word, details in w.steps:
                seq += 1
                events.append(_event(w, seq, step, word, details, evidence_ids, who, today, now))
        if events:
            session.execute(insert(_table(CaseEvent)), events)
        return opened

    def _change_details(self, session: Session, touched: Sequence[CaseWork]) -> None:
        """Apply detail changes to the rows as they are now (locked), each moving the version."""
        for w in touched:
            changes = [details for step, _note, details in w.steps if step == "details"]
            if not changes or w.case_id is None:
                continue
            current = session.execute(
                select(Case.details, Case.version).where(Case.id == w.case_id)
            ).one()
            merged = dict(current.details or {})
            for change in changes:
                merged.update(change)
            session.execute(
                update(Case)
                .where(Case.id == w.case_id)
                .values(details=merged, version=current.version + len(changes))
            )

    def _open_cases(self, session: Session, today: date) -> dict[int, int]:
        to_open = [(i, w) for i, w in enumerate(self.work) if w.opens]
        rows = []
        for _i, w in to_open:
            machine = lifecycle_of(w.kind)
            changes = sum(1 for step, _n, _d in w.steps if step == "details")
            rows.append(
                {
                    "school_id": w.school_id,
                    "pupil_id": w.pupil_id,
                    "kind": w.kind,
                    "state": machine.initial,
                    "version": 1 + changes,
                    "opened_on": today,
                    "closed_on": None,
                    "entered_state_on": today,
                    "la_visible": machine.states[machine.initial].la_visible,
                    "parent_case_id": None,
                    "details": w.details,
                }
            )
        return dict(
            zip((i for i, _ in to_open), _insert_returning(session, Case, rows), strict=True)
        )


def _event(
    w: CaseWork,
    seq: int,
    step: str,
    word: str | None,
    details: dict[str, Any],
    evidence_ids: Iterator[int],
    who: Actor,
    today: date,
    now: datetime,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "case_id": w.case_id,
        "seq": seq,
        "at": now,
        "on_day": today,
        "trigger": None,
        "from_state": None,
        "to_state": None,
        "evidence_id": None,
        "user_id": who.id,
        "username": who.username,
        "role": who.role.value,
        "position": who.position,
        "note": None,
    }
    if step == "opened":
        row.update(
            action=EventAction.OPENED.value,
            to_state=lifecycle_of(w.kind).initial,
            note=word,
            data={"details": details},
        )
    elif step == "details":
        row.update(action=EventAction.DETAILS.value, note=word, data={"details": details})
    else:
        row.update(
            action=EventAction.EVIDENCE.value,
            evidence_id=next(evidence_ids),
            data={"kind": word, "details": details, "supersedes": None},
        )
    return row


def _insert_returning(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows in one statement and return their new ids in the rows' order."""
    if not rows:
        return []
    table = _table(model)
    if session.get_bind().dialect.name == "sqlite":
        # SQLite promises no order for a many-row RETURNING (SQLAlchemy then goes row by
        # row); with the database's write lock held, the next ids are known instead.
        session.execute(update(table).where(false()).values(id=table.c.id))
        start = int(session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0)
        ids = list(range(start + 1, start + 1 + len(rows)))
        session.execute(insert(table), [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
        return ids
    result = session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
    )
    return list(result.scalars())


def _table(model: Any) -> Table:
    """The model's table, for Core's executemany (the ORM's bulk insert groups rows by the
    columns they leave empty and may then go row by row)."""
    return cast(Table, model.__table__)


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]
