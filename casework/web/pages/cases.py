"""The case pages: the list, one case with its next steps, and the forms that take a step or
record evidence (htmx swaps the case in place; without JavaScript the forms post and redirect)."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from casework.machines import LIFECYCLES
from casework.machines.diagram import mermaid
from casework.machines.evidence import EVIDENCE_KINDS, EvidenceKind
from casework.machines.lifecycle import NotPermittedError, TriggerError
from casework.machines.roles import Role, may
from casework.services import cases
from casework.services.errors import CaseError, ConflictError
from casework.services.letters import drafts
from casework.services.letters.pack import evidence_pack
from casework.services.reach import Actor
from casework.web.auth import requires
from casework.web.pages.layout import page
from casework.web.provide import DB, Today, Who

Form = URLEncodedBody[dict[str, Any]]

# The element an htmx request targets on the case page, and the template block it is sent.
SWAPPED_BLOCKS = {"case-body": "case_body", "case-letters": "case_letters"}


def recordable(who: Actor) -> list[EvidenceKind]:
    """The evidence kinds this person's role may record (the sweep's findings are not)."""
    return [kind for kind in EVIDENCE_KINDS.values() if may(who.role, kind.roles)]


def case_page(
    request: Request[Any, Any, Any],
    db: DB,
    who: Who,
    today: Today,
    case_id: FromPath[int],
    *,
    record: str | None = None,
    problem: dict[str, Any] | None = None,
    done: str = "",
    status_code: int = 200,
) -> Template:
    """The case page, or the block an htmx request swaps (the case, or its letters alone)."""
    detail = cases.show_case(db, case_id=case_id, who=who, today=today)
    kinds = recordable(who)
    chosen = next((k for k in kinds if k.name == record), None)
    context = {
        "case": detail,
        "diagram": mermaid(LIFECYCLES[detail.summary.kind], detail.summary.state),
        "kinds": kinds,
        "chosen": chosen,
        "problem": problem or {},
        "done": done,
        "letters": drafts.shown_with_case(detail),
        "letter_templates": drafts.templates(),
        "writes_letters": may(who.role, drafts.SENDERS),
        "channels": drafts.CHANNELS,
        "today": today,
    }
    block = SWAPPED_BLOCKS.get(request.headers.get("hx-target") or "")
    return page("case.html", who, "/cases", status_code=status_code, block=block, **context)


@get("/cases", sync_to_thread=True)
def case_list(db: DB, who: Who, closed: FromQuery[bool] = False) -> Template:
    found = cases.list_cases(db, who=who, include_closed=closed)
    return page("cases.html", who, "/cases", cases=found, closed=closed)


@get("/cases/{case_id:int}", sync_to_thread=True)
def show(
    request: Request[Any, Any, Any],
    db: DB,
    who: Who,
    today: Today,
    case_id: FromPath[int],
    record: FromQuery[str | None] = None,
) -> Template:
    return case_page(request, db, who, today, case_id, record=record)


@post("/cases/{case_id:int}/steps/{trigger:str}", sync_to_thread=True)
def take_step(
    request: Request[Any, Any, Any],
    db: DB,
    who: Who,
    today: Today,
    case_id: FromPath[int],
    trigger: FromPath[str],
    data: Form,
) -> Template | Redirect:
    version = int(data.pop("version", 0) or 0) or None
    data.pop("_csrf_token", None)
    try:
        cases.fire(
            db,
            case_id=case_id,
            trigger=trigger,
            who=who,
            today=today,
            params=data,
            expected_version=version,
        )
    except ConflictError as error:
        problem = {"step": trigger, "conflict": True, "typed": error.submitted}
        return case_page(request, db, who, today, case_id, problem=problem, status_code=409)
    except NotPermittedError:
        raise  # not this person's step: 403, as web/errors.py says
    except (TriggerError, CaseError) as error:
        reasons = list(getattr(error, "reasons", [])) or [str(error)]
        problem = {"step": trigger, "message": str(error).split(": ")[0], "reasons": reasons}
        return case_page(request, db, who, today, case_id, problem=problem, status_code=422)
    if request.headers.get("hx-request"):
        return case_page(request, db, who, today, case_id, done=f"step:{trigger}")
    return Redirect(f"/cases/{case_id}", status_code=303)


@post("/cases/{case_id:int}/evidence/{kind:str}", sync_to_thread=True)
def record_evidence(
    request: Request[Any, Any, Any],
    db: DB,
    who: Who,
    today: Today,
    case_id: FromPath[int],
    kind: FromPath[str],
    data: Form,
) -> Template | Redirect:
    data.pop("_csrf_token", None)
    recorded_on = data.pop("recorded_on", "") or None
    try:
        cases.add_evidence(
            db,
            case_id=case_id,
            kind=kind,
            details={k: v for k, v in data.items() if v != ""},
            who=who,
            today=today,
            recorded_on=date.fromisoformat(recorded_on) if recorded_on else None,
        )
    except (CaseError, ValueError) as error:
        field = getattr(error, "field", None)
        problem = {"evidence": kind, "message": str(error), "typed": data, "field": field}
        return case_page(
            request, db, who, today, case_id, record=kind, problem=problem, status_code=422
        )
    if request.headers.get("hx-request"):
        return case_page(request, db, who, today, case_id, done=f"evidence:{kind}")
    return Redirect(f"/cases/{case_id}", status_code=303)


# Who prints the LA evidence pack: the school that refers and the LA (the service says so too).
PACK_READERS = [requires(Role.ATTENDANCE_OFFICER, Role.SENIOR_LEADER, Role.LA_OFFICER)]


@get("/cases/{case_id:int}/pack.pdf", sync_to_thread=True, guards=PACK_READERS)
def pack(db: DB, who: Who, today: Today, case_id: FromPath[int]) -> Response[bytes]:
    """The case's evidence pack as one PDF (not found for a case out of reach)."""
    pdf = evidence_pack(db, case_id=case_id, who=who, today=today)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="case-{case_id}-evidence-pack.pdf"'},
    )


ROUTES = [case_list, show, take_step, record_evidence, pack]
