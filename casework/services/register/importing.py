"""Importing pupils, contacts, marks and transfer files: all or nothing, and idempotent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework.interchange import ctf
from casework.interchange.csv_readers import (
    CONTACT_COLUMNS,
    MARK_COLUMNS,
    ImportFileError,
    Problem,
    Problems,
    read_contacts,
    read_marks,
    read_pupils,
)
from casework.interchange.limits import TooLargeError, read_bytes
from casework.interchange.records import ContactRecord, MarkRecord, PupilRecord
from casework.machines.roles import SCHOOL_STAFF, SYSTEM_NAME, SYSTEM_POSITION, may
from casework.register.calendar import SchoolCalendar
from casework.register.codes import BY_CODE
from casework.services.errors import (
    ImportConflictError,
    ImportNotPermittedError,
    SchoolNotFoundError,
)
from casework.services.reach import Actor
from casework.services.register.schools import find_school, school_context
from casework.store.database import Database
from casework.store.marks import MarkChange, amend_marks, insert_marks
from casework.store.models import (
    Case,
    Contact,
    Letter,
    MarkAmendment,
    Pupil,
    PupilFinding,
    School,
    SessionMark,
)
from casework.store.projection import apply_marks, forget_pupils

PLANNED_CLOSURE = "#"
ProgressCallback = Callable[[str], None]
# Marks stored per statement (per COPY on PostgreSQL): few statements for a large file, and a
# step of progress shown after each.
STORE_BATCH = 10_000


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import changed: rows added, changed and already as the file says."""

    file: str
    school_urn: str
    added: int
    changed: int
    unchanged: int
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "school": self.school_urn,
            "added": self.added,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "warnings": list(self.warnings),
        }


_PUPIL_FIELDS = [f.name for f in fields(PupilRecord) if f.name != "upn"]
_CONTACT_FIELDS = [f.name for f in fields(ContactRecord) if f.name not in ("upn", "name")]


# What a transfer file cannot know about a pupil already on roll here: its dates are the
# sending school's, and it has no social worker flag. These stay as this school has them.
CTF_KEEPS = frozenset({"admission_date", "leaving_date", "social_worker"})


def _update(row: Any, values: dict[str, Any]) -> str:
    """Bring a stored row up to date: "added" when there was none, else "changed" or
    "unchanged", as an import reports it."""
    if row is None:
        return "added"
    if all(getattr(row, k) == v for k, v in values.items()):
        return "unchanged"
    for k, v in values.items():
        setattr(row, k, v)
    return "changed"


# The first key of the advisory locks that serialise imports into a school (the second is the
# school's id): any number no other lock of ours uses (the sweep's is 7_140_001).
IMPORT_LOCK = 7_140_002


def _one_import_at_a_time(session: Session, school: School) -> None:
    """Wait for any other import into this school to commit, and hold the others off until
    this one does: the second of two imports of the same new rows then finds them stored (and
    changes nothing) instead of adding them again. PostgreSQL: an advisory lock per school.
    SQLite: the database's write lock, taken now rather than at the first write."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(IMPORT_LOCK, school.id)))
    else:
        session.execute(text("UPDATE school SET id = id WHERE 0"))


@contextmanager
def _all_or_nothing(db: Database, source: str) -> Iterator[Session]:
    """One import's transaction. A row someone else wrote meanwhile (a person amending a mark
    on the pupil page, which takes no import lock) fails the whole import with a clear
    conflict rather than a database error: nothing from the file is stored."""
    try:
        with db.transaction() as session:
            yield session
    except IntegrityError:
        raise ImportConflictError(source) from None


def _upsert_pupils(
    session: Session,
    school_id: int,
    records: list[PupilRecord],
    keep: frozenset[str] = frozenset(),
) -> tuple[int, int, int]:
    existing = {
        p.upn: p for p in session.scalars(select(Pupil).where(Pupil.school_id == school_id))
    }
    counts = Counter[str]()
    for record in records:
        pupil = existing.get(record.upn)
        values = {name: getattr(record, name) for name in _PUPIL_FIELDS}
        if pupil is not None:
            values = {k: v for k, v in values.items() if k not in keep}
        if pupil is None:
            session.add(Pupil(school_id=school_id, upn=record.upn, **values))
        counts[_update(pupil, values)] += 1
    session.flush()
    return counts["added"], counts["changed"], counts["unchanged"]


def _numbered(records: Iterable[Any]) -> list[tuple[int, Any]]:
    """Records not read from a file, numbered from 1 so that a problem can name one."""
    return list(enumerate(records, start=1))


def _import_pupils(
    db: Database, rows: list[tuple[int, PupilRecord]], urn: str | None, source: str
) -> ImportReport:
    with _all_or_nothing(db, source) as session:
        school = find_school(session, urn)
        _one_import_at_a_time(session, school)
        added, changed, unchanged = _upsert_pupils(session, school.id, [r for _, r in rows])
        return ImportReport(source, school.urn, added, changed, unchanged)


def import_pupils(db: Database, path: Path | str, urn: str | None = None) -> ImportReport:
    """Add or update the pupils in a CSV file."""
    return _import_pupils(db, read_pupils(path), urn, str(path))


def store_pupils(
    db: Database, records: Iterable[PupilRecord], urn: str | None = None, source: str = "<records>"
) -> ImportReport:
    """Add or update pupils given as records (as import_pupils does for a file)."""
    return _import_pupils(db, _numbered(records), urn, source)


def _pupil_ids(session: Session, school_id: int) -> dict[str, Pupil]:
    return {p.upn: p for p in session.scalars(select(Pupil).where(Pupil.school_id == school_id))}


def _upsert_contacts(
    session: Session, pupils: dict[str, Pupil], records: list[ContactRecord]
) -> tuple[int, int, int]:
    ids = [pupils[r.upn].id for r in records]
    existing = (
        {
            (c.pupil_id, c.name): c
            for c in session.scalars(select(Contact).where(Contact.pupil_id.in_(set(ids))))
        }
        if ids
        else {}
    )
    counts = Counter[str]()
    for pupil_id, record in zip(ids, records, strict=True):
        values = {name: getattr(record, name) for name in _CONTACT_FIELDS}
        contact = existing.get((pupil_id, record.name))
        if contact is None:
            session.add(Contact(pupil_id=pupil_id, name=record.name, **values))
        counts[_update(contact, values)] += 1
    session.flush()
    return counts["added"], counts["changed"], counts["unchanged"]


def _import_contacts(
    db: Database,
    rows: list[tuple[int, ContactRecord]],
    urn: str | None,
    source: str,
    problems: Problems | None = None,
) -> ImportReport:
    problems = problems if problems is not None else Problems(source)
    where = problems.columns or {name: n for n, name in enumerate(CONTACT_COLUMNS, start=1)}
    with _all_or_nothing(db, source) as session:
        school = find_school(session, urn)
        _one_import_at_a_time(session, school)
        pupils = _pupil_ids(session, school.id)
        for line, record in rows:
            if record.upn not in pupils:
                problems.add(
                    line,
                    where["upn"],
                    "upn",
                    f"no pupil with UPN {record.upn} at school {school.urn}",
                )
        problems.raise_if_any()
        added, changed, unchanged = _upsert_contacts(session, pupils, [r for _, r in rows])
        return ImportReport(source, school.urn, added, changed, unchanged)


def import_contacts(db: Database, path: Path | str, urn: str | None = None) -> ImportReport:
    """Add or update the contacts in a CSV file (matched by pupil and contact name).

    Every problem is reported at once: those of the file's own rows, and those that need the
    school (a UPN of no pupil there) for the rows that read well.
    """
    problems = Problems(str(path))
    rows = read_contacts(path, problems)
    return _import_contacts(db, rows, urn, str(path), problems)


def store_contacts(
    db: Database,
    records: Iterable[ContactRecord],
    urn: str | None = None,
    source: str = "<records>",
) -> ImportReport:
    """Add or update contacts given as records (as import_contacts does for a file)."""
    return _import_contacts(db, _numbered(records), urn, source)


@dataclass(frozen=True, slots=True)
class Amender:
    """Who a mark amendment is recorded against."""

    name: str
    position: str


def _closure_day(calendar: SchoolCalendar, day: date) -> bool:
    """Whether `#` (a planned closure: an INSET day, a holiday, an election day) may stand on
    a day: a weekday of one of the school's own years, from the first day of its first term to
    the last of its last. Never a weekend, which has no sessions, nor a day of a year the
    school's calendar does not have."""
    return day.weekday() < 5 and any(
        year.start <= day <= year.end for year in calendar.academic_years
    )


def _school_years(calendar: SchoolCalendar) -> str:
    return ", ".join(
        f"{year.label}: {year.start} to {year.end}" for year in calendar.academic_years
    )


def _check_marks(
    rows: list[tuple[int, MarkRecord]],
    pupils: dict[str, Pupil],
    calendar: SchoolCalendar,
    problems: Problems,
    urn: str,
    columns: dict[str, int] | None = None,
) -> None:
    """Problems that need the school: unknown pupil, not on roll, not a school day."""
    where = columns or problems.columns or {n: i for i, n in enumerate(MARK_COLUMNS, start=1)}
    upn_column, date_column = where["upn"], where["date"]
    # Each pupil's dates on roll read once: ORM attributes per mark cost more than the checks.
    on_roll = {upn: (p.admission_date, p.leaving_date) for upn, p in pupils.items()}
    for line, mark in rows:
        dates = on_roll.get(mark.upn)
        if dates is None:
            problems.add(line, upn_column, "upn", f"no pupil with UPN {mark.upn} at school {urn}")
            continue
        if mark.code == PLANNED_CLOSURE:
            if not _closure_day(calendar, mark.date):
                problems.add(
                    line,
                    date_column,
                    "date",
                    f"{mark.date} ({mark.date:%A}) is not a weekday of the school's year "
                    f"({_school_years(calendar)}): '#', a planned closure, is only for those",
                )
                continue
        elif not calendar.is_school_day(mark.date):
            problems.add(line, date_column, "date", f"{mark.date} is not a school day")
            continue
        admitted, left = dates
        if admitted and mark.date < admitted:
            problems.add(
                line,
                date_column,
                "date",
                f"{mark.upn} was not on roll on {mark.date} (admitted {admitted})",
            )
        elif left and mark.date > left:
            problems.add(
                line,
                date_column,
                "date",
                f"{mark.upn} was not on roll on {mark.date} (left {left})",
            )


def store_mark_rows(
    session: Session,
    rows: list[tuple[int, MarkRecord]],
    pupils: dict[str, Pupil],
    amender: Amender,
    reason: str,
    progress: ProgressCallback | None = None,
) -> tuple[int, int, int]:
    """Store marks: new ones added, changed ones amended (recorded with who, when and why),
    the rest left; a batch of STORE_BATCH marks at a time. Returns (added, changed, same)."""
    if not rows:
        return 0, 0, 0
    id_of = {upn: pupil.id for upn, pupil in pupils.items()}  # once, not per mark
    ids = {id_of[m.upn] for _, m in rows}
    first = min(m.date for _, m in rows)
    last = max(m.date for _, m in rows)
    existing: dict[tuple[int, date, str], tuple[str, int | None, str | None]] = {}
    query = select(
        SessionMark.pupil_id,
        SessionMark.date,
        SessionMark.session,
        SessionMark.code,
        SessionMark.minutes_late,
        SessionMark.comment,
    ).where(SessionMark.date >= first, SessionMark.date <= last)
    if len(ids) <= 1000:
        query = query.where(SessionMark.pupil_id.in_(ids))
    else:  # a large school: its marks through the school, not every school's in the dates
        school_id = pupils[rows[0][1].upn].school_id
        query = query.join(Pupil, Pupil.id == SessionMark.pupil_id).where(
            Pupil.school_id == school_id
        )
    for pupil_id, day, sess, code, minutes, comment in session.execute(query):
        if pupil_id in ids:
            existing[(pupil_id, day, sess)] = (code, minutes, comment or None)
    new_rows: list[tuple[int, date, str, str, int | None, str | None]] = []
    changes: list[MarkChange] = []
    unchanged = 0
    for _line, mark in rows:
        pupil_id = id_of[mark.upn]
        now = (mark.code, mark.minutes_late, mark.comment or None)
        before = existing.get((pupil_id, mark.date, mark.session))
        if before is None:
            new_rows.append((pupil_id, mark.date, mark.session, *now))
        elif before != now:
            changes.append((pupil_id, mark.date, mark.session, before, now))
        else:
            unchanged += 1
    stored = 0
    total = len(new_rows) + len(changes)
    for start in range(0, len(new_rows), STORE_BATCH):
        insert_marks(session, new_rows[start : start + STORE_BATCH])
        stored = _stored(progress, stored, min(STORE_BATCH, len(new_rows) - start), total)
    stamp = datetime.now(UTC)
    for start in range(0, len(changes), STORE_BATCH):
        amend_marks(
            session,
            changes[start : start + STORE_BATCH],
            reason=reason,
            amended_at=stamp,
            amended_by=amender.name,
            amended_by_position=amender.position,
        )
        stored = _stored(progress, stored, min(STORE_BATCH, len(changes) - start), total)
    # The dense register the sweep reads, in step with the marks in the same transaction.
    apply_marks(
        session,
        [(p, day, sess, code) for p, day, sess, code, _m, _c in new_rows]
        + [(p, day, sess, after[0]) for p, day, sess, _before, after in changes],
    )
    session.flush()
    return len(new_rows), len(changes), unchanged


def _stored(progress: ProgressCallback | None, before: int, batch: int, total: int) -> int:
    """Counts only: a step shown on a terminal never names a pupil."""
    done = before + batch
    if progress:
        progress(f"{done:,} of {total:,} marks stored")
    return done


def import_marks(
    db: Database,
    path: Path | str,
    urn: str | None = None,
    amender: Amender | None = None,
    progress: ProgressCallback | None = None,
    *,
    who: Actor | None = None,
) -> ImportReport:
    """Add register marks from a CSV file; a changed mark is amended.

    The amendment names `amender`, else `who` (the person running the import), else the system
    account with the file in the reason. Every problem is reported at once: those of the
    file's own rows, and those that need the school (an unknown pupil, not a school day) for
    the rows that read well.
    """
    if progress:
        progress("reading")
    problems = Problems(str(path))
    rows = read_marks(path, problems)
    return _import_marks(
        db, rows, urn, _amender_of(amender, who), progress, str(path), problems=problems, who=who
    )


def store_marks(
    db: Database,
    records: Iterable[MarkRecord],
    urn: str | None = None,
    amender: Amender | None = None,
    progress: ProgressCallback | None = None,
    source: str = "<records>",
) -> ImportReport:
    """Add register marks given as records (as import_marks does for a file)."""
    rows = _numbered(records)
    problems = Problems(source)
    for number, mark in rows:  # a file's reader checks these; records are checked here
        if mark.code not in BY_CODE:
            problems.add(number, 4, "code", f"unknown attendance code {mark.code!r}")
        if mark.session not in ("AM", "PM"):
            problems.add(number, 3, "session", f"session must be AM or PM, not {mark.session!r}")
    problems.raise_if_any()
    return _import_marks(db, rows, urn, amender, progress, source)


def _amender_of(amender: Amender | None, who: Actor | None) -> Amender | None:
    if amender is None and who is not None:
        return Amender(who.name, who.position)
    return amender


def _check_importer(who: Actor | None, school: School) -> None:
    """A person named as running an import is one of the school's staff who amend marks."""
    if who is None:
        return
    if not may(who.role, SCHOOL_STAFF) or who.school_id not in (None, school.id):
        raise ImportNotPermittedError(
            f"{who.username} may not import into the register of school {school.urn}: "
            "only its attendance staff and senior leaders amend marks"
        )


def _amendments_by(amender: Amender | None, source: str) -> tuple[Amender, str]:
    """Who an import's amendments are recorded against, and the reason they give: the person
    named, or the system account with the file in the reason (never the attendance lead of
    the school file, who may not have run it)."""
    if amender is not None:
        return amender, "import"
    return Amender(SYSTEM_NAME, SYSTEM_POSITION), f"import of {source}"


def _import_marks(
    db: Database,
    rows: list[tuple[int, MarkRecord]],
    urn: str | None,
    amender: Amender | None,
    progress: ProgressCallback | None,
    source: str,
    *,
    problems: Problems | None = None,
    who: Actor | None = None,
) -> ImportReport:
    problems = problems if problems is not None else Problems(source)
    with _all_or_nothing(db, source) as session:
        school = _school_of_marks(session, urn, rows, source)
        _check_importer(who, school)
        _one_import_at_a_time(session, school)
        context = school_context(school)
        pupils = _pupil_ids(session, school.id)
        if progress:
            progress("checking")
        _check_marks(rows, pupils, context.calendar, problems, school.urn)
        problems.raise_if_any()
        by, reason = _amendments_by(amender, source)
        if progress:
            progress("storing")
        added, changed, unchanged = store_mark_rows(session, rows, pupils, by, reason, progress)
        return ImportReport(source, school.urn, added, changed, unchanged)


def _school_of_marks(
    session: Session, urn: str | None, rows: list[tuple[int, MarkRecord]], source: str
) -> School:
    """The school named, or the only one; with several schools and none named, the one
    school the file's pupils are at (a day's files for an LA's schools need no --school)."""
    try:
        return find_school(session, urn)
    except SchoolNotFoundError as error:
        if urn is not None or not error.several or not rows:
            raise
    upns = sorted({mark.upn for _number, mark in rows})
    at: set[int] = set()
    for first in range(0, len(upns), 500):
        chunk = upns[first : first + 500]
        at |= set(session.scalars(select(Pupil.school_id).where(Pupil.upn.in_(chunk)).distinct()))
    if len(at) == 1:
        return session.get_one(School, at.pop())
    where = "at more than one of them" if at else "at none of them"
    raise SchoolNotFoundError(
        None,
        several=True,
        message=f"there is more than one school, and the pupils of {source} are {where}",
    )


def clear_generated_school(db: Database, urn: str, keep: Iterable[str] = ()) -> int:
    """Empty a school of generated data (the demo school) before it is generated again.

    Every mark, mark amendment and contact of the school's pupils is deleted, and so is every
    pupil whose UPN is not in `keep`, unless a case names them: a case's audit trail is append
    only, so such a pupil stays (without marks). Never for a real register.
    Returns how many pupils were deleted.
    """
    kept = set(keep)
    with db.transaction() as session:
        school = find_school(session, urn)
        ids = select(Pupil.id).where(Pupil.school_id == school.id).scalar_subquery()
        # A letter keeps the name and address it was drafted to; only its link to the contact
        # row goes with the contact.
        session.execute(update(Letter).where(Letter.pupil_id.in_(ids)).values(contact_id=None))
        forget_pupils(session, ids)
        for table in (MarkAmendment, SessionMark, Contact):
            session.execute(delete(table).where(table.pupil_id.in_(ids)))
        with_case = set(session.scalars(select(Case.pupil_id).where(Case.school_id == school.id)))
        # Letters and findings are records too: their pupils stay, as a case's do.
        with_case |= set(
            session.scalars(select(Letter.pupil_id).where(Letter.school_id == school.id))
        )
        with_case |= set(
            session.scalars(
                select(PupilFinding.pupil_id).where(PupilFinding.school_id == school.id)
            )
        )
        gone = [
            pupil_id
            for pupil_id, upn in session.execute(
                select(Pupil.id, Pupil.upn).where(Pupil.school_id == school.id)
            )
            if upn not in kept and pupil_id not in with_case
        ]
        for first in range(0, len(gone), 500):
            session.execute(delete(Pupil).where(Pupil.id.in_(gone[first : first + 500])))
        return len(gone)


def import_ctf(
    db: Database,
    path: Path | str,
    urn: str | None = None,
    amender: Amender | None = None,
    progress: ProgressCallback | None = None,
    *,
    who: Actor | None = None,
) -> ImportReport:
    """Pupils, contacts and marks from a common transfer file, in one transaction; a changed
    mark is amended in the name of `amender`, else `who`, else the system account."""
    if progress:
        progress("reading")
    path = Path(path)
    try:
        data = read_bytes(path, "ctf")
    except OSError as error:  # missing, a folder, not readable: a message, not a traceback
        reason = "no such file" if isinstance(error, FileNotFoundError) else "cannot be read"
        message = f"{reason}: {error.strerror or error}"
        raise ImportFileError([_problem(str(path), message)]) from None
    except TooLargeError as error:
        raise ImportFileError([_problem(str(path), str(error))]) from None
    transfer = ctf.parse_ctf(data, str(path))
    source = str(path)
    amender = _amender_of(amender, who)
    if progress:
        progress("storing")
    with _all_or_nothing(db, source) as session:
        school = find_school(session, urn)
        _check_importer(who, school)
        _one_import_at_a_time(session, school)
        context = school_context(school)
        p_added, p_changed, p_same = _upsert_pupils(
            session, school.id, transfer.pupils, keep=CTF_KEEPS
        )
        pupils = _pupil_ids(session, school.id)
        c_added, c_changed, c_same = _upsert_contacts(session, pupils, transfer.contacts)
        # A transfer file covers weekdays, including the receiving school's holidays and
        # marks from before admission here: keep only this school's days on roll.
        warnings = list(transfer.warnings)
        marks: list[tuple[int, MarkRecord]] = []
        skipped = 0
        for mark in transfer.marks:
            pupil = pupils[mark.upn]
            on_roll = (pupil.admission_date is None or mark.date >= pupil.admission_date) and (
                pupil.leaving_date is None or mark.date <= pupil.leaving_date
            )
            if on_roll and context.calendar.is_school_day(mark.date):
                marks.append((0, mark))
            else:
                skipped += 1
        if skipped:
            warnings.append(
                f"{skipped} marks fall outside this school's school days or the pupils' time on "
                "roll here and were not imported"
            )
        by, reason = _amendments_by(amender, source)
        m_added, m_changed, m_same = store_mark_rows(session, marks, pupils, by, reason, progress)
        return ImportReport(
            source,
            school.urn,
            p_added + c_added + m_added,
            p_changed + c_changed + m_changed,
            p_same + c_same + m_same,
            tuple(warnings),
        )


def _problem(file: str, message: str) -> Problem:
    return Problem(file, 0, None, None, message)
