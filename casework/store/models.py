"""Database tables for schools, pupils, contacts, register marks and their amendments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class School(Base):
    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    urn: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    la_code: Mapped[str] = mapped_column(String(10))
    policy: Mapped[str] = mapped_column(String(100))
    # The whole school file (terms, register times, signatories) as loaded; the calendar is
    # rebuilt from it rather than kept in tables of its own.
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Pupil(Base):
    __tablename__ = "pupil"
    __table_args__ = (UniqueConstraint("school_id", "upn"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    upn: Mapped[str] = mapped_column(String(13), index=True)
    surname: Mapped[str] = mapped_column(String(100))
    forename: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    year_group: Mapped[str] = mapped_column(String(4))
    pupil_premium: Mapped[bool] = mapped_column(Boolean, default=False)
    send: Mapped[bool] = mapped_column(Boolean, default=False)
    ehcp: Mapped[bool] = mapped_column(Boolean, default=False)
    looked_after: Mapped[bool] = mapped_column(Boolean, default=False)
    social_worker: Mapped[bool] = mapped_column(Boolean, default=False)
    admission_date: Mapped[date | None] = mapped_column(Date)
    leaving_date: Mapped[date | None] = mapped_column(Date)


class Contact(Base):
    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("pupil_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    relationship: Mapped[str] = mapped_column(String(50))
    parental_responsibility: Mapped[bool] = mapped_column(Boolean)
    lives_with_pupil: Mapped[bool] = mapped_column(Boolean)
    priority: Mapped[int] = mapped_column(SmallInteger)
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")


class SessionMark(Base):
    """One register mark. Keyed by pupil, date and session so a pupil's year is one range scan."""

    __tablename__ = "session_mark"
    __table_args__ = (
        CheckConstraint("session IN ('AM', 'PM')", name="session_am_pm"),
        {"sqlite_with_rowid": False},
    )

    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    session: Mapped[str] = mapped_column(String(2), primary_key=True)
    code: Mapped[str] = mapped_column(String(2))
    minutes_late: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)


class RegisterYear(Base):
    """A pupil's school year of codes, one byte per session: a projection of `session_mark`
    kept in step with it (casework.store.projection), which the sweep reads."""

    __tablename__ = "register_year"

    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), primary_key=True)
    year_start: Mapped[date] = mapped_column(Date, primary_key=True)  # 1 September
    codes: Mapped[bytes] = mapped_column(LargeBinary)  # 732 bytes: AM and PM of each day


class MarkAmendment(Base):
    """A change to a mark: the original and new entries, why, when and by whom (kept 6 years)."""

    __tablename__ = "mark_amendment"
    __table_args__ = (Index("ix_mark_amendment_mark", "pupil_id", "date", "session"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    date: Mapped[date] = mapped_column(Date)
    session: Mapped[str] = mapped_column(String(2))
    original_code: Mapped[str] = mapped_column(String(2))
    original_minutes_late: Mapped[int | None] = mapped_column(SmallInteger)
    original_comment: Mapped[str | None] = mapped_column(Text)
    new_code: Mapped[str] = mapped_column(String(2))
    new_minutes_late: Mapped[int | None] = mapped_column(SmallInteger)
    new_comment: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    amended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    amended_by: Mapped[str] = mapped_column(String(200))
    amended_by_position: Mapped[str] = mapped_column(String(200))


class AppUser(Base):
    """A person who uses Casework: their role decides what they may do."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    la_code: Mapped[str | None] = mapped_column(String(10))
    # Sign-in: an argon2 hash (None: no password set, so no sign-in), and the failed
    # attempts since the last success, which lock the account for a while when they mount.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A token for the JSON API; only its SHA-256 is kept, so a copy of the database
    cannot be used to act as anyone."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A signed-in browser's server-side session, shared by every worker process."""

    __tablename__ = "web_session"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


class SweepRun(Base):
    """When the daily sweep ran, as of which day and what it did (for the worklist)."""

    __tablename__ = "sweep_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    findings: Mapped[int] = mapped_column(Integer)
    cases_opened: Mapped[int] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(100))


class PupilFinding(Base):
    """A sweep finding of a rule that opens no case (a letter, an LA notification, a gap in
    the register), kept once per occurrence so that staff see it on the worklist."""

    __tablename__ = "pupil_finding"
    __table_args__ = (
        UniqueConstraint("pupil_id", "rule", "began"),
        Index("ix_pupil_finding_school_found", "school_id", "found_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    rule: Mapped[str] = mapped_column(String(60))
    began: Mapped[date] = mapped_column(Date)  # the occurrence's first day
    found_on: Mapped[date] = mapped_column(Date)  # the sweep's day that first found it
    reason: Mapped[str] = mapped_column(Text)  # to parents
    staff_reason: Mapped[str] = mapped_column(Text)  # to staff, naming the pupil
    details: Mapped[dict[str, Any]] = mapped_column(JSON)  # the facts and the marks behind it


class Case(Base):
    """A pupil concern moving through a lifecycle; `version` guards against lost updates."""

    __tablename__ = "casefile"
    __table_args__ = (
        # One open concern and one open missing-education enquiry per pupil at a time.
        Index(
            "ix_casefile_one_open",
            "pupil_id",
            "kind",
            unique=True,
            sqlite_where=text(
                "closed_on IS NULL AND kind IN ('attendance_concern', 'missing_education')"
            ),
            postgresql_where=text(
                "closed_on IS NULL AND kind IN ('attendance_concern', 'missing_education')"
            ),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    entered_state_on: Mapped[date] = mapped_column(Date)
    la_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_case_id: Mapped[int | None] = mapped_column(ForeignKey("casefile.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CaseEvidence(Base):
    """Evidence on a case. Never changed or deleted: a correction supersedes it with a reason."""

    __tablename__ = "case_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("casefile.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    recorded_on: Mapped[date] = mapped_column(Date)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("case_evidence.id"))
    supersede_reason: Mapped[str | None] = mapped_column(Text)


class CaseDeadline(Base):
    """A date by which something must happen on a case, computed from policy and calendar."""

    __tablename__ = "case_deadline"
    __table_args__ = (Index("ix_case_deadline_open_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("casefile.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    label: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    fires: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open, closed
    set_in_state: Mapped[str] = mapped_column(String(40))
    closed_on: Mapped[date | None] = mapped_column(Date)


class CaseEvent(Base):
    """The audit trail: append only (PostgreSQL refuses updates and deletes by trigger)."""

    __tablename__ = "case_event"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("casefile.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    on_day: Mapped[date] = mapped_column(Date)
    action: Mapped[str] = mapped_column(String(20))  # opened, transition, evidence, superseded
    trigger: Mapped[str | None] = mapped_column(String(50))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("case_evidence.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    username: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    position: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Letter(Base):
    """A letter drafted from the facts of a case or a finding, to one addressee; once sent, its
    PDF is kept (LetterPdf) and the facts it was drafted from never change."""

    __tablename__ = "letter"
    __table_args__ = (Index("ix_letter_school_status", "school_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("casefile.id"), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("pupil_finding.id"))
    template: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    addressee: Mapped[str] = mapped_column(String(200))
    addressee_kind: Mapped[str] = mapped_column(String(10))  # parent, carer, la
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    letter_date: Mapped[date] = mapped_column(Date)  # the letter's date; figures count to it
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)  # everything the template reads
    status: Mapped[str] = mapped_column(String(10), default="drafted")  # drafted, sent
    drafted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    drafted_by: Mapped[str] = mapped_column(String(100))
    sent_on: Mapped[date | None] = mapped_column(Date)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_by: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str | None] = mapped_column(String(10))  # post, hand, email
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("case_evidence.id"))


class LetterPdf(Base):
    """The PDF of a sent letter, exactly as it was sent: written once, never changed
    (the database refuses an update or a delete)."""

    __tablename__ = "letter_pdf"

    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)


__all__ = [
    "AppUser",
    "Base",
    "Case",
    "CaseDeadline",
    "CaseEvent",
    "CaseEvidence",
    "Contact",
    "Letter",
    "LetterPdf",
    "MarkAmendment",
    "Pupil",
    "PupilFinding",
    "School",
    "SessionMark",
]
