"""The pupil page: who the pupil is, their year in the register, their cases and contacts, and
amending one mark with a reason (htmx swaps the register part in place; without JavaScript the
form posts and redirects)."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from msgspec import Struct, structs

from casework.machines.roles import Role
from casework.services import register_view
from casework.services.errors import FieldErrors
from casework.services.register import amendments
from casework.web.auth import requires
from casework.web.pages.layout import page
from casework.web.provide import DB, Today, Who

AMENDERS = (Role.ATTENDANCE_OFFICER, Role.SENIOR_LEADER)


class MarkForm(Struct):
    day: str = ""
    session: str = ""
    code: str = ""
    reason: str = ""


def pupil_template(
    request: Request[Any, Any, Any],
    db: DB,
    who: Who,
    today: Today,
    upn: str,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    done: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    """The pupil page, or its register block alone for an htmx request."""
    view = register_view.pupil_page(db, who=who, upn=upn, today=today)
    block = "register_body" if request.headers.get("hx-target") == "register" else None
    return page(
        "pupil.html",
        who,
        "",
        status_code=status_code,
        block=block,
        view=view,
        may_amend=who.role in AMENDERS,
        typed=typed or {},
        errors=errors or {},
        done=done or {},
    )


@get("/pupils/{upn:str}", sync_to_thread=True)
def show(
    request: Request[Any, Any, Any],
    db: DB,
    who: Who,
    today: Today,
    upn: FromPath[str],
    day: FromQuery[str] = "",
    session: FromQuery[str] = "",
    amended: FromQuery[date | None] = None,
    amended_session: FromQuery[str] = "",
) -> Template:
    """The page; `amended` and `amended_session` name a mark just changed (for its banner)."""
    typed = {"day": day, "session": session}
    done = {"day": amended, "session": amended_session} if amended else None
    return pupil_template(request, db, who, today, upn, typed=typed, done=done)


@post("/pupils/{upn:str}/marks", sync_to_thread=True, guards=[requires(*AMENDERS)])
def amend(
    request: Request[Any, Any, Any],
    db: DB,
    who: Who,
    today: Today,
    upn: FromPath[str],
    data: URLEncodedBody[MarkForm],
) -> Template | Redirect:
    try:
        changed = amendments.amend_mark(db, who=who, upn=upn, today=today, **structs.asdict(data))
    except FieldErrors as error:
        typed = structs.asdict(data)
        return pupil_template(
            request, db, who, today, upn, typed=typed, errors=error.fields, status_code=422
        )
    done = {"day": changed.day, "session": changed.session}
    if request.headers.get("hx-request"):
        return pupil_template(request, db, who, today, upn, done=done)
    where = f"amended={changed.day.isoformat()}&amended_session={changed.session}"
    return Redirect(f"/pupils/{upn}?{where}#register", status_code=303)


ROUTES = [show, amend]
