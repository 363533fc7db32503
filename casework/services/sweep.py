"""The daily sweep: every rule of each school's policy over its pupils on roll, as findings."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from casework.policy.rules import Finding, evaluate_policy, lookback_start
from casework.services.register.school_register import SchoolRegister, load_register
from casework.services.register.schools import SchoolContext, find_school, school_context
from casework.store.database import Database
from casework.store.models import School


@dataclass(frozen=True, slots=True)
class SweepResult:
    as_of: date
    findings: list[tuple[str, Finding]]  # (school URN, finding)
    pupils: int
    # Each pupil's name by UPN, for a person reading the findings beside the UPNs; not part
    # of the findings' data (as_dict), and never logged.
    names: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "findings": [{"school": urn, **f.as_dict()} for urn, f in self.findings],
        }


def _sweep_register(db: Database, school: SchoolContext, as_of: date) -> SchoolRegister:
    start = lookback_start(school.policy, school.calendar, as_of)
    return load_register(db, school, start, as_of, on_roll_at=as_of)


def due_schools(db: Database, as_of: date, urn: str | None = None) -> list[SchoolContext]:
    """The schools a sweep as of `as_of` looks at (or the one named), in URN order: those whose
    calendar has begun by then."""
    with db.transaction() as session:
        if urn is not None:
            schools = [school_context(find_school(session, urn))]
        else:
            schools = [
                school_context(s) for s in session.scalars(select(School).order_by(School.urn))
            ]
    return [s for s in schools if s.calendar.covers(as_of) or as_of >= s.calendar.first_day]


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
    due = due_schools(db, as_of, urn)
    findings: list[tuple[str, Finding]] = []
    names: dict[str, str] = {}
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
            names_here = [f"{p.forename} {p.surname}" for p in loaded.pupils]
            found = evaluate_policy(
                school.policy, loaded.register, as_of, births=births, names=names_here
            )
            findings.extend((school.urn, f) for f in found)
            names.update((p.upn, name) for p, name in zip(loaded.pupils, names_here, strict=True))
            pupils += len(loaded.pupils)
            if progress:
                progress(school.urn)
    return SweepResult(as_of, findings, pupils, names)
