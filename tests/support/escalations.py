"""Cases at the points where a head or the LA decides: an escalation awaiting SLT approval,
a referral that reached the LA, a leave request under review."""

from __future__ import annotations

from casework.machines.lifecycle import Unit, add_period
from casework.services import cases
from casework.services.daily_sweep import daily_sweep
from casework.store.database import Database
from tests.support.actions import as_user, evidence, fire
from tests.support.dates import d
from tests.support.rows import cases_of
from tests.support.world import AO, HEAD, MOTHER, World

TODAY = d("2026-02-04")  # the day the tests of the queue and the inbox look at them
# A week of unauthorised absence (O, both sessions): the sweep opens a concern.
O_WEEK = {d(f"2026-01-{day}"): "O" for day in ("12", "13", "14", "15", "16")}


def concern_with_signed_plan(db: Database, world: World) -> tuple[str, int]:
    """A concern the sweep opened, in school-led support since 19 January 2026, with a support
    meeting and a plan signed on 21 January (review 4 school weeks on) on file: ready for
    agree_plan. Returns (UPN, case id)."""
    pupil = world.pupil()
    world.marks(pupil, d("2025-09-03"), d("2026-01-30"), O_WEEK)
    daily_sweep(db, d("2026-01-16"))
    (concern,) = cases_of(db, pupil, "attendance_concern")
    cid = int(concern["id"])
    evidence(db, cid, "contact_attempt", AO, "2026-01-19", channel="phone", contact=MOTHER,
             outcome="reached")  # fmt: skip
    fire(db, cid, "offer_support", AO, "2026-01-19")
    evidence(db, cid, "meeting", AO, "2026-01-21", purpose="school_support",
             attendees="mother, attendance lead", outcome="a morning routine")  # fmt: skip
    review = add_period(world.calendar, d("2026-01-21"), 4, Unit.SCHOOL_WEEKS)
    evidence(db, cid, "signed_plan", AO, "2026-01-21", plan="attendance_plan",
             signed_on="2026-01-21", review_date=review.isoformat())  # fmt: skip
    return pupil, cid


def concern_awaiting_approval(db: Database, world: World) -> tuple[str, int]:
    """A concern on an attendance plan with its LA referral pack complete: referring it for
    formal support waits only on SLT approval. Returns (UPN, case id)."""
    pupil, cid = concern_with_signed_plan(db, world)
    fire(db, cid, "agree_plan", AO, "2026-01-21")
    evidence(db, cid, "letter_sent", AO, "2026-01-22", letter="attendance_concern",
             sent_on="2026-01-22", to=MOTHER)  # fmt: skip
    evidence(db, cid, "home_visit", AO, "2026-01-23", outcome="parent_seen")
    evidence(db, cid, "agencies", AO, "2026-01-23", agencies="none")
    return pupil, cid


def referred_to_la(db: Database, world: World) -> tuple[str, int]:
    """A concern referred for formal support with the LA on 26 January 2026 (LA-visible)."""
    pupil, cid = concern_awaiting_approval(db, world)
    evidence(db, cid, "slt_approval", HEAD, "2026-01-26", decision="approved",
             step="refer_formal_support")  # fmt: skip
    fire(db, cid, "refer_formal_support", AO, "2026-01-26")
    return pupil, cid


def leave_under_review(db: Database, world: World) -> tuple[str, int]:
    """A request for five school days' leave from 2 March 2026, under review."""
    pupil = world.pupil()
    summary = cases.open_case(
        db,
        upn=pupil,
        kind="leave_request",
        who=as_user(db, AO),
        today=d("2026-02-02"),
        details={
            "applicant": MOTHER,
            "start": "2026-03-02",
            "end": "2026-03-06",
            "requested_on": "2026-02-02",
        },
    )
    fire(db, summary.id, "review", AO, "2026-02-03")
    return pupil, summary.id
