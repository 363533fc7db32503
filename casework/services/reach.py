"""Reach: which schools, pupils and cases a person may see. Every read goes through here.

School staff (attendance officers, senior leaders, teachers) see their own school. An LA officer
sees only cases that reached the LA (an LA-visible state, a referral) from schools in their LA,
and only those cases' pupils, and none of the findings that open no case (the school acts on
them). The daily sweep's system user works every school. A record out of
reach is reported as not found, never as forbidden, so that its existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, false, select, true
from sqlalchemy.orm import Session

from casework.machines.roles import Role, sees_every_school, sees_referrals_only
from casework.store.models import Case, Letter, Pupil, PupilFinding, School

Record = type[School] | type[Pupil] | type[Case] | type[PupilFinding] | type[Letter]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: what the audit trail records, what permissions check, what reach limits."""

    id: int
    username: str
    name: str
    position: str
    role: Role
    school_id: int | None
    la_code: str | None


def visible_to(who: Actor, record: Record) -> ColumnElement[bool]:
    """The query clause that keeps only the rows of `record` that `who` may see."""
    if sees_every_school(who.role):
        return true()
    if record is PupilFinding:
        # A finding that opened no case is the school's to act on (a letter, telling the LA,
        # completing the register): its staff see it, an LA officer none.
        if sees_referrals_only(who.role):
            return false()
        return PupilFinding.school_id == who.school_id
    if sees_referrals_only(who.role):
        in_la = select(School.id).where(School.la_code == who.la_code)
        referred = Case.la_visible.is_(True) & Case.school_id.in_(in_la.scalar_subquery())
        if record is School:
            return School.la_code == who.la_code
        if record is Case:
            return referred
        if record is Letter:  # the letters on the cases that reached the LA
            return Letter.case_id.in_(select(Case.id).where(referred).scalar_subquery())
        return exists().where(Case.pupil_id == Pupil.id, referred)
    if record is Letter:
        return Letter.school_id == who.school_id
    if record is School:
        return School.id == who.school_id
    if record is Case:
        return Case.school_id == who.school_id
    return Pupil.school_id == who.school_id


def can_see(session: Session, who: Actor, record: Record, key: int) -> bool:
    """Whether `who` may see the row `key` of `record`, by the clause every query uses."""
    query = select(record.id).where(record.id == key, visible_to(who, record))
    return session.scalar(query) is not None
