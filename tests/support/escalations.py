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
from tests.support.world import AO, FATHER, GRANDMOTHER, HEAD, MOTHER, World

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


def notice_to_improve_issued(db: Database, world: World) -> tuple[str, int]:
    """A concern referred to the LA whose attendance contract was offered and not taken up,
    then a notice to improve issued on 2 February 2026 with SLT's approval, for the week of
    unauthorised absence from 12 January (10 sessions)."""
    pupil, cid = referred_to_la(db, world)
    evidence(db, cid, "support_offered", AO, "2026-02-02", support="attendance_contract",
             accepted="N")  # fmt: skip
    evidence(db, cid, "slt_approval", HEAD, "2026-02-02", decision="approved",
             step="issue_notice_to_improve")  # fmt: skip
    fire(db, cid, "issue_notice_to_improve", AO, "2026-02-02")
    return pupil, cid


def penalty_requested_after_notice(db: Database, world: World) -> tuple[str, int]:
    """The notice to improve above, its period over (present every day of it) with SLT's
    judgement that it was not enough, and a penalty notice requested on 13 March 2026."""
    pupil, cid = notice_to_improve_issued(db, world)
    world.marks(pupil, d("2026-02-02"), d("2026-03-13"))
    evidence(db, cid, "improvement_judgement", HEAD, "2026-03-13", improvement="not_sufficient",
             reason="still missing Mondays")  # fmt: skip
    evidence(db, cid, "slt_approval", HEAD, "2026-03-13", decision="approved",
             step="request_penalty_notice")  # fmt: skip
    fire(db, cid, "request_penalty_notice", AO, "2026-03-13")
    return pupil, cid


def leave_decided(db: Database, world: World, trigger: str, **params: object) -> tuple[str, int]:
    """The request for leave from 2 to 6 March 2026, decided by the head on 4 February with
    `trigger` (grant, grant_in_part or decline) and its `params`."""
    pupil, lid = leave_under_review(db, world)
    fire(db, lid, trigger, HEAD, "2026-02-04", **params)
    return pupil, lid


def missing_education_referred(db: Database, world: World) -> tuple[str, int]:
    """A pupil absent without a reason (N) from Monday 2 February 2026, every contact phoned,
    a home visit and a welfare check on the 9th, an enquiry with a sibling's school, and the
    LA told on Tuesday 10 February. Returns (UPN, the missing education case)."""
    pupil = world.pupil()
    absent = {day: "N" for day in world.calendar.school_days(d("2026-02-02"), d("2026-02-13"))}
    world.marks(pupil, d("2025-09-03"), d("2026-02-13"), absent)
    mid = cases.open_case(
        db,
        upn=pupil,
        kind="missing_education",
        who=as_user(db, AO),
        today=d("2026-02-09"),
        details={"first_absent_on": "2026-02-02"},
    ).id
    for name in (MOTHER, FATHER, GRANDMOTHER):
        evidence(db, mid, "contact_attempt", AO, "2026-02-09", channel="phone", contact=name,
                 outcome="no_answer")  # fmt: skip
    fire(db, mid, "start_enquiries", AO, "2026-02-09")
    evidence(db, mid, "home_visit", AO, "2026-02-09", outcome="no_answer",
             summary="curtains drawn, post on the mat")  # fmt: skip
    evidence(db, mid, "welfare_check", AO, "2026-02-09", requested_on="2026-02-09")
    evidence(db, mid, "enquiry", AO, "2026-02-10", outcome="not known there",
             **{"with": "sibling_school"})  # fmt: skip
    fire(db, mid, "refer_to_la", AO, "2026-02-10")
    return pupil, mid
