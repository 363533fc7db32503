"""Server-side sessions kept in the database, so that every worker process shares them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import anyio.to_thread
from litestar.stores.base import Store
from sqlalchemy import delete, select

from casework.store.database import Database
from casework.store.models import WebSession


def _expiry(expires_in: int | timedelta | None) -> datetime | None:
    if expires_in is None:
        return None
    seconds = expires_in.total_seconds() if isinstance(expires_in, timedelta) else expires_in
    return datetime.now(UTC) + timedelta(seconds=seconds)


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


class DatabaseStore(Store):
    """Litestar's session store interface over the `web_session` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _set(self, key: str, value: bytes, expires_at: datetime | None) -> None:
        with self.db.transaction() as session:
            row = session.get(WebSession, key)
            if row is None:
                session.add(WebSession(key=key, value=value, expires_at=expires_at))
            else:
                row.value, row.expires_at = value, expires_at

    def _get(self, key: str, renew_for: int | timedelta | None) -> bytes | None:
        with self.db.transaction() as session:
            row = session.get(WebSession, key)
            if row is None:
                return None
            expires = _aware(row.expires_at)
            if expires is not None and expires <= datetime.now(UTC):
                session.delete(row)
                return None
            if renew_for is not None and expires is not None:
                row.expires_at = _expiry(renew_for)
            return bytes(row.value)

    def _delete(self, key: str) -> None:
        with self.db.transaction() as session:
            session.execute(delete(WebSession).where(WebSession.key == key))

    def _delete_all(self) -> None:
        with self.db.transaction() as session:
            session.execute(delete(WebSession))

    def _expires_in(self, key: str) -> int | None:
        with self.db.transaction() as session:
            expires = _aware(
                session.scalar(select(WebSession.expires_at).where(WebSession.key == key))
            )
        if expires is None:
            return None
        return max(0, int((expires - datetime.now(UTC)).total_seconds()))

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        data = value.encode() if isinstance(value, str) else value
        await anyio.to_thread.run_sync(self._set, key, data, _expiry(expires_in))

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        return await anyio.to_thread.run_sync(self._get, key, renew_for)

    async def delete(self, key: str) -> None:
        await anyio.to_thread.run_sync(self._delete, key)

    async def delete_all(self) -> None:
        await anyio.to_thread.run_sync(self._delete_all)

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        return await anyio.to_thread.run_sync(self._expires_in, key)
