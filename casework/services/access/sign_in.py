"""Signing in: passwords (argon2), lockout after repeated failures, and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, select, update

from casework.services.access.users import SYSTEM_USERNAME, actor_from_row
from casework.services.errors import ServiceError, UserNotFoundError
from casework.services.reach import Actor
from casework.store.database import Database
from casework.store.models import ApiToken, AppUser

# Security settings, not attendance rules: how many failures lock an account, and for how long.
FAILURES_BEFORE_LOCK = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


class SignInError(ServiceError):
    """A sign-in that did not succeed. It never says whether the username exists."""

    def __init__(self, locked_until: datetime | None = None) -> None:
        super().__init__("the username or password is not right")
        self.locked_until = locked_until


class PasswordError(ServiceError):
    """A password that cannot be used; the message says why."""


def set_password(db: Database, username: str, password: str) -> None:
    """Set (or replace) a person's password; it also clears any lockout."""
    if username == SYSTEM_USERNAME:
        raise PasswordError("the daily sweep's account cannot sign in")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    with db.transaction() as session:
        user = session.scalars(select(AppUser).where(AppUser.username == username)).first()
        if user is None:
            raise UserNotFoundError(username)
        user.password_hash = _hasher.hash(password)
        user.failed_sign_ins = 0
        user.locked_until = None


def sign_in(db: Database, username: str, password: str, now: datetime | None = None) -> Actor:
    """The person, if the password is theirs and the account is not locked.

    Failures count up; at FAILURES_BEFORE_LOCK the account is locked for LOCK_MINUTES, even
    for the right password, so a password cannot be guessed by trying many.
    """
    now = now or datetime.now(UTC)
    with db.transaction() as session:
        user = session.scalars(select(AppUser).where(AppUser.username == username)).first()
        if user is None or user.password_hash is None:
            _hasher.hash(password)  # the same work as a real check, so timing says nothing
            raise SignInError()
        locked = _aware(user.locked_until)
        if locked is not None and locked > now:
            raise SignInError(locked)
        try:
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            failures = user.failed_sign_ins + 1
            user.failed_sign_ins = failures
            if failures >= FAILURES_BEFORE_LOCK:
                user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                user.failed_sign_ins = 0
            failed = SignInError(_aware(user.locked_until))
        else:
            user.failed_sign_ins = 0
            user.locked_until = None
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
            return actor_from_row(user)
    raise failed  # outside the block, so the count of failures is committed


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite gives back naive datetimes; they were stored in UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


# Who is asking, read on every request: one statement each, built once.
_USERS = AppUser.__table__
_TOKEN_USER = (
    select(_USERS)
    .join(ApiToken.__table__, ApiToken.__table__.c.user_id == _USERS.c.id)
    .where(
        ApiToken.__table__.c.token_sha256 == bindparam("digest"),
        ApiToken.__table__.c.revoked_at.is_(None),
    )
)
_USER = select(_USERS).where(_USERS.c.id == bindparam("user_id"))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(db: Database, username: str) -> str:
    """A new API token for the person; it is shown once and only its hash is kept."""
    if username == SYSTEM_USERNAME:
        raise PasswordError("the daily sweep's account has no API tokens")
    token = "cw_" + secrets.token_urlsafe(32)
    with db.transaction() as session:
        user = session.scalars(select(AppUser).where(AppUser.username == username)).first()
        if user is None:
            raise UserNotFoundError(username)
        session.add(
            ApiToken(user_id=user.id, token_sha256=_digest(token), created_at=datetime.now(UTC))
        )
    return token


def revoke_tokens(db: Database, username: str) -> int:
    """End every API token of the person; returns how many were in use."""
    with db.transaction() as session:
        user = session.scalars(select(AppUser).where(AppUser.username == username)).first()
        if user is None:
            raise UserNotFoundError(username)
        result = session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def actor_for_token(db: Database, token: str) -> Actor | None:
    """Who a bearer token belongs to, or None for an unknown or revoked token."""
    with db.single_read() as connection:
        user = connection.execute(_TOKEN_USER, {"digest": _digest(token)}).first()
    return actor_from_row(user) if user is not None else None


def actor_by_id(db: Database, user_id: int) -> Actor | None:
    """The person a signed-in session belongs to (None if they were removed)."""
    with db.single_read() as connection:
        user = connection.execute(_USER, {"user_id": user_id}).first()
    return actor_from_row(user) if user is not None else None
