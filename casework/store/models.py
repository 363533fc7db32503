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
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
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


__all__ = ["Base", "Contact", "MarkAmendment", "Pupil", "School", "SessionMark"]
