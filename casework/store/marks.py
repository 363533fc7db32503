"""Bulk reading and writing of register marks, bypassing the ORM where millions of rows move."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, insert, text
from sqlalchemy.orm import Session

from casework.codes import CODE_ID, CODES
from casework.store.models import SessionMark

EPOCH = date(1970, 1, 1)
_EPOCH_ORDINAL = EPOCH.toordinal()

# Code strings sorted, with their ids, so a column of codes maps to ids with one searchsorted.
_SORTED_CODES = np.array(sorted(CODE_ID), dtype="U2")
_SORTED_IDS = np.array([CODE_ID[c] for c in sorted(CODE_ID)], dtype=np.uint8)
assert len(CODES) < 255


_COPY_MARKS = "COPY session_mark (pupil_id, date, session, code, minutes_late, comment) FROM STDIN"
_INSERT_MARKS = (
    "INSERT INTO session_mark (pupil_id, date, session, code, minutes_late, comment) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_COPY_CHUNK = 20_000  # rows per write: a few hundred kB of COPY text


def _copy_text(value: str) -> str:
    """A value escaped for COPY's text format (backslash, tab, newline, carriage return)."""
    if "\\" not in value and "\t" not in value and "\n" not in value and "\r" not in value:
        return value
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _copy_lines(
    rows: Sequence[tuple[int, date, str, str, int | None, str | None]],
) -> Iterator[str]:
    """The rows as COPY text, a chunk of lines at a time; dates and codes converted once each."""
    null = "\\N"
    days: dict[date, str] = {}
    codes: dict[str, str] = {}
    lines: list[str] = []
    for pupil_id, day, session, code, minutes, comment in rows:
        iso = days.get(day)
        if iso is None:
            iso = days[day] = day.isoformat()
        text = codes.get(code)
        if text is None:
            text = codes[code] = _copy_text(code)
        late = null if minutes is None else str(minutes)
        note = null if comment is None else _copy_text(comment)
        lines.append(f"{pupil_id}\t{iso}\t{session}\t{text}\t{late}\t{note}\n")
        if len(lines) == _COPY_CHUNK:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def insert_marks(
    session: Session, rows: Sequence[tuple[int, date, str, str, int | None, str | None]]
) -> None:
    """Insert new marks (pupil_id, date, session, code, minutes_late, comment) in bulk.

    PostgreSQL takes them through COPY, written as text a chunk at a time (psycopg's write_row
    adapts each value in Python and costs more than the server's work). SQLite takes one
    executemany on the driver's cursor with dates as the ISO text SQLAlchemy stores for them:
    the ORM's bulk insert builds a dict and a statement batch per few rows and is several
    times slower. Both run in the session's transaction.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        raw = connection.connection.driver_connection
        assert raw is not None
        with (
            raw.cursor() as cursor,
            cursor.copy(_COPY_MARKS) as copy,
        ):
            for chunk in _copy_lines(rows):
                copy.write(chunk)
        return
    if dialect == "sqlite":
        days: dict[date, str] = {}
        for row in rows:
            if row[1] not in days:
                days[row[1]] = row[1].isoformat()
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(
                _INSERT_MARKS,
                [(p, days[d], s, c, m, n) for p, d, s, c, m, n in rows],
            )
        finally:
            cursor.close()
        return
    keys = ("pupil_id", "date", "session", "code", "minutes_late", "comment")
    session.execute(insert(SessionMark), [dict(zip(keys, row, strict=True)) for row in rows])


def _day_number_sql(connection: Connection) -> str:
    """SQL for a mark's date as whole days since 1970-01-01, computed by the database."""
    if connection.dialect.name == "postgresql":
        return "(m.date - DATE '1970-01-01')"
    return "CAST(julianday(m.date) - 2440587.5 AS INTEGER)"


def day_number(day: date) -> int:
    return day.toordinal() - _EPOCH_ORDINAL


def school_mark_arrays(
    connection: Connection, school_id: int, start: date, end: date
) -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.intp], npt.NDArray[np.uint8]
]:
    """Every mark of a school's pupils between two dates as four columns.

    Returns pupil ids, day numbers (days since 1970-01-01), sessions (0 AM, 1 PM) and code ids.
    Reads through the DBAPI cursor in large batches and converts with numpy: one Python tuple
    per mark is the floor of the cost, and nothing is built per mark beyond it.
    """
    sql = (
        f"SELECT m.pupil_id, {_day_number_sql(connection)}, m.session, m.code "
        "FROM session_mark m JOIN pupil p ON p.id = m.pupil_id "
        "WHERE p.school_id = :school AND m.date >= :start AND m.date <= :end"
    )
    result = connection.execute(text(sql), {"school": school_id, "start": start, "end": end})
    cursor: Any = result.cursor
    chunks: list[list[Any]] = []
    while True:
        batch = cursor.fetchmany(100_000)
        if not batch:
            break
        chunks.append(batch)
    result.close()
    rows = [row for chunk in chunks for row in chunk]
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.uint8)
    pupils, days, sessions, codes = zip(*rows, strict=True)
    pupil_ids = np.fromiter(pupils, dtype=np.int64, count=len(rows))
    day_numbers = np.fromiter(days, dtype=np.int64, count=len(rows))
    session_idx = (np.array(sessions, dtype="U2") == "PM").astype(np.intp)
    code_strings = np.array(codes, dtype="U2")
    code_ids = _SORTED_IDS[np.searchsorted(_SORTED_CODES, code_strings)]
    return pupil_ids, day_numbers, session_idx, code_ids


def count_marks(connection: Connection) -> int:
    return int(connection.execute(text("SELECT count(*) FROM session_mark")).scalar_one())
