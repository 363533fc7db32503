"""Penalty notice dates through the services (issue 8, item 5): the 21 and 28 days run from
service; a late-recorded payment made in time puts an unpaid notice right; only notices from
19 August 2024 and not withdrawn count towards the 2-in-3-years limit; the third-notice bar is
checked when the concern asks."""

from __future__ import annotations

import pytest

from casework.machines.lifecycle import BlockedError
from casework.services import cases
from casework.services.daily_sweep import daily_sweep
from casework.store.database import Database
from tests.support.actions import as_user, blocked, evidence, fire
from tests.support.dates import d
from tests.support.penalties import (
    holiday_taken,
    la_finds_liable,
    request_for_holiday,
    slt_finds_no_notice_to_improve_appropriate,
)
from tests.support.rows import case_row, cases_of, open_deadlines
from tests.support.world import AO, FATHER, GRANDMOTHER, HEAD, LA, MOTHER, World


def _issued_notice(db: Database, world: World, issued: str = "2026-03-25") -> int:
    """A holiday in March, a notice to the mother approved and issued on `issued`."""
    pupil = world.pupil(contacts=[(MOTHER, "Mother", True)])
    cid = holiday_taken(db, world, pupil, "2026-03-16", "2026-03-20", "2026-03-23")
    (notice,) = (c.id for c in request_for_holiday(db, cid, "2026-03-23").opened)
    fire(db, notice, "approve", HEAD, "2026-03-24")
    la_finds_liable(db, notice, "2026-03-24")
    fire(db, notice, "issue", LA, issued)
    return notice


def test_a_notice_posted_on_a_friday_is_served_the_following_tuesday(
    db: Database, world: World
) -> None:
    notice = _issued_notice(db, world, "2026-04-17")
    assert open_deadlines(db, notice) == {}  # issued, not yet served
    fire(db, notice, "record_service", LA, "2026-04-17", service="post", sent_on="2026-04-17")
    row = case_row(db, notice)
    assert (row["state"], row["details"]["served_on"]) == ("served", "2026-04-21")
    # Tue 21 April + 21 days = Tue 12 May; + 28 days = Tue 19 May.
    assert open_deadlines(db, notice) == {
        "payment_reduced": d("2026-05-12"),
        "payment_final": d("2026-05-19"),
    }
    # The deadlines show on the case.
    shown = cases.show_case(db, case_id=notice, who=as_user(db, LA), today=d("2026-04-17"))
    assert {(x.label, x.due_on) for x in shown.deadlines if x.status == "open"} == {
        ("reduced payment due", d("2026-05-12")),
        ("final payment date", d("2026-05-19")),
    }


def test_a_bank_holiday_moves_service_on_a_day(db: Database, world: World) -> None:
    notice = _issued_notice(db, world, "2026-05-01")
    fire(db, notice, "record_service", LA, "2026-05-01", service="post", sent_on="2026-05-01")
    # Mon 4 May 2026 is the early May bank holiday: Tue 5th, then Wed 6th.
    assert case_row(db, notice)["details"]["served_on"] == "2026-05-06"
    assert open_deadlines(db, notice) == {
        "payment_reduced": d("2026-05-27"),
        "payment_final": d("2026-06-03"),
    }


def test_a_notice_handed_over_is_served_that_day(db: Database, world: World) -> None:
    notice = _issued_notice(db, world)
    fire(db, notice, "record_service", HEAD, "2026-03-26", service="hand", sent_on="2026-03-26")
    assert case_row(db, notice)["details"]["served_on"] == "2026-03-26"
    assert open_deadlines(db, notice)["payment_final"] == d("2026-04-23")


def test_service_refused_with_a_bad_method_or_date(db: Database, world: World) -> None:
    notice = _issued_notice(db, world)
    by_fax = blocked(db, notice, "record_service", LA, "2026-03-26", service="fax",
                     sent_on="2026-03-26")  # fmt: skip
    assert by_fax == ["service must be one of hand, post, not 'fax'"]
    too_early = blocked(db, notice, "record_service", LA, "2026-03-26", service="post",
                        sent_on="2026-03-24")  # fmt: skip
    assert too_early == ["sent on 24 March 2026, before the notice was issued on 25 March 2026"]
    with pytest.raises(cases.CaseError, match="sent_on 'Friday' is not a date"):
        fire(db, notice, "record_service", LA, "2026-03-26", service="post", sent_on="Friday")


@pytest.mark.parametrize(("paid_on", "amount", "state"), [
    ("2026-04-16", "80", "paid_reduced"), ("2026-04-23", "160", "paid_full"),
])  # fmt: skip
def test_a_payment_recorded_after_the_notice_went_unpaid_but_made_in_time_puts_it_right(
    db: Database, world: World, paid_on: str, amount: str, state: str
) -> None:
    notice = _issued_notice(db, world)
    fire(db, notice, "record_service", LA, "2026-03-26", service="hand", sent_on="2026-03-26")
    # Final date Thu 23 April; the sweep the day after marks the notice unpaid.
    swept = daily_sweep(db, d("2026-04-24"))
    assert {"case": notice, "trigger": "expire", "from": "served", "to": "unpaid"} in (
        swept.transitions_fired
    )
    # The LA learns a week later of a payment made in time.
    evidence(db, notice, "payment", LA, "2026-05-01", amount=amount, paid_on=paid_on)
    fire(db, notice, "record_payment", LA, "2026-05-01")
    row = case_row(db, notice)
    assert (row["state"], row["closed_on"]) == (state, d("2026-05-01"))


def test_a_payment_made_late_leaves_the_notice_unpaid(db: Database, world: World) -> None:
    notice = _issued_notice(db, world)
    fire(db, notice, "record_service", LA, "2026-03-26", service="hand", sent_on="2026-03-26")
    daily_sweep(db, d("2026-04-24"))
    evidence(db, notice, "payment", LA, "2026-05-01", amount="160", paid_on="2026-04-24")
    assert blocked(db, notice, "record_payment", LA, "2026-05-01") == [
        "paid on 24 April 2026, after the reduced-payment date 16 April 2026",
        "paid on 24 April 2026, after the final date 23 April 2026",
    ]
    assert case_row(db, notice)["state"] == "unpaid"


# -- the 2-in-3-years limit -----------------------------------------------------------------


def _mothers_notice(db: Database, cid: int, today: str, issued: str | None = None) -> int:
    """The request on the holiday concern; the mother's notice approved and issued (on
    `issued`, a day from the LA's records, when given)."""
    opened = request_for_holiday(db, cid, today).opened
    (notice,) = (c.id for c in opened if case_row(db, c.id)["details"]["parent"] == MOTHER)
    fire(db, notice, "approve", HEAD, issued or today)
    la_finds_liable(db, notice, issued or today)
    fire(db, notice, "issue", LA, issued or today)
    return notice


@pytest.mark.parametrize(("first_issued", "repeat"), [
    ("2024-08-16", False),  # the Friday before the 2024 framework: it never counts
    ("2024-08-19", True),  # the framework's first day: it counts
])  # fmt: skip
def test_only_notices_from_19_august_2024_and_not_withdrawn_count(
    db: Database, world: World, first_issued: str, repeat: bool
) -> None:
    pupil = world.pupil(contacts=[(MOTHER, "Mother", True)])
    # A first notice, replayed from the LA's records with the day it was issued.
    first = holiday_taken(db, world, pupil, "2025-09-22", "2025-09-26", "2025-09-29")
    _mothers_notice(db, first, "2025-09-29", issued=first_issued)
    fire(db, first, "close", AO, "2025-10-06", outcome="other", note="notice issued")
    # A second, withdrawn by the LA.
    second = holiday_taken(db, world, pupil, "2025-11-03", "2025-11-07", "2025-11-10")
    withdrawn = _mothers_notice(db, second, "2025-11-10")
    evidence(db, withdrawn, "la_decision", LA, "2025-11-12", decision="withdraw")
    fire(db, withdrawn, "withdraw", LA, "2025-11-12", note="served at the wrong address")
    fire(db, second, "close", AO, "2025-11-17", outcome="other", note="notice withdrawn")
    # A third holiday: neither earlier notice bars it, and at most one makes it a repeat.
    third = holiday_taken(db, world, pupil, "2026-01-12", "2026-01-16", "2026-01-19")
    notice = _mothers_notice(db, third, "2026-01-19")
    details = case_row(db, notice)["details"]
    expected = (160.0, 160.0) if repeat else (80.0, 160.0)
    assert (details["reduced_amount"], details["full_amount"]) == expected


def test_the_third_notice_bar_refuses_at_the_concern_for_the_barred_parent_only(
    db: Database, world: World
) -> None:
    pupil = world.pupil()  # mother and father both have parental responsibility
    for start, end, today, close in (
        ("2025-09-22", "2025-09-26", "2025-09-29", "2025-10-06"),
        ("2025-11-03", "2025-11-07", "2025-11-10", "2025-11-17"),
    ):
        cid = holiday_taken(db, world, pupil, start, end, today)
        opened = request_for_holiday(db, cid, today).opened
        for notice in opened:
            parent = case_row(db, notice.id)["details"]["parent"]
            if parent == MOTHER:  # only the mother's notices are issued
                fire(db, notice.id, "approve", HEAD, today)
                la_finds_liable(db, notice.id, today)
                fire(db, notice.id, "issue", LA, today)
            else:
                la_finds_liable(db, notice.id, today, liable="N")
                fire(db, notice.id, "record_not_liable", LA, today)
        fire(db, cid, "close", AO, close, outcome="other", note="notices decided")
    third = holiday_taken(db, world, pupil, "2026-01-12", "2026-01-16", "2026-01-19")
    before = len(cases_of(db, pupil, "penalty_notice"))
    outcome = request_for_holiday(db, third, "2026-01-19")
    # The mother is barred from a third notice within 3 years: the father's opens, and the
    # grandmother's (the pupil lives with her), for the LA to decide their liability.
    assert [case_row(db, c.id)["details"]["parent"] for c in outcome.opened] == [
        FATHER,
        GRANDMOTHER,
    ]
    assert len(cases_of(db, pupil, "penalty_notice")) == before + 2


def test_the_third_notice_bar_refuses_the_request_when_every_parent_is_barred(
    db: Database, world: World
) -> None:
    pupil = world.pupil(contacts=[(MOTHER, "Mother", True)])
    for start, end, today, close in (
        ("2025-09-22", "2025-09-26", "2025-09-29", "2025-10-06"),
        ("2025-11-03", "2025-11-07", "2025-11-10", "2025-11-17"),
    ):
        cid = holiday_taken(db, world, pupil, start, end, today)
        _mothers_notice(db, cid, today)
        fire(db, cid, "close", AO, close, outcome="other", note="notice issued")
    third = holiday_taken(db, world, pupil, "2026-01-12", "2026-01-16", "2026-01-19")
    slt_finds_no_notice_to_improve_appropriate(db, third, "2026-01-19")
    with pytest.raises(BlockedError) as caught:
        fire(db, third, "request_penalty_notice", AO, "2026-01-19")
    assert caught.value.reasons == [
        f"{MOTHER} already had 2 penalty notices for this child within 3 years: a third is "
        "barred; use another route"
    ]
    assert len(cases_of(db, pupil, "penalty_notice")) == 2
