"""People who use Casework: adding them, and resolving a username to the actor who acts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from casework.machines.roles import (
    PERSON_ROLES,
    SYSTEM_NAME,
    SYSTEM_POSITION,
    SYSTEM_USERNAME,
    Role,
)
from casework.services.errors import LACodeNeededError, UserError, UserNotFoundError
from casework.services.reach import Actor
from casework.services.register.schools import find_school
from casework.store.database import Database
from casework.store.models import AppUser


def actor_from_row(user: AppUser | Row[Any]) -> Actor:
    """The acting person from their user record (a model or a plain row of the table)."""
    return Actor(
        user.id,
        user.username,
        user.name,
        user.position,
        Role(user.role),
        user.school_id,
        user.la_code,
    )


def add_user(
    db: Database,
    *,
    username: str,
    name: str,
    position: str,
    role: str,
    school_urn: str | None = None,
    la_code: str | None = None,
) -> Actor:
    """Add a user: school staff belong to a school, LA officers to an LA."""
    try:
        the_role = Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in PERSON_ROLES)
        raise UserError(f"unknown role {role!r} (roles: {roles})") from None
    if the_role not in PERSON_ROLES:
        raise UserError("the system role is kept for the daily sweep")
    if not username.strip():
        raise UserError("a username is needed")
    if username.strip() == SYSTEM_USERNAME:
        # The sweep acts as this user with the system role; a person by that name would
        # take its place and the sweep could no longer record findings.
        raise UserError(f"the username {SYSTEM_USERNAME!r} is kept for the daily sweep")
    with db.transaction() as session:
        if session.scalars(select(AppUser).where(AppUser.username == username)).first():
            raise UserError(f"there is already a user {username!r}")
        school_id = None
        if the_role is Role.LA_OFFICER:
            if not la_code:
                raise LACodeNeededError()
        else:
            school = find_school(session, school_urn)
            school_id = school.id
            la_code = None
        user = AppUser(
            username=username,
            name=name,
            position=position,
            role=the_role.value,
            school_id=school_id,
            la_code=la_code,
        )
        session.add(user)
        session.flush()
        return actor_from_row(user)


def actor_in(session: Session, username: str) -> Actor:
    """The user with this username, or the sweep's own system user (made on first use)."""
    user = session.scalars(select(AppUser).where(AppUser.username == username)).first()
    if user is None and username == SYSTEM_USERNAME:
        # Two first sweeps at once on a new database: one makes the user, the other finds it.
        session.execute(
            _insert_once(session).values(
                username=SYSTEM_USERNAME,
                name=SYSTEM_NAME,
                position=SYSTEM_POSITION,
                role=Role.SYSTEM.value,
                failed_sign_ins=0,
            )
        )
        user = session.scalars(select(AppUser).where(AppUser.username == username)).one()
    if user is None:
        raise UserNotFoundError(username)
    return actor_from_row(user)


def _insert_once(session: Session) -> Any:
    """An insert of a user that leaves the row another transaction added first."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(AppUser).on_conflict_do_nothing(index_elements=["username"])
    return sqlite.insert(AppUser).on_conflict_do_nothing(index_elements=["username"])


def resolve(db: Database, username: str) -> Actor:
    """Who `username` is, resolved once at the edge (the CLI's --as, a web session). The
    sweep's own account is not a person's to name: it sees every school and records what only
    the system may."""
    if username.strip().lower() == SYSTEM_USERNAME:
        raise UserError(
            f"{SYSTEM_USERNAME!r} is the daily sweep's own account: no person may act as it"
        )
    with db.transaction() as session:
        return actor_in(session, username)


def system_actor(db: Database) -> Actor:
    """The daily sweep's own user, which works every school's cases."""
    with db.transaction() as session:
        return actor_in(session, SYSTEM_USERNAME)


def list_users(db: Database) -> list[Actor]:
    with db.transaction() as session:
        return [
            actor_from_row(u) for u in session.scalars(select(AppUser).order_by(AppUser.username))
        ]
