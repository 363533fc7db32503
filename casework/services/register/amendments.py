"""Amending one register mark from the pupil page: checked, with who and why, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from casework.interchange.records import MarkRecord
from casework.machines.roles import SCHOOL_STAFF, may
from casework.register.codes import BY_CODE
from casework.services.errors import FieldErrors, PupilNotFoundError, ServiceError
from casework.services.reach import Actor, visible_to
from casework.services.register.importing import Amender, store_mark_rows
from casework.services.register.schools import school_context
from casework.store.database import Database
from casework.store.models import Pupil, School, SessionMark
from casework.text import long_date

SESSION_NAMES = {"AM": "morning", "PM": "afternoon"}


class AmendmentNotPermittedError(ServiceError):
    """Only the school's attendance staff and senior leaders change its register."""


@dataclass(frozen=True, slots=True)
class AmendedMark:
    """A mark changed (or, where the register had none, recorded)."""

    upn: str
    day: date
    session: str
    original_code: str | None  # None: there was no mark
    new_code: str
    reason: str


def _parse_day(typed: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(typed.strip())
    except ValueError:
        errors["day"] = "Enter the date of the session, for example 2025-11-10"
        return None


def amend_mark(
    db: Database,
    *,
    who: Actor,
    upn: str,
    day: str,
    session: str,
    code: str,
    reason: str,
    today: date,
) -> AmendedMark:
    """Change the pupil's mark for one session to `code`, recording who and why.

    Refused field by field (FieldErrors) when the date is not a school day on or before today
    while the pupil was on roll, the code is not a register code, the mark is already that
    code, or the reason is blank; nothing is stored then.
    """
    if not may(who.role, SCHOOL_STAFF):
        raise AmendmentNotPermittedError("only attendance staff and senior leaders amend marks")
    errors: dict[str, str] = {}
    when = _parse_day(day, errors)
    if session not in SESSION_NAMES:
        errors["session"] = "Choose the morning (AM) or afternoon (PM) session"
    code = code.strip()
    if code not in BY_CODE:
        errors["code"] = "Choose an attendance code from the list"
    elif BY_CODE[code].legacy:
        errors["code"] = f"{code} is a 2006 code: choose a code of the 2024 set"
    reason = reason.strip()
    if not reason:
        errors["reason"] = "Enter the reason for the change"
    with db.transaction() as db_session:
        found = list(
            db_session.execute(
                select(Pupil, School)
                .join(School, School.id == Pupil.school_id)
                .where(Pupil.upn == upn, visible_to(who, Pupil))
            )
        )
        if len(found) != 1:
            raise PupilNotFoundError(upn)
        pupil, school_row = found[0]
        calendar = school_context(school_row).calendar
        if when is not None:
            if when > today:
                errors["day"] = f"{long_date(when)} is after today: only past marks change"
            elif not calendar.is_school_day(when):
                errors["day"] = f"{long_date(when)} is not a school day"
            elif pupil.admission_date and when < pupil.admission_date:
                errors["day"] = (
                    f"the pupil was not on roll on {long_date(when)} "
                    f"(admitted {long_date(pupil.admission_date)})"
                )
            elif pupil.leaving_date and when > pupil.leaving_date:
                errors["day"] = (
                    f"the pupil was not on roll on {long_date(when)} "
                    f"(left {long_date(pupil.leaving_date)})"
                )
        before = None
        if when is not None and "session" not in errors:
            before = db_session.get(SessionMark, (pupil.id, when, session))
        if before is not None and before.code == code and "code" not in errors:
            errors["code"] = f"the mark is already {code}: choose the code it should be"
        if errors:
            raise FieldErrors(errors)
        assert when is not None
        late = BY_CODE[code].late
        record = MarkRecord(
            upn,
            when,
            session,
            code,
            before.minutes_late if before is not None and late else None,
            # A session with no mark has no original entry to amend: the mark is recorded with
            # the reason as its comment, so that why it was entered late is still kept.
            (before.comment or "") if before is not None else reason,
        )
        original = before.code if before is not None else None
        store_mark_rows(
            db_session, [(1, record)], {upn: pupil}, Amender(who.name, who.position), reason
        )
        return AmendedMark(upn, when, session, original, code, reason)
