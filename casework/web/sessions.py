"""Litestar's session store over the database, so that every worker process shares sessions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.stores.base import Store
from litestar.types import Empty, Message, ScopeSession

from casework.services.access import web_sessions
from casework.store.database import Database


class DatabaseStore(Store):
    """The `sessions` store: each call runs the session service off the event loop."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        data = value.encode() if isinstance(value, str) else value
        if data in (b"{}", b""):
            # Litestar saves an empty session for every cookieless request (an API call, a
            # first visit): keep no row for it, or the table would grow with every request.
            await anyio.to_thread.run_sync(web_sessions.end, self.db, key)
            return
        expires = web_sessions.expiry(expires_in)
        await anyio.to_thread.run_sync(web_sessions.save, self.db, key, data, expires)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        return await anyio.to_thread.run_sync(web_sessions.load, self.db, key, renew_for)

    async def delete(self, key: str) -> None:
        await anyio.to_thread.run_sync(web_sessions.end, self.db, key)

    async def delete_all(self) -> None:
        await anyio.to_thread.run_sync(web_sessions.end_all, self.db)

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        return await anyio.to_thread.run_sync(web_sessions.seconds_left, self.db, key)


class SessionBackend(ServerSideSessionBackend):
    """Litestar's server-side sessions, less the store call for a request that brought no
    session cookie and left no session: an API call with a token, or a page refused before
    sign-in, has no session to keep or end, so it costs no database write."""

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        cookie = connection.cookies.get(self.config.key)
        if (scope_session is Empty or not scope_session) and cookie in (None, "", "null"):
            return
        await super().store_in_message(scope_session, message, connection)


class SessionConfig(ServerSideSessionConfig):
    """The session settings, served by `SessionBackend`."""

    _backend_class = SessionBackend
