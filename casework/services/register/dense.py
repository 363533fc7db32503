"""Rebuilding the dense register (one byte per session, which the sweep reads) from the marks."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from casework.services.register.schools import find_school
from casework.store.database import Database
from casework.store.models import School
from casework.store.projection import rebuild


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """What a rebuild did: the schools it covered and the pupil-years the register now holds."""

    schools: int
    pupil_years: int

    def as_dict(self) -> dict[str, int]:
        return {"schools": self.schools, "pupil_years": self.pupil_years}


def rebuild_dense_register(db: Database, urn: str | None = None) -> Rebuilt:
    """The dense register of one school (by URN) or of every school, made again from
    `session_mark` in one transaction (it is kept in step on every import and amendment;
    this is for after a restore or a change made to the marks outside Casework)."""
    with db.transaction() as session:
        if urn is not None:
            ids = [find_school(session, urn).id]
        else:
            ids = list(session.scalars(select(School.id).order_by(School.id)))
        return Rebuilt(len(ids), rebuild(session, ids))
