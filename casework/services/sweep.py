"""The daily sweep: every rule of each school's policy over its pupils on roll, as findings."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select

from casework.policy.rules import Finding, evaluate_policy, lookback_start
from casework.register.marks import Register
from casework.services.schools import SchoolContext, find_school, school_context
from casework.store.database import Database
from casework.store.marks import day_number, school_mark_arrays
from casework.store.models import Pupil, School


@dataclass(frozen=True, slots=True)
class SchoolRegister:
    """A school's register for a window, with the rows' pupils."""

    school: SchoolContext
    register: Register
    pupils: list[Pupil]


def load_register(
    db: Database, school: SchoolContext, start: date, end: date, on_roll_at: date | None = None
) -> SchoolRegister:
    """Every pupil's marks from start to end, in one matrix.

    With on_roll_at, only pupils on roll that day (a leaver is not swept after leaving).
    """
    with db.transaction() as session:
        query = select(Pupil).where(Pupil.school_id == school.id).order_by(Pupil.upn)
        if on_roll_at is not None:
            query = query.where(
                (Pupil.admission_date.is_(None)) | (Pupil.admission_date <= on_roll_at),
                (Pupil.leaving_date.is_(None)) | (Pupil.leaving_date >= on_roll_at),
            )
        pupils = list(session.scalars(query))
        pupil_ids, day_numbers, sessions, code_ids = school_mark_arrays(
            session.connection(), school.id, start, end
        )
    register = Register(school.calendar, start, end, [p.upn for p in pupils])
    if len(pupil_ids):
        row_of = np.full(int(pupil_ids.max()) + 1, -1, dtype=np.intp)
        for row, pupil in enumerate(pupils):
            if pupil.id < len(row_of):
                row_of[pupil.id] = row
        rows = row_of[pupil_ids]
        # Calendar day index for each day number (-1 where it is not a school day).
        calendar = school.calendar
        first = day_number(calendar.first_day)
        index_of = np.full(day_number(calendar.last_day) - first + 1, -1, dtype=np.intp)
        index_of[[day_number(d) - first for d in calendar.days]] = np.arange(len(calendar.days))
        offsets = day_numbers - first
        inside = (rows >= 0) & (offsets >= 0) & (offsets < len(index_of))
        day_idx = np.where(inside, index_of[np.clip(offsets, 0, len(index_of) - 1)], -1)
        keep = inside & (day_idx >= 0)
        register.set_marks(rows[keep], day_idx[keep], sessions[keep], code_ids[keep])
    for row, pupil in enumerate(pupils):
        register.clear_outside(row, pupil.admission_date, pupil.leaving_date)
    return SchoolRegister(school, register, pupils)


@dataclass(frozen=True, slots=True)
class SweepResult:
    as_of: date
    findings: list[tuple[str, Finding]]  # (school URN, finding)
    pupils: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "findings": [{"school": urn, **f.as_dict()} for urn, f in self.findings],
        }


def _sweep_register(db: Database, school: SchoolContext, as_of: date) -> SchoolRegister:
    start = lookback_start(school.policy, school.calendar, as_of)
    return load_register(db, school, start, as_of, on_roll_at=as_of)


def _read_ahead(db: Database) -> bool:
    """Whether a second connection sees the same data (not so for an in-memory SQLite)."""
    url = db.engine.url
    return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))


def sweep(
    db: Database,
    as_of: date,
    urn: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> SweepResult:
    """Run every school's policy (or one school's) as of a date."""
    with db.transaction() as session:
        if urn is not None:
            schools = [school_context(find_school(session, urn))]
        else:
            schools = [
                school_context(s) for s in session.scalars(select(School).order_by(School.urn))
            ]
    due = [s for s in schools if s.calendar.covers(as_of) or as_of >= s.calendar.first_day]
    findings: list[tuple[str, Finding]] = []
    pupils = 0
    # While one school's rules run, the next school's marks are read in a thread: the read
    # mostly waits on the database, which releases the GIL, so the two overlap on two cores.
    workers = 1 if len(due) > 1 and _read_ahead(db) else 0
    with ThreadPoolExecutor(max_workers=max(workers, 1)) as reader:
        pending: Future[SchoolRegister] | None = None
        for i, school in enumerate(due):
            loaded = pending.result() if pending else _sweep_register(db, school, as_of)
            pending = (
                reader.submit(_sweep_register, db, due[i + 1], as_of)
                if workers and i + 1 < len(due)
                else None
            )
            births = [p.date_of_birth for p in loaded.pupils]
            names = [f"{p.forename} {p.surname}" for p in loaded.pupils]
            found = evaluate_policy(
                school.policy, loaded.register, as_of, births=births, names=names
            )
            findings.extend((school.urn, f) for f in found)
            pupils += len(loaded.pupils)
            if progress:
                progress(school.urn)
    return SweepResult(as_of, findings, pupils)
