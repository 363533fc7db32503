"""Browser sessions kept in the database (the web app's session store calls these)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, delete, select, update

from casework.store.database import Database
from casework.store.models import WebSession


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def expiry(expires_in: int | timedelta | None) -> datetime | None:
    """The moment a session lasting `expires_in` ends (None: it does not)."""
    if expires_in is None:
        return None
    seconds = expires_in.total_seconds() if isinstance(expires_in, timedelta) else expires_in
    return datetime.now(UTC) + timedelta(seconds=seconds)


# Litestar saves the session after every request, only to push its expiry on. A session whose
# data is unchanged is written again only when that moves the expiry on by more than this.
RENEW_AFTER = timedelta(minutes=5)


_SESSION = select(WebSession.__table__).where(WebSession.__table__.c.key == bindparam("key"))


def save(db: Database, key: str, value: bytes, expires_at: datetime | None) -> None:
    with db.transaction() as session:
        row = session.get(WebSession, key)
        if row is None:
            session.add(WebSession(key=key, value=value, expires_at=expires_at))
            return
        stored = _aware(row.expires_at)
        if (
            bytes(row.value) == value
            and stored is not None
            and expires_at is not None
            and expires_at - stored < RENEW_AFTER
        ):
            return  # a page view, not a change: no write
        row.value, row.expires_at = value, expires_at


def load(db: Database, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
    """The session's data, or None once it has expired (an expired session is deleted)."""
    # Read outside a transaction (one statement, on every page view); write only when needed.
    with db.single_read() as connection:
        row = connection.execute(_SESSION, {"key": key}).first()
    if row is None:
        return None
    expires = _aware(row.expires_at)
    if expires is not None and expires <= datetime.now(UTC):
        end(db, key)
        return None
    if renew_for is not None and expires is not None:
        with db.transaction() as session:
            session.execute(
                update(WebSession).where(WebSession.key == key).values(expires_at=expiry(renew_for))
            )
    return bytes(row.value)


def end(db: Database, key: str) -> None:
    with db.transaction() as session:
        session.execute(delete(WebSession).where(WebSession.key == key))


def end_all(db: Database) -> None:
    with db.transaction() as session:
        session.execute(delete(WebSession))


def seconds_left(db: Database, key: str) -> int | None:
    with db.transaction() as session:
        expires = _aware(session.scalar(select(WebSession.expires_at).where(WebSession.key == key)))
    if expires is None:
        return None
    return max(0, int((expires - datetime.now(UTC)).total_seconds()))
