"""One pupil's school year as their page shows it: figures, a week-by-week calendar and a trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from casework.machines import LIFECYCLES
from casework.register.calendar import SESSIONS, HalfTerm
from casework.register.codes import BY_CODE, CODES, NO_MARK, Category, code_for_id
from casework.register.marks import Register
from casework.register.statistics import PupilStats, pupil_stats
from casework.services.cases.facts import pupil_register
from casework.services.cases.queries import CaseSummary
from casework.services.pupils import PupilView, pupil_view
from casework.services.reach import Actor
from casework.services.register.schools import school_context
from casework.services.register.statistics import default_start
from casework.store.database import Database
from casework.store.models import MarkAmendment, Pupil, School

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")

# How each category of mark is shown (the class suffix of casework-mark--*) and named.
SHOWN_AS: dict[Category, str] = {
    Category.PRESENT: "present",
    Category.APPROVED_ACTIVITY: "approved",
    Category.AUTHORISED: "authorised",
    Category.UNAUTHORISED: "unauthorised",
    Category.NOT_POSSIBLE: "not_possible",
    Category.ADMINISTRATIVE: "not_possible",
}
KEY: tuple[tuple[str, str, str], ...] = (  # (shown as, a code it shows, what it means)
    ("present", "/", "Present"),
    ("approved", "V", "Approved educational activity (counts as present)"),
    ("authorised", "I", "Authorised absence"),
    ("unauthorised", "O", "Unauthorised absence"),
    ("not_possible", "X", "Not a possible session, or the school was closed"),
    ("none", "·", "No mark yet"),
)


@dataclass(frozen=True, slots=True)
class CellView:
    """One session of the calendar: its mark (empty when there is none) and how it is shown."""

    day: date
    session: str  # AM or PM
    code: str  # "" for no mark
    meaning: str
    shown_as: str  # present, approved, authorised, unauthorised, not_possible, none
    on_roll: bool  # the pupil was on roll that day
    future: bool  # after today: no mark expected yet


@dataclass(frozen=True, slots=True)
class DayView:
    day: date
    school_day: bool
    cells: tuple[CellView, ...]  # AM and PM; empty when there was no school


@dataclass(frozen=True, slots=True)
class WeekView:
    """One school week, Monday to Friday, with its attendance so far."""

    monday: date
    days: tuple[DayView, ...]
    possible: int
    attending: int
    rate: float | None


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """Attendance over one half term (to today for the one under way)."""

    name: str
    start: date
    end: date
    possible: int
    attending: int
    rate: float | None


@dataclass(frozen=True, slots=True)
class CaseLine:
    summary: CaseSummary
    kind_title: str
    state_label: str
    closed: bool


@dataclass(frozen=True, slots=True)
class AmendmentView:
    day: date
    session: str
    original_code: str
    new_code: str
    reason: str
    amended_at: datetime
    amended_by: str
    amended_by_position: str


@dataclass(frozen=True, slots=True)
class CodeChoice:
    code: str
    meaning: str
    category: str


@dataclass(frozen=True, slots=True)
class PupilPage:
    """Everything the pupil page shows, within the reader's reach."""

    pupil: PupilView
    today: date
    year_label: str
    start: date
    end: date
    stats: PupilStats
    weeks: tuple[WeekView, ...]
    trend: tuple[TrendPoint, ...]
    cases: tuple[CaseLine, ...]
    amendments: tuple[AmendmentView, ...]
    codes_seen: tuple[CodeChoice, ...]
    key: tuple[tuple[str, str, str], ...] = KEY

    def cell(self, day: date, session: str) -> CellView | None:
        """The calendar's cell for one session (None outside the year or on no school day)."""
        for week in self.weeks:
            for shown in week.days:
                for cell in shown.cells:
                    if cell.day == day and cell.session == session:
                        return cell
        return None

    @property
    def codes(self) -> tuple[CodeChoice, ...]:
        """The codes a mark may be changed to (the 2024 set; legacy codes are for old data)."""
        return CODE_CHOICES


CODE_CHOICES = tuple(
    CodeChoice(c.code, c.meaning, SHOWN_AS[c.category]) for c in CODES if not c.legacy
)


def _rate(attending: int, possible: int) -> float | None:
    return round(100 * attending / possible, 1) if possible else None


def _span(register: Register, lo: int, hi: int) -> tuple[int, int]:
    """Possible and attending sessions of the register's one pupil over columns lo..hi-1."""
    possible = attending = 0
    for code_id in register.codes[0, lo:hi].tolist():
        if code_id == NO_MARK:
            continue
        code = BY_CODE[code_for_id(code_id)]
        possible += code.possible
        attending += code.possible and code.attending
    return possible, attending


def _cell(register: Register, day: date, session: str, today: date, on_roll: bool) -> CellView:
    code_id = int(register.codes[0, register.column(day, session)])
    if code_id == NO_MARK:
        return CellView(day, session, "", "no mark", "none", on_roll, day > today)
    code = BY_CODE[code_for_id(code_id)]
    return CellView(day, session, code.code, code.meaning, SHOWN_AS[code.category], on_roll, False)


def _on_roll(pupil: Pupil, day: date) -> bool:
    return (pupil.admission_date is None or pupil.admission_date <= day) and (
        pupil.leaving_date is None or pupil.leaving_date >= day
    )


def _weeks(register: Register, pupil: Pupil, today: date) -> list[WeekView]:
    calendar = register.calendar
    out = []
    for monday in calendar.school_weeks:
        # The weeks of the year so far: later weeks have no marks to show yet.
        if monday + timedelta(days=4) < register.start or monday > min(register.end, today):
            continue
        days = []
        for offset in range(5):
            day = monday + timedelta(days=offset)
            if register.start <= day <= register.end and calendar.is_school_day(day):
                on_roll = _on_roll(pupil, day)
                cells = tuple(_cell(register, day, s.value, today, on_roll) for s in SESSIONS)
                days.append(DayView(day, True, cells))
            else:
                days.append(DayView(day, False, ()))
        lo = register.column_on_or_after(max(monday, register.start))
        hi = register.column_on_or_before(min(monday + timedelta(days=4), register.end)) + 1
        possible, attending = _span(register, lo, hi) if hi > lo else (0, 0)
        out.append(WeekView(monday, tuple(days), possible, attending, _rate(attending, possible)))
    return out


def _trend(register: Register, halves: list[HalfTerm], today: date) -> list[TrendPoint]:
    out = []
    for half in halves:
        if half.end < register.start or half.start > min(register.end, today):
            continue
        # Shown from its first school day to its last (or today's) school day.
        calendar = register.calendar
        first = calendar.days[calendar.index_on_or_after(max(half.start, register.start))]
        last = calendar.days[calendar.index_on_or_before(min(half.end, today))]
        lo = register.column_on_or_after(first)
        hi = register.column_on_or_before(last) + 1
        possible, attending = _span(register, lo, hi) if hi > lo else (0, 0)
        out.append(
            TrendPoint(half.name, first, last, possible, attending, _rate(attending, possible))
        )
    return out


def pupil_page(db: Database, *, who: Actor, upn: str, today: date) -> PupilPage:
    """The pupil with this UPN within `who`'s reach (not found otherwise), as of `today`."""
    view = pupil_view(db, who=who, upn=upn)
    with db.transaction() as session:
        row = session.execute(
            select(Pupil, School)
            .join(School, School.id == Pupil.school_id)
            .where(Pupil.upn == view.upn, School.urn == view.school_urn)
        ).one()
        pupil, school_row = row
        school = school_context(school_row)
        calendar = school.calendar
        as_of = min(max(today, calendar.first_day), calendar.last_day)
        year = calendar.academic_year(as_of)
        start = year.start if year else default_start(school, as_of)
        end = year.end if year else calendar.last_day
        register = pupil_register(session, school, pupil, start, end)
        register.clear_outside(0, pupil.admission_date, pupil.leaving_date)
        to_date = register.column_on_or_before(min(today, end)) + 1
        stats = pupil_stats(register, 0, school.policy, 0, max(to_date, 0))
        amendments = tuple(
            AmendmentView(
                a.date,
                a.session,
                a.original_code,
                a.new_code,
                a.reason,
                a.amended_at,
                a.amended_by,
                a.amended_by_position,
            )
            for a in session.scalars(
                select(MarkAmendment)
                .where(MarkAmendment.pupil_id == pupil.id)
                .order_by(MarkAmendment.amended_at.desc(), MarkAmendment.id.desc())
            )
        )
        weeks = _weeks(register, pupil, today)
        trend = _trend(register, calendar.half_terms, today)
    seen = {c.code for w in weeks for d in w.days for c in d.cells if c.code}
    cases = tuple(
        CaseLine(
            s,
            LIFECYCLES[s.kind].title,
            LIFECYCLES[s.kind].states[s.state].label,
            LIFECYCLES[s.kind].is_final(s.state),
        )
        for s in view.cases
    )
    return PupilPage(
        pupil=view,
        today=today,
        year_label=year.label if year else "",
        start=start,
        end=end,
        stats=stats,
        weeks=tuple(weeks),
        trend=tuple(trend),
        cases=cases,
        amendments=amendments,
        codes_seen=tuple(
            CodeChoice(c.code, c.meaning, SHOWN_AS[c.category]) for c in CODES if c.code in seen
        ),
    )
