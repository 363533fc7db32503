"""The attendance printout of an evidence pack: the register as a session grid by school week."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from casework.register.calendar import SESSIONS, SchoolCalendar, monday_of
from casework.register.codes import CODES, UnknownCodeError, lookup

# What a weekday without school is, in a cell's few words and in the key's.
BANK_HOLIDAY = ("Bank hol.", "bank holiday")
INSET = ("INSET", "INSET (staff training) day: school closed to pupils")
CLOSED = ("Closed", "school closed (planned closure)")
HALF_TERM = ("Half term", "half-term holiday")
HOLIDAY = ("Holiday", "school holiday")
OFF_ROLL = ("Off roll", "not on the school's roll")
NO_MARK = "–"  # a school session with nothing in the register: a gap the LA should see
NO_MARK_KEY = (NO_MARK, "no mark in the register for this session")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")


@dataclass(frozen=True, slots=True)
class Cell:
    """One session (a mark), or a whole day without school (two sessions wide), or a day
    still to come (blank)."""

    text: str
    span: int = 1
    kind: str = "mark"  # mark, unauthorised, no_mark, closed, to_come


@dataclass(frozen=True, slots=True)
class Week:
    """A row of the grid: a school week with its ten sessions, or a run of holiday weeks."""

    monday: date
    cells: tuple[Cell, ...] = ()
    holiday: str = ""  # the words of a row that is all holiday
    last_day: date | None = None  # the Friday a holiday row runs to
    attended: int = 0
    possible: int = 0


@dataclass(frozen=True, slots=True)
class Printout:
    """The grid from `start` to `end`, and the key of what it shows."""

    start: date
    end: date
    weeks: tuple[Week, ...]
    codes: tuple[tuple[str, str], ...]  # each code used, with its meaning
    markers: tuple[tuple[str, str], ...]  # each closure or gap shown, with its meaning


def _no_school(calendar: SchoolCalendar, day: date) -> tuple[str, str]:
    """Why a weekday has no school."""
    if day in calendar.bank_holidays:
        return BANK_HOLIDAY
    term = calendar.term_of(day)
    if term is None:
        return HOLIDAY
    if day in term.inset_days:
        return INSET
    if term.half_term is not None and day in term.half_term:
        return HALF_TERM
    return CLOSED


def _meaning(code: str) -> str:
    try:
        return lookup(code).meaning
    except UnknownCodeError:
        return "a code outside the national set"


def session_grid(
    calendar: SchoolCalendar,
    marks: Mapping[tuple[date, str], str],
    start: date,
    end: date,
    *,
    on_roll_from: date | None = None,
    on_roll_to: date | None = None,
) -> Printout:
    """The register of one pupil from `start` to `end` (the school year to date), a row per
    week from Monday to Friday; weeks with no school at all are one row per run of them."""
    weeks: list[Week] = []
    codes: set[str] = set()
    markers: set[tuple[str, str]] = set()
    monday = monday_of(start)
    while monday <= end:
        days = [monday + timedelta(days=i) for i in range(5)]
        if not any(calendar.is_school_day(day) and day >= start for day in days):
            half_term = any(_no_school(calendar, day) == HALF_TERM for day in days)
            words = HALF_TERM[1] if half_term else HOLIDAY[1]
            last = weeks[-1] if weeks else None
            if last is not None and last.holiday == words:
                weeks[-1] = Week(last.monday, holiday=words, last_day=days[-1])
            else:
                weeks.append(Week(monday, holiday=words, last_day=days[-1]))
            monday += timedelta(days=7)
            continue
        cells: list[Cell] = []
        attended = possible = 0
        for day in days:
            if day > end:
                cells.append(Cell("", 2, "to_come"))
                continue
            on_roll = (on_roll_from is None or day >= on_roll_from) and (
                on_roll_to is None or day <= on_roll_to
            )
            if not calendar.is_school_day(day) or day < start or not on_roll:
                school = calendar.is_school_day(day) and day >= start
                short, words = OFF_ROLL if school else _no_school(calendar, day)
                markers.add((short, words))
                cells.append(Cell(short, 2, "closed"))
                continue
            for session in SESSIONS:
                code = marks.get((day, session.value))
                if code is None:
                    markers.add(NO_MARK_KEY)
                    cells.append(Cell(NO_MARK, 1, "no_mark"))
                    continue
                codes.add(code)
                try:
                    known = lookup(code)
                except UnknownCodeError:
                    cells.append(Cell(code))
                    continue
                possible += known.possible
                attended += known.attending
                cells.append(Cell(code, 1, "unauthorised" if known.unauthorised else "mark"))
        weeks.append(Week(monday, tuple(cells), attended=attended, possible=possible))
        monday += timedelta(days=7)
    order = {c.code: i for i, c in enumerate(CODES)}
    key = tuple((code, _meaning(code)) for code in sorted(codes, key=lambda c: order.get(c, 99)))
    marker_order = [NO_MARK_KEY, BANK_HOLIDAY, INSET, CLOSED, HALF_TERM, HOLIDAY, OFF_ROLL]
    return Printout(start, end, tuple(weeks), key, tuple(m for m in marker_order if m in markers))
