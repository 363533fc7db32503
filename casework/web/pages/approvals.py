"""A senior leader's approvals: escalations to approve or refuse, and the decisions only they
take. htmx replaces the one item acted on; without JavaScript the forms post and redirect."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from msgspec import Struct

from casework.machines.lifecycle import TriggerError
from casework.machines.roles import Role
from casework.services import approvals
from casework.services.errors import CaseError, FieldErrors, NotFoundError
from casework.web.auth import requires
from casework.web.pages.layout import page
from casework.web.provide import DB, Today, Who

SLT_ONLY = [requires(Role.SENIOR_LEADER)]
Form = URLEncodedBody[dict[str, Any]]


class EscalationForm(Struct):
    decision: str = ""
    note: str = ""


def item_template(
    request: Request[Any, Any, Any],
    db: DB,
    who: Who,
    today: Today,
    case_id: int,
    key: str,
    **row: Any,
) -> Template | Redirect:
    """After an action: the item as it now is (htmx), or the whole queue with it (no JS)."""
    status_code = 422 if row.get("errors") or row.get("problem") else 200
    if request.headers.get("hx-request"):
        outcome = approvals.queue_row(
            db, who=who, today=today, case_id=case_id, message=row.pop("message", "")
        )
        block = "escalation_item" if key.startswith("escalation") else "decision_item"
        item: dict[str, Any] = {"outcome": outcome, "key": key, "row": row, "failed": key}
        return page("approvals.html", who, "/approvals", status_code, block=block, **item)
    if status_code == 200:
        return Redirect(f"/approvals?decided={case_id}", status_code=303)
    queue = approvals.approvals_queue(db, who=who, today=today)
    context: dict[str, Any] = {"queue": queue, "row": row, "failed": key, "decided": None}
    return page("approvals.html", who, "/approvals", status_code, **context)


@get("/approvals", sync_to_thread=True, guards=SLT_ONLY)
def queue(db: DB, who: Who, today: Today, decided: FromQuery[int | None] = None) -> Template:
    found = approvals.approvals_queue(db, who=who, today=today)
    return page(
        "approvals.html", who, "/approvals", queue=found, row={}, failed="", decided=decided
    )


@post("/approvals/{case_id:int}/escalations/{step:str}", sync_to_thread=True, guards=SLT_ONLY)
def decide_escalation(
    request: Request[Any, Any, Any],
    db: DB,
    who: Who,
    today: Today,
    case_id: FromPath[int],
    step: FromPath[str],
    data: URLEncodedBody[EscalationForm],
) -> Template | Redirect:
    key = f"escalation-{case_id}-{step}"
    typed = {"decision": data.decision, "note": data.note}
    try:
        done = approvals.decide_escalation(
            db, who=who, today=today, case_id=case_id, step=step, **typed
        )
    except FieldErrors as error:
        return item_template(
            request, db, who, today, case_id, key, errors=error.fields, typed=typed
        )
    except NotFoundError:
        raise
    except CaseError as error:
        problem = {"message": str(error), "reasons": []}
        return item_template(request, db, who, today, case_id, key, problem=problem, typed=typed)
    return item_template(request, db, who, today, case_id, key, message=done.message)


@post("/approvals/{case_id:int}/steps/{trigger:str}", sync_to_thread=True, guards=SLT_ONLY)
def take_decision(
    request: Request[Any, Any, Any],
    db: DB,
    who: Who,
    today: Today,
    case_id: FromPath[int],
    trigger: FromPath[str],
    data: Form,
) -> Template | Redirect:
    key = f"decision-{case_id}"
    data.pop("_csrf_token", None)
    version = int(data.pop("version", 0) or 0) or None
    note = str(data.pop("note", ""))
    values = {k: str(v) for k, v in data.items()}
    typed = {"note": note, **values}
    try:
        done = approvals.take_decision(
            db,
            who=who,
            today=today,
            case_id=case_id,
            trigger=trigger,
            note=note,
            values=values,
            version=version,
        )
    except FieldErrors as error:
        return item_template(
            request, db, who, today, case_id, key, errors=error.fields, typed=typed
        )
    except NotFoundError:
        raise
    except (TriggerError, CaseError) as error:
        reasons = list(getattr(error, "reasons", []))
        problem = {"message": str(error).split(": ")[0], "reasons": reasons}
        return item_template(request, db, who, today, case_id, key, problem=problem, typed=typed)
    return item_template(request, db, who, today, case_id, key, message=done.message)


ROUTES = [queue, decide_escalation, take_decision]
