"""A penalty notice walked end to end (DOMAIN.md section 4, enforcement), with no database.

Payment periods run in calendar days from the day the notice is issued: issued Tue 14 Apr 2026,
the reduced amount is due by 14 Apr + 21 days = Tue 5 May 2026 and the final date is
14 Apr + 28 days = Tue 12 May 2026.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from casework.machines.lifecycle import BlockedError, NotPermittedError, RelatedFacts
from casework.machines.penalty_notice import amounts
from casework.machines.roles import Role
from tests.support.facts import PUPIL, Case, la, notices, payment

HEAD = Role.SENIOR_LEADER
LA_OFFICER = Role.LA_OFFICER
SYSTEM = Role.SYSTEM
KIND = "penalty_notice"
PARENT = {"parent": "Dana Shaw", "holiday": False}


def issued(related: RelatedFacts | None = None) -> Case:
    """A notice requested on Fri 27 Mar 2026, approved Mon 30 Mar, issued Tue 14 Apr 2026."""
    case = Case(KIND, "2026-03-27", details=dict(PARENT), related=related or RelatedFacts())
    assert case.state == "requested"
    case.fire("approve", LA_OFFICER, "2026-03-30")
    assert case.state == "approved"
    fired = case.fire("issue", LA_OFFICER, "2026-04-14")
    assert case.state == "issued"
    assert case.details["issued_on"] == "2026-04-14"
    schedule = {rule.name: (when, rule.fires) for rule, when in fired.deadlines}
    # 14 Apr + 21 days = 5 May; 14 Apr + 28 days = 12 May, when the sweep fires "expire".
    assert schedule == {
        "payment_reduced": (date(2026, 5, 5), None),
        "payment_final": (date(2026, 5, 12), "expire"),
    }
    return case


def test_paid_at_the_reduced_amount_within_21_days() -> None:
    case = issued()
    assert case.refused("record_payment", LA_OFFICER, "2026-05-05") == [
        "no payment recorded",
        "no payment recorded",
    ]
    case.add(payment("2026-05-05", 80))
    case.fire("record_payment", LA_OFFICER, "2026-05-05")
    assert case.state == "paid_reduced"
    assert case.lifecycle.is_final("paid_reduced")


def test_paid_at_the_reduced_amount_a_day_late_is_not_enough() -> None:
    case = issued()
    case.add(payment("2026-05-06", 80))
    assert case.refused("record_payment", LA_OFFICER, "2026-05-06") == [
        "paid on 6 May 2026, after the reduced-payment date 5 May 2026",
        "paid £80.00, less than £160.00",
    ]


def test_paid_in_full_within_28_days() -> None:
    case = issued()
    case.add(payment("2026-05-12", 160))
    case.fire("record_payment", LA_OFFICER, "2026-05-12")
    assert case.state == "paid_full"


def test_paid_in_full_after_the_final_date_is_refused() -> None:
    case = issued()
    case.add(payment("2026-05-13", 160))
    assert case.refused("record_payment", LA_OFFICER, "2026-05-13") == [
        "paid on 13 May 2026, after the reduced-payment date 5 May 2026",
        "paid on 13 May 2026, after the final date 12 May 2026",
    ]


def test_unpaid_after_28_days_then_prosecution() -> None:
    case = issued()
    assert case.refused("expire", SYSTEM, "2026-05-12") == ["payment is due by 12 May 2026"]
    case.fire("expire", SYSTEM, "2026-05-13")
    assert case.state == "unpaid"
    assert not case.lifecycle.is_final("unpaid")
    assert case.refused("prosecute", LA_OFFICER, "2026-05-20") == [
        "needs the local authority's decision: prosecute",
        "the attendance concern has not been referred for prosecution",
    ]
    case.add(la("2026-05-20", "prosecute"))
    # The ESO consideration, the pack and the time limit are checked on the concern.
    case.related = RelatedFacts(case_states=(("attendance_concern", "prosecution"),))
    case.fire("prosecute", LA_OFFICER, "2026-05-20")
    assert case.state == "prosecution"
    assert case.lifecycle.replay(case.moves) == "prosecution"


def test_unpaid_then_withdrawn() -> None:
    case = issued()
    case.fire("expire", LA_OFFICER, "2026-05-13")
    assert case.refused("withdraw", LA_OFFICER, "2026-05-20", note="hardship") == [
        "needs the local authority's decision: withdraw"
    ]
    case.add(la("2026-05-20", "withdraw"))
    case.fire("withdraw", LA_OFFICER, "2026-05-20", note="hardship")
    assert case.state == "withdrawn"


@pytest.mark.parametrize("at", ["approved", "issued"])
def test_withdrawn_before_payment_falls_due(at: str) -> None:
    case = Case(KIND, "2026-03-27", state=at, details={**PARENT, "issued_on": "2026-04-14"})
    case.add(la("2026-04-20", "withdraw"))
    assert case.refused("withdraw", LA_OFFICER, "2026-04-20") == ["needs note"]
    case.fire("withdraw", LA_OFFICER, "2026-04-20", note="wrong parent address")
    assert case.state == "withdrawn"


def test_a_notice_paid_in_time_does_not_expire() -> None:
    case = issued()
    case.add(payment("2026-05-05", 80))
    assert case.refused("expire", SYSTEM, "2026-05-13") == ["the notice was paid"]


def test_only_the_la_or_the_sweep_marks_a_notice_unpaid() -> None:
    case = issued()
    case.refused("expire", HEAD, "2026-05-13", error=NotPermittedError)


def test_refused_by_the_la() -> None:
    case = Case(KIND, "2026-03-27", details=dict(PARENT))
    assert case.refused("refuse", LA_OFFICER, "2026-03-30") == ["needs note"]
    case.fire("refuse", LA_OFFICER, "2026-03-30", note="support not yet tried")
    assert case.state == "refused"
    assert case.lifecycle.is_final("refused")


def test_a_second_notice_within_three_years_is_160_flat() -> None:
    case = issued(related=notices(("2024-09-16", "paid_full")))
    assert amounts(case.facts("2026-04-14")) == (160.0, 160.0)
    case.add(payment("2026-04-20", 80))
    assert case.refused("record_payment", LA_OFFICER, "2026-04-20") == [
        "a repeat notice has no reduced amount",
        "paid £80.00, less than £160.00",
    ]
    case.add(payment("2026-04-21", 160))
    case.fire("record_payment", LA_OFFICER, "2026-04-21")
    assert case.state == "paid_full"


@pytest.mark.parametrize(
    "earlier",
    [
        ("2023-04-13", "paid_full"),  # 3 years and a day before Tue 14 Apr 2026: too old
        ("2025-06-02", "withdrawn"),
        ("2025-06-02", "refused"),
    ],
)
def test_old_withdrawn_or_refused_notices_do_not_make_a_repeat(earlier: tuple[str, str]) -> None:
    case = issued(related=notices(earlier))
    assert amounts(case.facts("2026-04-14")) == (80.0, 160.0)
    case.add(payment("2026-05-05", 80))
    case.fire("record_payment", LA_OFFICER, "2026-05-05")
    assert case.state == "paid_reduced"


def test_a_third_notice_within_three_years_is_barred() -> None:
    prior = notices(("2024-09-16", "paid_full"), ("2025-06-02", "unpaid"))
    case = Case(KIND, "2026-03-27", details=dict(PARENT), related=prior)
    reason = (
        "this parent already had 2 penalty notices for this child since 30 March 2023: "
        "no further notice within 3 years; use another route"
    )
    assert case.refused("approve", LA_OFFICER, "2026-03-30") == [reason]
    # On Fri 17 Sep 2027, three years and a day after the first notice, only one counts.
    case.fire("approve", LA_OFFICER, "2027-09-17")
    assert case.state == "approved"


def test_the_bar_is_checked_again_when_the_notice_is_issued() -> None:
    case = Case(KIND, "2026-03-27", state="approved", details=dict(PARENT))
    case.related = notices(("2024-09-16", "paid_full"), ("2026-04-01", "issued"))
    with pytest.raises(BlockedError) as info:
        case.fire("issue", LA_OFFICER, "2026-04-14")
    assert info.value.reasons == [
        "this parent already had 2 penalty notices for this child since 14 April 2023: "
        "no further notice within 3 years; use another route"
    ]


def test_the_parent_named_must_have_parental_responsibility() -> None:
    case = Case(KIND, "2026-03-27", details={"parent": "Len Shaw"})
    assert case.refused("approve", LA_OFFICER, "2026-03-30") == [
        "Len Shaw does not have parental responsibility on record"
    ]
    case.details = {}
    assert case.refused("approve", LA_OFFICER, "2026-03-30") == ["no parent named on the notice"]


def test_a_notice_for_a_child_past_compulsory_school_age_is_not_approved_or_issued() -> None:
    # Sixteen in March 2025: compulsory school age ended on 27 June 2025.
    older = replace(PUPIL, date_of_birth=date(2009, 3, 1))
    case = Case(KIND, "2026-03-27", details=dict(PARENT), pupil=older)
    with pytest.raises(BlockedError) as caught:
        case.fire("approve", LA_OFFICER, "2026-03-30")
    assert caught.value.reasons == [
        "past compulsory school age since 27 June 2025: enforcement does not apply"
    ]
    assert case.state == "requested"
