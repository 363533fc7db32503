"""Plain records of pupils, contacts and register marks as they arrive from files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class PupilRecord:
    upn: str
    surname: str
    forename: str
    date_of_birth: date
    sex: str  # "F", "M" (as the DfE census records it)
    year_group: str  # "R", "1".."13", or as the MIS says
    pupil_premium: bool = False
    send: bool = False
    ehcp: bool = False
    looked_after: bool = False
    social_worker: bool = False
    admission_date: date | None = None
    leaving_date: date | None = None


@dataclass(frozen=True, slots=True)
class ContactRecord:
    upn: str
    name: str
    relationship: str
    parental_responsibility: bool
    lives_with_pupil: bool
    priority: int
    phone: str = ""
    email: str = ""
    address: str = ""


@dataclass(frozen=True, slots=True)
class MarkRecord:
    upn: str
    date: date
    session: str  # "AM" or "PM"
    code: str
    minutes_late: int | None = None
    comment: str = ""


@dataclass(frozen=True, slots=True)
class SourceSchool:
    """Where a transfer file came from (CTF header)."""

    la_code: str
    estab: str
    urn: str
    name: str
    academic_year: str


@dataclass(slots=True)
class Transfer:
    """Everything one common transfer file carries that the product keeps."""

    source: SourceSchool | None
    pupils: list[PupilRecord]
    contacts: list[ContactRecord]
    marks: list[MarkRecord]
    warnings: list[str]  # elements seen but not understood, each with where it was
