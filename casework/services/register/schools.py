"""Adding and finding schools, and rebuilding a school's calendar and policy from its record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.drafting.catalogue import LETTERS
from casework.policy.loader import load_policy
from casework.policy.model import Policy, PolicyError
from casework.register.calendar import SchoolCalendar
from casework.register.school import SchoolConfig, school_from_dict, school_to_dict
from casework.services.errors import SchoolNotFoundError
from casework.services.reach import Actor, visible_to
from casework.store.database import Database
from casework.store.models import School


@dataclass(frozen=True, slots=True)
class SchoolContext:
    """What the rules need about one school: its row, calendar and policy."""

    id: int
    urn: str
    name: str
    config: SchoolConfig
    calendar: SchoolCalendar
    policy: Policy


def save_school(db: Database, config: SchoolConfig) -> tuple[int, bool]:
    """Add the school or update it (matched by URN); returns (id, created)."""
    # Refuse a school whose policy does not load, or whose letters would not draft, before
    # storing it.
    policy = load_policy(config.policy)
    for rule in policy.rules.values():
        if rule.letter and rule.letter not in LETTERS:
            raise PolicyError(
                f"policy {policy.id}: rules.{rule.id}.letter {rule.letter!r} is not a letter "
                f"(letters: {', '.join(LETTERS)})"
            )
    # Here, not at the top: only saving a school reads its letters (and loads Jinja to).
    from casework.drafting.render import check_school_letters

    check_school_letters(config)
    with db.transaction() as session:
        school = session.scalars(select(School).where(School.urn == config.urn)).one_or_none()
        created = school is None
        if school is None:
            school = School(urn=config.urn)
            session.add(school)
        school.name = config.name
        school.la_code = config.la_code
        school.policy = config.policy
        school.config = school_to_dict(config)
        school.updated_at = datetime.now(UTC)
        session.flush()
        return school.id, created


def find_school(session: Session, urn: str | None, who: Actor | None = None) -> School:
    """The school with this URN, or the only school when none is named; within `who`'s reach
    when an actor is given (an operator setting up or importing acts on every school)."""
    query = select(School)
    if who is not None:
        query = query.where(visible_to(who, School))
    if urn is not None:
        school = session.scalars(query.where(School.urn == urn)).one_or_none()
        if school is None:
            raise SchoolNotFoundError(urn)
        return school
    schools = session.scalars(query.order_by(School.urn).limit(2)).all()
    if not schools:
        raise SchoolNotFoundError(None)
    if len(schools) > 1:
        raise SchoolNotFoundError(None, several=True)
    return schools[0]


# Rebuilding a school's calendar costs about a millisecond, on every case page and step: keep
# the contexts of the schools last seen, each for as long as its stored record is unchanged.
_CONTEXTS: dict[tuple[int, datetime], SchoolContext] = {}
_CONTEXTS_KEPT = 256


def school_context(school: School) -> SchoolContext:
    """The school's calendar and policy, rebuilt only when its record changes."""
    key = (school.id, school.updated_at)
    found = _CONTEXTS.get(key)
    if found is not None and found.urn == school.urn and found.name == school.name:
        return found
    config = school_from_dict(school.config)
    context = SchoolContext(
        id=school.id,
        urn=school.urn,
        name=school.name,
        config=config,
        calendar=SchoolCalendar(config.terms),
        policy=load_policy(config.policy),
    )
    if len(_CONTEXTS) >= _CONTEXTS_KEPT:
        _CONTEXTS.clear()
    _CONTEXTS[key] = context
    return context


def school_context_of(
    session: Session, school_id: int, urn: str, name: str, updated_at: datetime
) -> SchoolContext:
    """The context of the school whose row has these values, reading the school's file only
    when no context is kept for it (a page that joined the school's key columns in its own
    query then costs no query for the school)."""
    found = _CONTEXTS.get((school_id, updated_at))
    if found is not None and found.urn == urn and found.name == name:
        return found
    return school_context(session.get_one(School, school_id))


def get_school(db: Database, urn: str | None) -> SchoolContext:
    with db.transaction() as session:
        return school_context(find_school(session, urn))


def get_school_of(db: Database, who: Actor) -> SchoolContext:
    """The one school a member of its staff works at."""
    with db.transaction() as session:
        return school_context(find_school(session, None, who))
