"""Who is asking: a signed-in session or an API token, and what their role lets them open.

Every request except signing in and the static files must come from a person: the browser's
session or `Authorization: Bearer TOKEN`. Role guards refuse a page with 403; a record out of
the person's reach is not found (404), which the services decide.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
)
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import Receive, Scope, Send

from casework.machines.roles import Role
from casework.services.access import sign_in
from casework.services.reach import Actor
from casework.store.database import Database

SESSION_USER = "user_id"  # the session key that holds the signed-in person's id


def bearer_token(headers: Any) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class SignedIn(AbstractAuthenticationMiddleware):
    """Sets `request.user` to the acting person, or refuses the request with 401."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        db: Database = connection.app.state.db
        token = bearer_token(connection.headers)
        who: Actor | None = None
        if token is not None:
            who = await anyio.to_thread.run_sync(sign_in.actor_for_token, db, token)
        elif "session" in connection.scope and connection.session.get(SESSION_USER):
            user_id = int(connection.session[SESSION_USER])
            who = await anyio.to_thread.run_sync(sign_in.actor_by_id, db, user_id)
        if who is None or who.role is Role.SYSTEM:
            raise NotAuthorizedException("sign in first")
        return AuthenticationResult(user=who, auth=token)


class BrowserCSRF(CSRFMiddleware):
    """Litestar's CSRF check for every state-changing browser request (htmx included).

    A request with a bearer token is not a browser's: no cookie can make it, so it has nothing
    to forge and is let through (it is still authenticated by its token).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
            if bearer_token(headers) is not None:
                await self.app(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def requires(*roles: Role) -> Any:
    """A guard: only these roles may open the route (403 for anyone else)."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        who = connection.user
        if not isinstance(who, Actor) or who.role not in roles:
            raise PermissionDeniedException("your role cannot open this page")

    guard.__doc__ = f"Only {', '.join(r.value for r in roles)} may open the route."
    return guard
