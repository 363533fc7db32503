"""Bulk reading and writing of register marks, bypassing the ORM where millions of rows move."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, bindparam, exc, insert, text, update
from sqlalchemy.orm import Session

from casework.register.codes import CODE_ID, CODES
from casework.store.models import MarkAmendment, SessionMark

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
    try:
        _insert_through_driver(session, connection, rows)
    except connection.dialect.loaded_dbapi.IntegrityError as error:
        # The driver's own error, as SQLAlchemy raises it for the statements it runs itself,
        # so that the service sees a mark written by someone else meanwhile the same way.
        raise exc.IntegrityError(_INSERT_MARKS, None, error) from error


def _insert_through_driver(
    session: Session,
    connection: Connection,
    rows: Sequence[tuple[int, date, str, str, int | None, str | None]],
) -> None:
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


MarkEntry = tuple[str, int | None, str | None]  # code, minutes late, comment (None: none)
# A changed mark: pupil id, date, session, the entry stored and the entry it becomes.
MarkChange = tuple[int, date, str, MarkEntry, MarkEntry]

# PostgreSQL: a batch of changed marks as one UPDATE, the new entries given as arrays.
_UPDATE_MARKS = (
    "UPDATE session_mark AS m SET code = v.code, minutes_late = v.minutes_late, "
    "comment = v.comment FROM unnest(%s::integer[], %s::date[], %s::text[], %s::text[], "
    "%s::smallint[], %s::text[]) AS v(pupil_id, date, session, code, minutes_late, comment) "
    "WHERE m.pupil_id = v.pupil_id AND m.date = v.date AND m.session = v.session"
)
_SQLITE_UPDATE_MARKS = (
    "UPDATE session_mark SET code = ?, minutes_late = ?, comment = ? "
    "WHERE pupil_id = ? AND date = ? AND session = ?"
)
_AMENDMENT_COLUMNS = (
    "pupil_id",
    "date",
    "session",
    "original_code",
    "original_minutes_late",
    "original_comment",
    "new_code",
    "new_minutes_late",
    "new_comment",
    "reason",
    "amended_at",
    "amended_by",
    "amended_by_position",
)
_COPY_AMENDMENTS = f"COPY mark_amendment ({', '.join(_AMENDMENT_COLUMNS)}) FROM STDIN"
_SQLITE_INSERT_AMENDMENTS = (
    f"INSERT INTO mark_amendment ({', '.join(_AMENDMENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _AMENDMENT_COLUMNS)})"
)


def _copy_value(value: str | int | None) -> str:
    if value is None:
        return "\\N"
    return _copy_text(value) if isinstance(value, str) else str(value)


def _amendment_lines(changes: Sequence[MarkChange], fixed: str) -> Iterator[str]:
    """The amendments as COPY text; `fixed` is the reason, time and amender, escaped once."""
    days: dict[date, str] = {}
    lines: list[str] = []
    for pupil_id, day, session, before, after in changes:
        iso = days.get(day)
        if iso is None:
            iso = days[day] = day.isoformat()
        entries = "\t".join(_copy_value(value) for value in (*before, *after))
        lines.append(f"{pupil_id}\t{iso}\t{session}\t{entries}\t{fixed}\n")
        if len(lines) == _COPY_CHUNK:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def amend_marks(
    session: Session,
    changes: Sequence[MarkChange],
    *,
    reason: str,
    amended_at: datetime,
    amended_by: str,
    amended_by_position: str,
) -> None:
    """Change stored marks and record each change as an amendment (the original and new
    entries, why, when and by whom), in bulk: a statement per batch, not per mark.

    PostgreSQL updates the marks with one UPDATE from arrays and records the amendments
    through COPY. SQLite takes one executemany for each on the driver's cursor, with dates
    and the time stored as the text SQLAlchemy stores for them (the time converted once, by
    the column's own type). Both run in the session's transaction.
    """
    if not changes:
        return
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        raw = connection.connection.driver_connection
        assert raw is not None
        rows = [(p, d, s, *after) for p, d, s, _, after in changes]
        columns = [list(column) for column in zip(*rows, strict=True)]
        fixed = "\t".join(
            _copy_text(value)
            for value in (reason, amended_at.isoformat(), amended_by, amended_by_position)
        )
        with raw.cursor() as cursor:
            cursor.execute(_UPDATE_MARKS, columns)
            with cursor.copy(_COPY_AMENDMENTS) as copy:
                for chunk in _amendment_lines(changes, fixed):
                    copy.write(chunk)
        return
    if dialect == "sqlite":
        days: dict[date, str] = {}
        for change in changes:
            if change[1] not in days:
                days[change[1]] = change[1].isoformat()
        stamp_type = MarkAmendment.__table__.c.amended_at.type
        stamp = (stamp_type.bind_processor(connection.dialect) or (lambda value: value))(amended_at)
        stamped = (reason, stamp, amended_by, amended_by_position)
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(
                _SQLITE_UPDATE_MARKS,
                [(c, m, n, p, days[d], s) for p, d, s, _, (c, m, n) in changes],
            )
            cursor.executemany(
                _SQLITE_INSERT_AMENDMENTS,
                [(p, days[d], s, *before, *after, *stamped) for p, d, s, before, after in changes],
            )
        finally:
            cursor.close()
        return
    connection.execute(
        update(SessionMark)
        .where(
            SessionMark.pupil_id == bindparam("key_pupil"),
            SessionMark.date == bindparam("key_date"),
            SessionMark.session == bindparam("key_session"),
        )
        .values(
            code=bindparam("new_code"),
            minutes_late=bindparam("new_minutes"),
            comment=bindparam("new_comment"),
        ),
        [
            {
                "key_pupil": p,
                "key_date": d,
                "key_session": s,
                "new_code": c,
                "new_minutes": m,
                "new_comment": n,
            }
            for p, d, s, _, (c, m, n) in changes
        ],
    )
    connection.execute(
        insert(MarkAmendment),
        [
            dict(
                zip(
                    _AMENDMENT_COLUMNS,
                    (p, d, s, *before, *after, reason, amended_at, amended_by, amended_by_position),
                    strict=True,
                )
            )
            for p, d, s, before, after in changes
        ],
    )


def _day_number_sql(connection: Connection) -> str:
    """SQL for a mark's date as whole days since 1970-01-01, computed by the database."""
    if connection.dialect.name == "postgresql":
        return "(m.date - DATE '1970-01-01')"
    return "CAST(julianday(m.date) - 2440587.5 AS INTEGER)"


def day_number(day: date) -> int:
    return day.toordinal() - _EPOCH_ORDINAL


MarkArrays = tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.intp], npt.NDArray[np.uint8]
]

# Code ids by a 16-bit key of a code's characters (first * 256 + second, 0 for none), which
# the database computes per mark: numpy then maps a column of keys to ids with one lookup.
_ID_BY_KEY = np.zeros(1 << 16, dtype=np.uint8)
for _code, _id in CODE_ID.items():
    assert len(_code) <= 2 and _code.isascii(), _code
    _ID_BY_KEY[ord(_code[0]) * 256 + (ord(_code[1]) if len(_code) > 1 else 0)] = _id

_SCHOOL_MARKS = (
    "FROM session_mark m JOIN pupil p ON p.id = m.pupil_id "
    "WHERE p.school_id = {school} AND m.date >= {start} AND m.date <= {end}"
)

# PostgreSQL: one bytea per school, each mark three big-endian int4 (pupil id, day number,
# session * 65536 + code key) concatenated by the server, received in binary and read in place
# by numpy. (Binary COPY would need no aggregate, but psycopg receives COPY a message per row.)
_PG_MARKS = (
    "SELECT string_agg(int4send(m.pupil_id) || int4send(m.date - DATE '1970-01-01') "
    "|| int4send((m.session = 'PM')::int * 65536 + ascii(m.code) * 256 "
    "+ ascii(substr(m.code, 2, 1))), ''::bytea) "
    + _SCHOOL_MARKS.format(school="%s", start="%s", end="%s")
)

# SQLite: one row per pupil with the marks' columns each concatenated by group_concat (dates
# and sessions at their fixed widths, codes separated by commas), built by SQLite in C: the
# driver makes four strings per pupil instead of a tuple and four objects per mark. (All
# aggregates of a row see its marks in the same order.)
_SQLITE_MARKS = (
    "SELECT p.id, count(*), group_concat(m.date, ''), group_concat(m.session, ''), "
    "group_concat(m.code, ',') FROM pupil p JOIN session_mark m ON m.pupil_id = p.id "
    "WHERE p.school_id = ? AND m.date >= ? AND m.date <= ? GROUP BY p.id"
)
_DATE_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9]  # YYYY-MM-DD
_POWERS = 10 ** np.arange(3, -1, -1, dtype=np.int64)


def _empty() -> MarkArrays:
    empty = np.zeros(0, dtype=np.int64)
    return empty, empty, np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.uint8)


def _postgresql_arrays(
    connection: Connection, school_id: int, start: date, end: date
) -> MarkArrays | None:
    raw: Any = connection.connection.driver_connection
    with raw.cursor(binary=True) as cursor:
        (packed,) = cursor.execute(_PG_MARKS, (school_id, start, end)).fetchone()
    if packed is None:
        return _empty()
    if len(packed) % 12:
        return None
    values = np.frombuffer(packed, dtype=">i4").reshape(-1, 3)
    last = values[:, 2]
    return (
        values[:, 0].astype(np.int64),
        values[:, 1].astype(np.int64),
        (last >> 16).astype(np.intp),
        _ID_BY_KEY[last & 0xFFFF],
    )


def _ascii(values: Sequence[str], separator: str = "") -> npt.NDArray[np.uint8] | None:
    text = separator.join(values)
    if not text.isascii():
        return None
    return np.frombuffer(text.encode("ascii"), dtype=np.uint8)


def _sqlite_arrays(
    connection: Connection, school_id: int, start: date, end: date
) -> MarkArrays | None:
    raw: Any = connection.connection.driver_connection
    cursor = raw.cursor()
    try:
        rows = cursor.execute(
            _SQLITE_MARKS, (school_id, start.isoformat(), end.isoformat())
        ).fetchall()
    finally:
        cursor.close()
    if not rows:
        return _empty()
    ids, counts, dates, sessions, codes = zip(*rows, strict=True)
    total = sum(counts)
    date_chars = _ascii(dates)
    session_chars = _ascii(sessions)
    code_chars = _ascii(codes, ",")
    if (
        date_chars is None
        or session_chars is None
        or code_chars is None
        or len(date_chars) != 10 * total
        or len(session_chars) != 2 * total
    ):
        return None  # not the shape this program writes: read it the general way
    # Dates: the ISO text SQLAlchemy stores, to days since 1970-01-01.
    date_chars = date_chars.reshape(total, 10)
    digits = date_chars[:, _DATE_DIGITS].astype(np.int64) - ord("0")
    if (digits < 0).any() or (digits > 9).any() or (date_chars[:, [4, 7]] != ord("-")).any():
        return None
    year = digits[:, 0:4] @ _POWERS
    month = digits[:, 4:6] @ _POWERS[2:]
    day = digits[:, 6:8] @ _POWERS[2:]
    days = (
        (year - 1970).astype("datetime64[Y]").astype("datetime64[M]")
        + (month - 1).astype("timedelta64[M]")
    ).astype("datetime64[D]") + (day - 1).astype("timedelta64[D]")
    # Codes: one or two characters between commas, to the 16-bit key and then the code id.
    commas = np.flatnonzero(code_chars == ord(","))
    if len(commas) != total - 1:
        return None
    starts = np.concatenate(([0], commas + 1))
    lengths = np.concatenate((commas, [len(code_chars)])) - starts
    if ((lengths < 1) | (lengths > 2)).any():
        return None
    second = code_chars[np.minimum(starts + 1, len(code_chars) - 1)].astype(np.intp)
    keys = code_chars[starts].astype(np.intp) * 256 + np.where(lengths == 2, second, 0)
    return (
        np.repeat(np.array(ids, dtype=np.int64), counts),
        days.astype(np.int64),
        (session_chars[0::2] == ord("P")).astype(np.intp),
        _ID_BY_KEY[keys],
    )


def _cursor_arrays(connection: Connection, school_id: int, start: date, end: date) -> MarkArrays:
    """The general way: rows through the DBAPI cursor, one tuple per mark."""
    sql = f"SELECT m.pupil_id, {_day_number_sql(connection)}, m.session, m.code " + (
        _SCHOOL_MARKS.format(school=":school", start=":start", end=":end")
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
        return _empty()
    pupils, days, sessions, codes = zip(*rows, strict=True)
    pupil_ids = np.fromiter(pupils, dtype=np.int64, count=len(rows))
    day_numbers = np.fromiter(days, dtype=np.int64, count=len(rows))
    session_idx = (np.array(sessions, dtype="U2") == "PM").astype(np.intp)
    code_strings = np.array(codes, dtype="U2")
    code_ids = _SORTED_IDS[np.searchsorted(_SORTED_CODES, code_strings)]
    return pupil_ids, day_numbers, session_idx, code_ids


def school_mark_arrays(
    connection: Connection, school_id: int, start: date, end: date
) -> MarkArrays:
    """Every mark of a school's pupils between two dates as four columns.

    Returns pupil ids, day numbers (days since 1970-01-01), sessions (0 AM, 1 PM) and code ids,
    in no particular order. One query per school, and no Python object per mark: PostgreSQL
    packs the marks into one binary value of fixed-width integers that numpy reads in place;
    SQLite packs them into one fixed-width text value that numpy slices into columns. The
    database turns each code into a number, and numpy maps the numbers to code ids. Other
    databases, or data of an unexpected shape, go through the DBAPI cursor a tuple per mark
    (several times slower).
    """
    dialect = connection.dialect.name
    arrays = None
    if dialect == "postgresql":
        arrays = _postgresql_arrays(connection, school_id, start, end)
    elif dialect == "sqlite":
        arrays = _sqlite_arrays(connection, school_id, start, end)
    if arrays is None:
        arrays = _cursor_arrays(connection, school_id, start, end)
    return arrays
