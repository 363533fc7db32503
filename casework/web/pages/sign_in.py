"""Signing in and out of the browser app."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Request, get, post
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from msgspec import Struct

from casework.services.access import sign_in as sign_in_service
from casework.text import long_date
from casework.web.auth import SESSION_USER
from casework.web.pages.layout import page
from casework.web.provide import DB


class SignInForm(Struct):
    username: str = ""
    password: str = ""
    next: str = ""


def _safe_next(target: str) -> str:
    # Only a path on this site: never an address elsewhere (an open redirect).
    return target if target.startswith("/") and not target.startswith("//") else "/"


@get("/sign-in", exclude_from_auth=True, sync_to_thread=False)
def sign_in_page(next: FromQuery[str] = "/") -> Template:
    return page("sign_in.html", None, next=_safe_next(next), username="", error="")


@post("/sign-in", exclude_from_auth=True)
async def sign_in(
    request: Request[Any, Any, Any],
    db: DB,
    data: URLEncodedBody[SignInForm],
) -> Redirect | Template:
    try:
        who = await anyio.to_thread.run_sync(
            sign_in_service.sign_in, db, data.username.strip(), data.password
        )
    except sign_in_service.SignInError as error:
        message = "Enter a username and password that match"
        if error.locked_until is not None:
            message = (
                "Too many tries: this account is locked until "
                f"{error.locked_until:%H:%M} on {long_date(error.locked_until.date())}"
            )
        return page(
            "sign_in.html",
            None,
            status_code=400,
            next=_safe_next(data.next),
            username=data.username,
            error=message,
        )
    # A new session for the signed-in person: whatever session came before is dropped.
    request.clear_session()
    request.set_session({SESSION_USER: who.id})
    return Redirect(_safe_next(data.next or "/"), status_code=303)


@post("/sign-out")
async def sign_out(request: Request[Any, Any, Any]) -> Redirect:
    request.clear_session()  # the server-side session is deleted, not just the cookie
    return Redirect("/sign-in", status_code=303)


ROUTES = [sign_in_page, sign_in, sign_out]
