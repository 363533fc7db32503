"""The JSON API under /api: the pages' services and reach, as the shapes the CLI prints.

A caller is a person with `Authorization: Bearer TOKEN` or a signed-in browser session (which
also needs its CSRF token to change anything). Refusals are answered by casework.web.errors:
out of reach 404, a stale version 409, a guard 422 with its reasons, a role that may not 403.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import get, post
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_201_CREATED
from msgspec import Meta, Struct, field

from casework import shapes
from casework.machines.roles import SCHOOL_STAFF
from casework.services import cases, pupils, worklist
from casework.services.letters import drafts
from casework.services.register import statistics
from casework.web.auth import requires
from casework.web.provide import DB, Today, Who

# A database key: past 2**63 - 1 no row can have it, and the databases refuse to compare it.
CaseId = Annotated[int, PathParameter(ge=1, le=2**63 - 1)]
# What a step may be given (a date, a number of days, a flag): plain values, never structures.
Value = str | int | float | bool | None


class TransitionRequest(Struct, forbid_unknown_fields=True):
    """Take the step `trigger` on the case as it was at `version`."""

    trigger: Annotated[str, Meta(min_length=1, max_length=100)]
    version: Annotated[int, Meta(ge=1, le=2**63 - 1)]
    note: str | None = None
    params: dict[str, Value] = field(default_factory=dict)


class EvidenceRequest(Struct, forbid_unknown_fields=True):
    """Record evidence of `kind` on the case, with the fields that kind takes."""

    kind: Annotated[str, Meta(min_length=1, max_length=100)]
    details: dict[str, Value | list[str]] = field(default_factory=dict)
    recorded_on: date | None = None


class OpenCaseRequest(Struct, forbid_unknown_fields=True):
    """Open a case of `kind` for the pupil with `upn` by hand, as `casework case open` does
    (a leave request: `details` start, end and applicant)."""

    upn: Annotated[str, Meta(min_length=1, max_length=100)]
    kind: Annotated[str, Meta(min_length=1, max_length=100)]
    details: dict[str, Value] = field(default_factory=dict)
    note: str | None = None


def case_shown(db: DB, who: Who, today: Today, case_id: int) -> dict[str, Any]:
    return shapes.case_shown(cases.show_case(db, case_id=case_id, who=who, today=today))


@get("/api/cases", sync_to_thread=True, tags=["cases"])
def list_cases(db: DB, who: Who, closed: FromQuery[bool] = False) -> list[dict[str, Any]]:
    """The cases the caller may see, newest first (open ones unless `closed`)."""
    found = cases.list_cases(db, who=who, include_closed=closed)
    return [shapes.case_summary(c) for c in found]


@post(
    "/api/cases",
    status_code=HTTP_201_CREATED,
    sync_to_thread=True,
    tags=["cases"],
    guards=[requires(*sorted(SCHOOL_STAFF))],
)
def open_case(db: DB, who: Who, today: Today, data: JSONBody[OpenCaseRequest]) -> dict[str, Any]:
    """Open a case by hand; the case as `casework case open --json` prints it. A pupil out of
    reach is not found (404); a request the case kind refuses (the same leave dates asked for
    again, say) is 422, naming what is wrong, and nothing is opened."""
    summary = cases.open_case(
        db,
        upn=data.upn,
        kind=data.kind,
        who=who,
        today=today,
        details=dict(data.details),
        note=data.note,
    )
    return shapes.case_summary(summary)


@get("/api/cases/{case_id:int}", sync_to_thread=True, tags=["cases"])
def show_case(db: DB, who: Who, today: Today, case_id: CaseId) -> dict[str, Any]:
    """The case as `casework case show ID --json` prints it."""
    return case_shown(db, who, today, case_id)


@post(
    "/api/cases/{case_id:int}/transitions",
    status_code=200,
    sync_to_thread=True,
    tags=["cases"],
)
def take_step(
    db: DB, who: Who, today: Today, case_id: CaseId, data: JSONBody[TransitionRequest]
) -> dict[str, Any]:
    """Take a step; the case as it now is. Nothing changes unless the step is taken."""
    params: dict[str, Any] = dict(data.params)
    if data.note is not None:
        params["note"] = data.note
    cases.fire(
        db,
        case_id=case_id,
        trigger=data.trigger,
        who=who,
        today=today,
        params=params,
        expected_version=data.version,
    )
    return case_shown(db, who, today, case_id)


@post(
    "/api/cases/{case_id:int}/evidence",
    status_code=HTTP_201_CREATED,
    sync_to_thread=True,
    tags=["cases"],
)
def record_evidence(
    db: DB, who: Who, today: Today, case_id: CaseId, data: JSONBody[EvidenceRequest]
) -> dict[str, Any]:
    """Record evidence; its id and the case as it now is."""
    evidence_id = cases.add_evidence(
        db,
        case_id=case_id,
        kind=data.kind,
        details=dict(data.details),
        who=who,
        today=today,
        recorded_on=data.recorded_on,
    )
    return {"evidence": evidence_id, "case": case_shown(db, who, today, case_id)}


class LetterRequest(Struct, forbid_unknown_fields=True):
    """Draft the letter `template` (an id of `casework letters templates`), dated today."""

    template: Annotated[str, Meta(min_length=1, max_length=100)]


@get("/api/cases/{case_id:int}/letters", sync_to_thread=True, tags=["letters"])
def list_letters(db: DB, who: Who, case_id: CaseId) -> list[dict[str, Any]]:
    """The case's letters, newest first, as `casework letters list --json` prints them."""
    return [x.as_dict() for x in drafts.case_letters(db, case_id=case_id, who=who)]


@post(
    "/api/cases/{case_id:int}/letters",
    status_code=HTTP_201_CREATED,
    sync_to_thread=True,
    tags=["letters"],
    guards=[requires(*sorted(drafts.SENDERS))],
)
def draft_letter(
    db: DB, who: Who, today: Today, case_id: CaseId, data: JSONBody[LetterRequest]
) -> list[dict[str, Any]]:
    """Draft a letter on the case, one per addressee; refused (422) with each missing fact
    named, and nothing stored."""
    drafted = drafts.draft_letters(
        db, case_id=case_id, template=data.template, who=who, today=today
    )
    return [x.as_dict() for x in drafted]


@get("/api/pupils/{upn:str}", sync_to_thread=True, tags=["pupils"])
def show_pupil(
    db: DB,
    who: Who,
    today: Today,
    upn: Annotated[str, PathParameter()],
    as_of: FromQuery[date | None] = None,
    start: Annotated[date | None, QueryParameter(name="from")] = None,
) -> dict[str, Any]:
    """The pupil and their statistics from `from` (default: the school year's start) to `as_of`."""
    view = pupils.pupil_view(db, who=who, upn=upn)
    # The same figures as `casework stats UPN --json`, for the school the pupil was found at.
    _school, stats = statistics.pupil_statistics(
        db, upn, as_of or today, start, view.school_urn, who=who
    )
    return shapes.pupil_with_statistics(view, stats)


@get("/api/worklist", sync_to_thread=True, tags=["worklist"])
def show_worklist(db: DB, who: Who, today: Today) -> dict[str, Any]:
    """What needs doing today on the cases the caller may see."""
    return shapes.worklist(worklist.worklist(db, who=who, today=today))


ROUTES = [
    list_cases,
    open_case,
    show_case,
    take_step,
    record_evidence,
    list_letters,
    draft_letter,
    show_pupil,
    show_worklist,
]
