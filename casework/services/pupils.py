"""A pupil as a person sees them: who they are, their contacts and their cases, within reach."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from casework.services.cases.queries import CaseSummary, case_summaries
from casework.services.errors import PupilNotFoundError
from casework.services.reach import Actor, visible_to
from casework.store.database import Database
from casework.store.models import Case, Contact, Pupil, School


@dataclass(frozen=True, slots=True)
class ContactView:
    name: str
    relationship: str
    parental_responsibility: bool
    lives_with_pupil: bool
    priority: int
    phone: str
    email: str
    address: str


@dataclass(frozen=True, slots=True)
class PupilView:
    upn: str
    forename: str
    surname: str
    date_of_birth: date
    sex: str
    year_group: str
    pupil_premium: bool
    send: bool
    ehcp: bool
    looked_after: bool
    social_worker: bool
    admission_date: date | None
    leaving_date: date | None
    school_urn: str
    school_name: str
    contacts: tuple[ContactView, ...]
    cases: tuple[CaseSummary, ...]  # the cases of this pupil that the person may see

    @property
    def name(self) -> str:
        return f"{self.forename} {self.surname}"


def pupil_view(db: Database, *, who: Actor, upn: str, school_urn: str | None = None) -> PupilView:
    """The pupil with this UPN within `who`'s reach (not found otherwise)."""
    with db.transaction() as session:
        query = (
            select(Pupil, School.urn, School.name)
            .join(School, School.id == Pupil.school_id)
            .where(Pupil.upn == upn, visible_to(who, Pupil))
        )
        if school_urn is not None:
            query = query.where(School.urn == school_urn)
        rows = list(session.execute(query))
        if not rows:
            raise PupilNotFoundError(upn)
        if len(rows) > 1:
            raise PupilNotFoundError(
                upn, f"UPN {upn} is on roll at more than one school", several=True
            )
        pupil, urn, school_name = rows[0]
        contacts = tuple(
            ContactView(
                c.name,
                c.relationship,
                c.parental_responsibility,
                c.lives_with_pupil,
                c.priority,
                c.phone,
                c.email,
                c.address,
            )
            for c in session.scalars(
                select(Contact).where(Contact.pupil_id == pupil.id).order_by(Contact.priority)
            )
        )
        case_ids = list(
            session.scalars(
                select(Case.id)
                .where(Case.pupil_id == pupil.id, visible_to(who, Case))
                .order_by(Case.id.desc())
            )
        )
        return PupilView(
            upn=pupil.upn,
            forename=pupil.forename,
            surname=pupil.surname,
            date_of_birth=pupil.date_of_birth,
            sex=pupil.sex,
            year_group=pupil.year_group,
            pupil_premium=pupil.pupil_premium,
            send=pupil.send,
            ehcp=pupil.ehcp,
            looked_after=pupil.looked_after,
            social_worker=pupil.social_worker,
            admission_date=pupil.admission_date,
            leaving_date=pupil.leaving_date,
            school_urn=urn,
            school_name=school_name,
            contacts=contacts,
            cases=tuple(case_summaries(session, case_ids)),
        )
