"""Many pupils' register marks over a window of school sessions, held as one code-id matrix."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from casework.register.calendar import SESSIONS, SchoolCalendar, Session
from casework.register.codes import CODE_ID, CODES, Category, code_for_id

# Lookup tables indexed by code id (0 = no mark), so that category questions over the whole
# matrix are one fancy-indexing operation instead of a Python loop per mark.
_SIZE = len(CODES) + 1
TABLE_SIZE = _SIZE  # the length of every lookup table: code ids run from 0 to TABLE_SIZE - 1


def _table(predicate: object) -> npt.NDArray[np.bool_]:
    out = np.zeros(_SIZE, dtype=bool)
    for code in CODES:
        out[CODE_ID[code.code]] = bool(predicate(code))  # type: ignore[operator]
    return out


POSSIBLE = _table(lambda c: c.possible)
PRESENT = _table(lambda c: c.category is Category.PRESENT)
APPROVED = _table(lambda c: c.category is Category.APPROVED_ACTIVITY)
ATTENDING = _table(lambda c: c.attending)
AUTHORISED = _table(lambda c: c.category is Category.AUTHORISED)
UNAUTHORISED = _table(lambda c: c.category is Category.UNAUTHORISED)
ABSENT = _table(lambda c: c.absent)
LATE = _table(lambda c: c.late)


def code_mask(codes: Iterable[str]) -> npt.NDArray[np.bool_]:
    """A lookup table that is True for the given codes (each must exist)."""
    out = np.zeros(_SIZE, dtype=bool)
    for code in codes:
        out[CODE_ID[code]] = True
    return out


@dataclass(frozen=True, slots=True)
class Mark:
    """One register mark: the evidence a finding cites."""

    date: date
    session: Session
    code: str

    def as_dict(self) -> dict[str, str]:
        return {"date": self.date.isoformat(), "session": self.session.value, "code": self.code}


class Evidence(Sequence[Mark]):
    """The marks a finding cites, kept as one row's columns and codes until someone reads them.

    A sweep of an LA finds hundreds of thousands of findings and reads the marks of few (the
    new ones a case records, a person's, a letter's, the JSON output's): building a Mark per
    cited session for all of them was half the sweep. A sequence of Marks to whoever reads it,
    equal to the tuple of the same Marks.
    """

    __slots__ = ("_codes", "_columns", "_days", "_marks")

    def __init__(
        self, days: list[date], columns: npt.NDArray[np.intp], codes: npt.NDArray[np.uint8]
    ) -> None:
        self._days = days  # the register's school days, shared by all its findings
        self._columns = columns
        self._codes = codes
        self._marks: tuple[Mark, ...] | None = None

    def _mark(self, column: int, code_id: int) -> Mark:
        return Mark(self._days[column // 2], SESSIONS[column % 2], code_for_id(code_id))

    def _all(self) -> tuple[Mark, ...]:
        if self._marks is None:
            self._marks = tuple(
                self._mark(c, k)
                for c, k in zip(self._columns.tolist(), self._codes.tolist(), strict=True)
            )
        return self._marks

    def __len__(self) -> int:
        return len(self._columns)

    @overload
    def __getitem__(self, index: int) -> Mark: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Mark, ...]: ...

    def __getitem__(self, index: int | slice) -> Mark | tuple[Mark, ...]:
        if isinstance(index, slice):
            return self._all()[index]
        if self._marks is not None:
            return self._marks[index]
        return self._mark(int(self._columns[index]), int(self._codes[index]))

    def __iter__(self) -> Iterator[Mark]:
        return iter(self._all())

    def codes(self) -> list[str]:
        """The cited codes in order, without building the marks."""
        return [code_for_id(k) for k in self._codes.tolist()]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Evidence | tuple | list):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return f"Evidence({self._all()!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # As bytes: a sweep's worker hands back tens of thousands of findings, and a numpy
        # array costs far more to pickle than its bytes.
        return (
            _evidence_of,
            (self._days, self._columns.astype(np.int32).tobytes(), self._codes.tobytes()),
        )


def _evidence_of(days: list[date], columns: bytes, codes: bytes) -> Evidence:
    return Evidence(
        days,
        np.frombuffer(columns, dtype=np.int32).astype(np.intp),
        np.frombuffer(codes, dtype=np.uint8),
    )


def cited_codes(evidence: Sequence[Mark]) -> list[str]:
    """The codes a finding cites, without building marks not built yet."""
    return evidence.codes() if isinstance(evidence, Evidence) else [m.code for m in evidence]


class Register:
    """Marks of many pupils: rows are pupils, columns are the window's sessions (AM, PM)."""

    def __init__(
        self,
        calendar: SchoolCalendar,
        start: date,
        end: date,
        pupils: Sequence[object],
        codes: npt.NDArray[np.uint8] | None = None,
    ) -> None:
        self.calendar = calendar
        self.first_index = calendar.index_on_or_after(start)
        self.last_index = calendar.index_on_or_before(end)
        self.days: list[date] = calendar.days[self.first_index : self.last_index + 1]
        self.start = start
        self.end = end
        self.pupils = list(pupils)
        shape = (len(self.pupils), 2 * len(self.days))
        if codes is None:
            codes = np.zeros(shape, dtype=np.uint8)
        elif codes.shape != shape:
            raise ValueError(f"codes matrix has shape {codes.shape}, expected {shape}")
        self.codes = codes
        # Each row's columns on roll, from roll_from up to (not including) roll_to: a session
        # outside them has no mark because the pupil was not on roll, not because none was kept.
        self.roll_from = np.zeros(len(self.pupils), dtype=np.intp)
        self.roll_to = np.full(len(self.pupils), shape[1], dtype=np.intp)

    # -- building ----------------------------------------------------------------------------

    def column(self, day: date, session: Session | str) -> int:
        """Column of a session; KeyError for a day that is not a school day in the window."""
        index = self.calendar.day_index(day) - self.first_index
        if not 0 <= index < len(self.days):
            raise KeyError(day)
        return 2 * index + (0 if session == Session.AM else 1)

    def column_on_or_before(self, day: date) -> int:
        """Last column (PM) of the last school day on or before `day`, -1 if none in window."""
        index = self.calendar.index_on_or_before(day) - self.first_index
        return min(2 * index + 1, 2 * len(self.days) - 1) if index >= 0 else -1

    def column_on_or_after(self, day: date) -> int:
        """First column (AM) of the first school day on or after `day`."""
        index = self.calendar.index_on_or_after(day) - self.first_index
        return 2 * max(index, 0)

    def set_marks(
        self,
        rows: npt.NDArray[np.intp],
        day_indexes: npt.NDArray[np.intp],
        sessions: npt.NDArray[np.intp],
        code_ids: npt.NDArray[np.uint8],
    ) -> None:
        """Place marks given as arrays of row, calendar day index, session (0/1) and code id.

        Marks outside the window are dropped, which lets callers pass a superset.
        """
        local = day_indexes - self.first_index
        keep = (local >= 0) & (local < len(self.days))
        self.codes[rows[keep], 2 * local[keep] + sessions[keep]] = code_ids[keep]

    def add(self, row: int, day: date, session: Session | str, code: str) -> None:
        self.codes[row, self.column(day, session)] = CODE_ID[code]

    def clear_outside(self, row: int, on_roll_from: date | None, on_roll_to: date | None) -> None:
        """Forget marks from before admission or after leaving: they are not the pupil's."""
        if on_roll_from is not None:
            self.roll_from[row] = self.column_on_or_after(on_roll_from)
            self.codes[row, : self.roll_from[row]] = 0
        if on_roll_to is not None:
            self.roll_to[row] = self.column_on_or_before(on_roll_to) + 1
            self.codes[row, self.roll_to[row] :] = 0

    @classmethod
    def from_marks(
        cls,
        calendar: SchoolCalendar,
        start: date,
        end: date,
        pupils: Sequence[object],
        marks: Iterable[tuple[int, date, str, str]],
    ) -> Register:
        """A register from (row, date, session, code) tuples; marks outside the window drop."""
        register = cls(calendar, start, end, pupils)
        for row, day, session, code in marks:
            if start <= day <= end and calendar.is_school_day(day):
                register.add(row, day, session, code)
        return register

    # -- reading -----------------------------------------------------------------------------

    def session_of(self, column: int) -> tuple[date, Session]:
        return self.days[column // 2], SESSIONS[column % 2]

    def marks(self, row: int, columns: Iterable[int]) -> list[Mark]:
        """The marks in the given columns of a row (columns with no mark are skipped)."""
        out = []
        for col in columns:
            code_id = int(self.codes[row, col])
            if code_id:
                day, session = self.session_of(col)
                out.append(Mark(day, session, code_for_id(code_id)))
        return out

    def marks_where(
        self, row: int, table: npt.NDArray[np.bool_], lo: int = 0, hi: int | None = None
    ) -> list[Mark]:
        """Marks of a row within columns lo..hi-1 whose code is True in a lookup table."""
        hi = self.codes.shape[1] if hi is None else hi
        hits = np.flatnonzero(table[self.codes[row, lo:hi]]) + lo
        return self.marks(row, hits.tolist())

    def evidence(self, row: int, columns: npt.NDArray[np.intp]) -> Evidence:
        """The marks in the given columns of a row, for a finding (columns with no mark are
        skipped); built as Marks only when read."""
        codes = self.codes[row, columns]
        keep = codes != 0
        return Evidence(self.days, columns[keep], codes[keep])

    def evidence_where(
        self, row: int, table: npt.NDArray[np.bool_], lo: int = 0, hi: int | None = None
    ) -> Evidence:
        """As `marks_where`, for a finding: the marks are built only when read."""
        hi = self.codes.shape[1] if hi is None else hi
        codes = self.codes[row, lo:hi]
        hits = np.flatnonzero(table[codes])
        return Evidence(self.days, hits + lo, codes[hits])
