"""A school's register read from the database into the domain's matrix, for a window of dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select

from casework.register.marks import Register
from casework.services.register.schools import SchoolContext
from casework.store.database import Database
from casework.store.models import Pupil
from casework.store.projection import fill_register, school_years


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
        pupil_ids, firsts, years = school_years(session.connection(), school.id, start, end)
    register = Register(school.calendar, start, end, [p.upn for p in pupils])
    if len(pupil_ids):
        row_of = np.full(int(pupil_ids.max()) + 1, -1, dtype=np.intp)
        for row, pupil in enumerate(pupils):
            if pupil.id < len(row_of):
                row_of[pupil.id] = row
        fill_register(register, row_of[pupil_ids], firsts, years)
    for row, pupil in enumerate(pupils):
        register.clear_outside(row, pupil.admission_date, pupil.leaving_date)
    return SchoolRegister(school, register, pupils)
