"""The penalty route through the services: an unauthorised term-time holiday and the request
SLT makes for it without a notice to improve (issue 8, item 3)."""

from __future__ import annotations

from casework.services import cases
from casework.store.database import Database
from tests.support.actions import as_user, evidence, fire
from tests.support.dates import d
from tests.support.rows import cases_of
from tests.support.world import AO, HEAD, LA, World


def holiday_taken(
    db: Database, world: World, pupil: str, start: str, end: str, today: str, code: str = "G"
) -> int:
    """Leave from `start` to `end`, asked for on `today` (after it, so no approval is
    possible), marked `code` on every day and recorded as taken without permission; returns
    the pupil's open attendance concern, which the leave flags as a holiday case."""
    lid = cases.open_case(
        db,
        upn=pupil,
        kind="leave_request",
        who=as_user(db, AO),
        today=d(today),
        details={"start": start, "end": end, "requested_on": today},
    ).id
    days = world.calendar.school_days(d(start), d(end))
    world.marks(pupil, days[0], days[-1], dict.fromkeys(days, code))
    fire(db, lid, "record_taken", AO, today)
    (cid,) = (c["id"] for c in cases_of(db, pupil, "attendance_concern") if not c["closed_on"])
    return cid


def slt_finds_no_notice_to_improve_appropriate(
    db: Database, cid: int, today: str, reason: str = "term_time_holiday"
) -> None:
    """SLT records why a notice to improve is not appropriate and approves the request."""
    evidence(db, cid, "no_notice_to_improve", HEAD, today, reason=reason,
             explanation="the family took the leave the head declined")  # fmt: skip
    evidence(db, cid, "slt_approval", HEAD, today, decision="approved",
             step="request_penalty_notice")  # fmt: skip


def request_for_holiday(db: Database, cid: int, today: str) -> cases.Fired:
    """The direct request for a term-time holiday, SLT's reason and approval recorded."""
    slt_finds_no_notice_to_improve_appropriate(db, cid, today)
    return fire(db, cid, "request_penalty_notice", AO, today)


def declined_leave(db: Database, pupil: str, start: str, end: str) -> int:
    """Leave asked for on 23 February 2026, reviewed and declined by the head on the 25th."""
    lid = cases.open_case(
        db,
        upn=pupil,
        kind="leave_request",
        who=as_user(db, AO),
        today=d("2026-02-23"),
        details={"start": start, "end": end, "requested_on": "2026-02-23"},
    ).id
    fire(db, lid, "review", AO, "2026-02-24")
    fire(db, lid, "decline", HEAD, "2026-02-25", note="no exceptional circumstances")
    return lid


def la_finds_liable(db: Database, notice: int, today: str, liable: str = "Y") -> None:
    """The LA's decision on whether the parent a penalty notice names is liable."""
    evidence(db, notice, "liability_decision", LA, today, liable=liable,
             reason="has care of the child and knew of the absence")  # fmt: skip
