"""The dense register: each pupil's school year as one byte per session, kept beside the marks.

`session_mark` (with `mark_amendment`) is the record of truth: one row per mark, with its
minutes late and comment. Reading a school's year from it costs a row per mark, and the sweep
reads every school's year every day. `register_year` holds the same codes densely: one row per
pupil and school year (1 September to 31 August), one byte per session of every calendar day
(2 x 366), the byte being the code's id (`casework.register.codes.CODE_ID`; 0 where there is
no mark). Calendar days rather than school days, so that a change to a school's calendar
(a closure added) leaves the bytes where they are. It is written in the same transaction as
every change to `session_mark` (`apply_marks`, `forget_pupils`) and can be rebuilt from it
(`rebuild`); the two agree, which the tests check after every kind of import and amendment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import cast

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Table, bindparam, delete, insert, select, tuple_, update
from sqlalchemy.orm import Session

from casework.register.calendar import SchoolCalendar
from casework.register.codes import CODE_ID
from casework.register.marks import Register
from casework.store.marks import day_number, school_mark_arrays
from casework.store.models import Pupil, RegisterYear, School

DAYS_PER_YEAR = 366
SESSIONS_PER_YEAR = 2 * DAYS_PER_YEAR
_KEYS_PER_READ = 500  # (pupil, year) pairs in one IN list
_DAY_NUMBER_FLOOR = -(1 << 23)  # a day number (from 1970) in 24 bits: any date of datetime.date
# Read a year's rows over the range of the pupils' ids while the range holds at most this
# many ids per pupil wanted (a school's pupils are mostly numbered together).
_RANGE_SLACK = 4
_YEARS_T = cast(Table, RegisterYear.__table__)
_UPDATE_YEAR = (
    update(_YEARS_T)
    .where(_YEARS_T.c.pupil_id == bindparam("p"), _YEARS_T.c.year_start == bindparam("y"))
    .values(codes=bindparam("c"))
)


def year_start(day: date) -> date:
    """The 1 September that begins the school year `day` is in."""
    return date(day.year if day.month >= 9 else day.year - 1, 9, 1)


def _year_starts(day_numbers: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The day number of each day's 1 September (vectorised `year_start`)."""
    days = day_numbers.astype("datetime64[D]")
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    months = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    starts = np.where(months >= 9, years, years - 1)
    first = (starts - 1970).astype("datetime64[Y]").astype("datetime64[M]") + 8
    return first.astype("datetime64[D]").astype(np.int64)


def _from_day_number(number: int) -> date:
    return date(1970, 1, 1) + timedelta(days=number)


def _dense(
    pupil_ids: npt.NDArray[np.int64],
    day_numbers: npt.NDArray[np.int64],
    sessions: npt.NDArray[np.intp],
    code_ids: npt.NDArray[np.uint8],
) -> tuple[
    list[tuple[int, int]], npt.NDArray[np.uint8], npt.NDArray[np.intp], npt.NDArray[np.intp]
]:
    """The (pupil, year) keys the marks fall in, and for each mark its key's row and byte."""
    starts = _year_starts(day_numbers)
    offsets = 2 * (day_numbers - starts) + sessions
    # One integer per (pupil, year): unique over a flat array is a sort, over pairs far slower.
    packed = (pupil_ids.astype(np.int64) << 24) | (starts - _DAY_NUMBER_FLOOR)
    keys, rows = np.unique(packed, return_inverse=True)
    key_list = [(int(k >> 24), int(k & 0xFFFFFF) + _DAY_NUMBER_FLOOR) for k in keys]
    return key_list, code_ids, rows.reshape(-1).astype(np.intp), offsets.astype(np.intp)


def _read_years(session: Session, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The stored bytes of these (pupil, year) keys, those that exist.

    A school's import touches its pupils' rows of a year or two: read per year over the
    range of their ids (one range scan of the primary key), unless the ids are too spread
    out for that, then by lists of pairs.
    """
    found: dict[tuple[int, int], bytes] = {}
    by_year: dict[int, list[int]] = {}
    for pupil_id, start in keys:
        by_year.setdefault(start, []).append(pupil_id)
    table = _YEARS_T
    scattered: list[tuple[int, int]] = []
    for start, pupils in by_year.items():
        low, high = min(pupils), max(pupils)
        if high - low + 1 > _RANGE_SLACK * len(pupils):
            scattered.extend((p, start) for p in pupils)
            continue
        wanted = set(pupils)
        query = select(table.c.pupil_id, table.c.codes).where(
            table.c.year_start == _from_day_number(start),
            table.c.pupil_id.between(low, high),
        )
        for pupil_id, codes in session.execute(query):
            if pupil_id in wanted:
                found[(pupil_id, start)] = bytes(codes)
    for at in range(0, len(scattered), _KEYS_PER_READ):
        chunk = [(p, _from_day_number(s)) for p, s in scattered[at : at + _KEYS_PER_READ]]
        query = select(table.c.pupil_id, table.c.year_start, table.c.codes).where(
            tuple_(table.c.pupil_id, table.c.year_start).in_(chunk)
        )
        for row in session.execute(query):
            found[(row.pupil_id, day_number(row.year_start))] = bytes(row.codes)
    return found


def _write_years(
    session: Session,
    keys: Sequence[tuple[int, int]],
    matrix: npt.NDArray[np.uint8],
    existing: dict[tuple[int, int], bytes],
) -> None:
    inserts = []
    updates = []
    for row, (pupil_id, start) in enumerate(keys):
        codes = matrix[row].tobytes()
        if (pupil_id, start) in existing:
            if existing[(pupil_id, start)] != codes:
                updates.append({"p": pupil_id, "y": _from_day_number(start), "c": codes})
        else:
            inserts.append(
                {"pupil_id": pupil_id, "year_start": _from_day_number(start), "codes": codes}
            )
    if inserts:
        session.execute(insert(_YEARS_T), inserts)
    if updates:  # by primary key, one executemany of the table's statement (not the ORM's)
        session.execute(_UPDATE_YEAR, updates)


def apply_marks(session: Session, marks: Iterable[tuple[int, date, str, str]]) -> None:
    """Write marks (pupil id, date, AM or PM, code), new or changed, into the dense register,
    in the caller's transaction."""
    listed = list(marks)
    if not listed:
        return
    pupil_ids = np.fromiter((m[0] for m in listed), dtype=np.int64, count=len(listed))
    day_numbers = np.fromiter((day_number(m[1]) for m in listed), dtype=np.int64, count=len(listed))
    sessions = np.fromiter((m[2] == "PM" for m in listed), dtype=np.intp, count=len(listed))
    code_ids = np.fromiter((CODE_ID[m[3]] for m in listed), dtype=np.uint8, count=len(listed))
    keys, codes, rows, offsets = _dense(pupil_ids, day_numbers, sessions, code_ids)
    existing = _read_years(session, keys)
    matrix = np.zeros((len(keys), SESSIONS_PER_YEAR), dtype=np.uint8)
    for row, key in enumerate(keys):
        if key in existing:
            matrix[row] = np.frombuffer(existing[key], dtype=np.uint8)
    matrix[rows, offsets] = codes
    _write_years(session, keys, matrix, existing)


def forget_pupils(session: Session, pupil_ids: object) -> None:
    """Drop the dense register of these pupils (their marks were deleted): `pupil_ids` is a
    list or a subquery of ids."""
    table = RegisterYear.__table__  # the table, not the ORM: no RETURNING of what goes
    session.execute(delete(table).where(table.c.pupil_id.in_(pupil_ids)))  # type: ignore[arg-type]


def rebuild(session: Session, school_ids: Iterable[int] | None = None) -> int:
    """The dense register made again from `session_mark`, for these schools (every school
    when None). Returns how many pupil-years it holds now."""
    if school_ids is None:
        school_ids = list(session.scalars(select(School.id).order_by(School.id)))
    total = 0
    for school_id in school_ids:
        forget_pupils(
            session, select(Pupil.id).where(Pupil.school_id == school_id).scalar_subquery()
        )
        pupil_ids, day_numbers, sessions, code_ids = school_mark_arrays(
            session.connection(), school_id, date(1900, 1, 1), date(9999, 12, 31)
        )
        if not len(pupil_ids):
            continue
        keys, codes, rows, offsets = _dense(pupil_ids, day_numbers, sessions, code_ids)
        matrix = np.zeros((len(keys), SESSIONS_PER_YEAR), dtype=np.uint8)
        matrix[rows, offsets] = codes
        _write_years(session, keys, matrix, {})
        total += len(keys)
    return total


# Built once (a statement built per call costs more to key for the compiled cache than to run).
_PUPIL_YEARS = select(_YEARS_T.c.year_start, _YEARS_T.c.codes).where(
    _YEARS_T.c.pupil_id == bindparam("pupil_id"),
    _YEARS_T.c.year_start >= bindparam("first", type_=_YEARS_T.c.year_start.type),
    _YEARS_T.c.year_start <= bindparam("last", type_=_YEARS_T.c.year_start.type),
)


def pupil_years(session: Session, pupil_id: int, start: date, end: date) -> dict[date, bytes]:
    """One pupil's dense school years that meet the dates start to end, by their 1 September."""
    found = session.execute(
        _PUPIL_YEARS, {"pupil_id": pupil_id, "first": year_start(start), "last": year_start(end)}
    )
    return {first: bytes(codes) for first, codes in found}


def pupil_window(
    calendar: SchoolCalendar, start: date, end: date, pupil: object, years: Mapping[date, bytes]
) -> Register:
    """A one-pupil register of the school days start to end, from their dense school years."""
    register = Register(calendar, start, end, [pupil])
    days = register.days
    if not days or not years:
        return register
    ordinals = np.fromiter((day.toordinal() for day in days), dtype=np.intp, count=len(days))
    for first, codes in years.items():
        # The window's days in this school year (1 September to the next 31 August).
        origin = first.toordinal()
        inside = (ordinals >= origin) & (ordinals < date(first.year + 1, 9, 1).toordinal())
        here = np.flatnonzero(inside)
        if not len(here):
            continue
        offsets = 2 * (ordinals[here] - origin)
        row = np.frombuffer(codes, dtype=np.uint8)
        register.codes[0, 2 * here] = row[offsets]
        register.codes[0, 2 * here + 1] = row[offsets + 1]
    return register


def school_years(
    connection: Connection, school_id: int, start: date, end: date
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
    """The dense school years of a school's pupils that meet the dates start to end: the
    pupil ids, the day numbers of their 1 Septembers, and the codes as a (rows x 732) matrix,
    read in one statement."""
    table = RegisterYear.__table__
    found = connection.execute(
        select(table.c.pupil_id, table.c.year_start, table.c.codes)
        .join(Pupil.__table__, Pupil.id == table.c.pupil_id)
        .where(
            Pupil.school_id == school_id,
            table.c.year_start >= year_start(start),
            table.c.year_start <= year_start(end),
        )
    ).all()
    owners = np.fromiter((r[0] for r in found), dtype=np.int64, count=len(found))
    firsts = np.fromiter((day_number(r[1]) for r in found), dtype=np.int64, count=len(found))
    matrix = np.frombuffer(b"".join(bytes(r[2]) for r in found), dtype=np.uint8)
    return owners, firsts, matrix.reshape(len(found), SESSIONS_PER_YEAR)


def fill_register(
    register: Register,
    rows: npt.NDArray[np.intp],
    firsts: npt.NDArray[np.int64],
    matrix: npt.NDArray[np.uint8],
) -> None:
    """Copy dense school years into a register's rows (`rows[i]` for `matrix[i]`, -1 for none):
    its columns are the school days of its window, picked out of each year's calendar days."""
    if not len(rows) or not register.days:
        return
    days = np.fromiter((day_number(d) for d in register.days), dtype=np.int64)
    day_firsts = _year_starts(days)
    for first in np.unique(firsts).tolist():
        columns = np.nonzero(day_firsts == first)[0]
        chosen = np.nonzero((firsts == first) & (rows >= 0))[0]
        if not len(columns) or not len(chosen):
            continue
        offsets = 2 * (days[columns] - first)
        targets = rows[chosen][:, None]
        years = matrix[chosen]
        register.codes[targets, 2 * columns[None, :]] = years[:, offsets]
        register.codes[targets, 2 * columns[None, :] + 1] = years[:, offsets + 1]
