"""An LA officer's referrals inbox: the cases that reached the LA, and accepting or returning one
(htmx replaces the row acted on; without JavaScript the form posts and redirects)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from msgspec import Struct

from casework.machines.roles import Role
from casework.services import referrals
from casework.services.errors import CaseError, FieldErrors, NotFoundError
from casework.web.auth import requires
from casework.web.pages.layout import page
from casework.web.provide import DB, Today, Who

LA_ONLY = [requires(Role.LA_OFFICER)]


class DecisionForm(Struct):
    decision: str = ""
    reason: str = ""


@get("/referrals", sync_to_thread=True, guards=LA_ONLY)
def inbox(db: DB, who: Who, decided: FromQuery[int | None] = None) -> Template:
    found = referrals.referrals_inbox(db, who=who)
    return page("referrals.html", who, "/referrals", inbox=found, failed=0, decided=decided)


@post("/referrals/{case_id:int}/decision", sync_to_thread=True, guards=LA_ONLY)
def decide(
    request: Request[Any, Any, Any],
    db: DB,
    who: Who,
    today: Today,
    case_id: FromPath[int],
    data: URLEncodedBody[DecisionForm],
) -> Template | Redirect:
    typed = {"decision": data.decision, "reason": data.reason}
    hx = bool(request.headers.get("hx-request"))
    try:
        row = referrals.decide_referral(db, who=who, today=today, case_id=case_id, **typed)
    except NotFoundError:
        raise
    except (FieldErrors, CaseError) as error:
        errors = getattr(error, "fields", None) or {"reason": str(error)}
        context: dict[str, Any] = {
            "failed": case_id,
            "errors": errors,
            "typed": typed,
            "decided": None,
        }
        if hx:
            context["row"] = referrals.referral(db, who=who, case_id=case_id)
        else:
            context["inbox"] = referrals.referrals_inbox(db, who=who)
        block = "referral_row" if hx else None
        return page("referrals.html", who, "/referrals", 422, block=block, **context)
    if hx:
        done: dict[str, Any] = {"row": row, "failed": 0, "done": True}
        return page("referrals.html", who, "/referrals", block="referral_row", **done)
    return Redirect(f"/referrals?decided={case_id}", status_code=303)


ROUTES = [inbox, decide]
