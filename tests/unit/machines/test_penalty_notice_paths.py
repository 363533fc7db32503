"""A penalty notice walked end to end (DOMAIN.md section 4, enforcement), with no database.

Payment periods run in calendar days from the day the notice is served: handed over on Tue
14 Apr 2026, the reduced amount is due by 14 Apr + 21 days = Tue 5 May 2026 and the final date
is 14 Apr + 28 days = Tue 12 May 2026. Posted first class, a notice is served on the second
working day after posting (Monday to Friday less bank holidays; school holidays count).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from casework.machines.lifecycle import (
    BlockedError,
    NotPermittedError,
    RelatedFacts,
    UnknownTriggerError,
)
from casework.machines.penalty_notice import amounts
from casework.machines.roles import Role
from tests.support.facts import GRANDAD, MUM, PUPIL, Case, la, liability, notices, payment

HEAD = Role.SENIOR_LEADER
LA_OFFICER = Role.LA_OFFICER
SYSTEM = Role.SYSTEM
KIND = "penalty_notice"
PARENT = {"parent": "Dana Shaw", "holiday": False}


def issued(related: RelatedFacts | None = None) -> Case:
    """A notice requested on Fri 27 Mar 2026, approved Mon 30 Mar, issued and handed to the
    parent on Tue 14 Apr 2026."""
    case = Case(KIND, "2026-03-27", details=dict(PARENT), related=related or RelatedFacts())
    assert case.state == "requested"
    case.fire("approve", LA_OFFICER, "2026-03-30")
    assert case.state == "approved"
    case.add(liability("2026-04-13"))
    fired = case.fire("issue", LA_OFFICER, "2026-04-14")
    assert case.state == "issued"
    assert case.details["issued_on"] == "2026-04-14"
    # Issued is not served: no payment period runs yet.
    assert fired.deadlines == ()
    fired = case.fire(
        "record_service", LA_OFFICER, "2026-04-14", service="hand", sent_on="2026-04-14"
    )
    assert case.state == "served"
    assert case.details["served_on"] == "2026-04-14"
    schedule = {rule.name: (when, rule.fires) for rule, when in fired.scheduled}
    if case.details["reduced_amount"] == case.details["full_amount"]:
        return case
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
    case.add(liability("2026-04-14"))
    case.related = notices(("2024-09-16", "paid_full"), ("2026-04-01", "issued"))
    with pytest.raises(BlockedError) as info:
        case.fire("issue", LA_OFFICER, "2026-04-14")
    assert info.value.reasons == [
        "this parent already had 2 penalty notices for this child since 14 April 2023: "
        "no further notice within 3 years; use another route"
    ]


def test_the_parent_named_must_be_a_parent_of_the_child_on_record() -> None:
    case = Case(KIND, "2026-03-27", details={"parent": "Len Shaw"})
    assert case.refused("approve", LA_OFFICER, "2026-03-30") == [
        "Len Shaw is not a parent of the child on record (no parental responsibility, and the "
        "child does not live with them)"
    ]
    case.details = {}
    assert case.refused("approve", LA_OFFICER, "2026-03-30") == ["no parent named on the notice"]


# -- liability (issue 8, item 11): the LA decides which parents are liable ---------------------


def test_a_carer_without_parental_responsibility_is_a_parent_the_la_may_find_liable() -> None:
    carer = replace(GRANDAD, lives_with_pupil=True)  # the child lives with the grandfather
    case = Case(KIND, "2026-03-27", details={"parent": carer.name},
                pupil=replace(PUPIL, contacts=(MUM, carer)))  # fmt: skip
    case.fire("approve", HEAD, "2026-03-30")
    # The head issues only once the LA has found the parent liable; the LA issuing is its
    # own decision that they are.
    assert case.refused("issue", HEAD, "2026-04-14") == [
        "needs the LA's decision whether this parent is liable"
    ]
    case.add(liability("2026-04-14"))
    case.fire("issue", HEAD, "2026-04-14")
    assert case.state == "issued"


def test_the_la_issuing_a_notice_is_its_decision_that_the_parent_is_liable() -> None:
    case = Case(KIND, "2026-03-27", details=dict(PARENT))
    case.fire("approve", HEAD, "2026-03-30")
    case.fire("issue", LA_OFFICER, "2026-04-14")
    assert case.state == "issued"


@pytest.mark.parametrize("at", ["requested", "approved"])
def test_a_parent_the_la_finds_not_liable_gets_no_notice(at: str) -> None:
    case = Case(KIND, "2026-03-27", state=at, details=dict(PARENT))
    assert case.refused("record_not_liable", LA_OFFICER, "2026-04-14") == [
        "needs the LA's decision that this parent is not liable"
    ]
    case.add(liability("2026-04-14", "N"))
    if at == "approved":
        assert case.refused("issue", LA_OFFICER, "2026-04-14") == [
            "the LA found this parent not liable on 14 April 2026"
        ]
    case.fire("record_not_liable", LA_OFFICER, "2026-04-14")
    assert case.state == "not_liable"
    assert case.lifecycle.is_final("not_liable")


def test_only_the_la_decides_liability() -> None:
    case = Case(KIND, "2026-03-27", details=dict(PARENT))
    case.add(liability("2026-04-14", "N"))
    case.refused("record_not_liable", HEAD, "2026-04-14", error=NotPermittedError)


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


# -- service and the payment periods (issue 8, item 5) ---------------------------------------


def approved_and_issued(on: str) -> Case:
    case = Case(KIND, "2026-03-27", state="approved", details=dict(PARENT))
    case.add(liability("2026-03-27"))
    case.fire("issue", LA_OFFICER, on)
    return case


@pytest.mark.parametrize(
    ("posted", "served", "reduced_by", "final"),
    [
        # Posted Fri 17 Apr 2026: Mon 20 is the first working day after, Tue 21 the second.
        ("2026-04-17", date(2026, 4, 21), date(2026, 5, 12), date(2026, 5, 19)),
        # Posted Fri 1 May 2026: Mon 4 May is a bank holiday, so Tue 5 then Wed 6 May.
        ("2026-05-01", date(2026, 5, 6), date(2026, 5, 27), date(2026, 6, 3)),
        # Posted Thu 2 Apr 2026 in the Easter holidays: Good Friday and Easter Monday are not
        # working days (Tue 7, Wed 8 Apr are, school or not).
        ("2026-04-02", date(2026, 4, 8), date(2026, 4, 29), date(2026, 5, 6)),
        # Posted Fri 27 Mar 2026, the last day of term: Mon 30 and Tue 31 Mar are working days
        # in the school holidays, and count.
        ("2026-03-27", date(2026, 3, 31), date(2026, 4, 21), date(2026, 4, 28)),
    ],
)
def test_a_posted_notice_is_served_on_the_second_working_day_after_posting(
    posted: str, served: date, reduced_by: date, final: date
) -> None:
    case = approved_and_issued("2026-03-27")
    fired = case.fire("record_service", LA_OFFICER, posted, service="post", sent_on=posted)
    assert case.details["served_on"] == served.isoformat()
    assert (case.details["service"], case.details["sent_on"]) == ("post", posted)
    # The 21 and 28 days run from service, not from issue or posting.
    assert {rule.name: when for rule, when in fired.scheduled} == {
        "payment_reduced": reduced_by,
        "payment_final": final,
    }


def test_a_notice_handed_over_is_served_that_day() -> None:
    case = approved_and_issued("2026-04-14")
    fired = case.fire(
        "record_service", LA_OFFICER, "2026-04-20", service="hand", sent_on="2026-04-16"
    )
    assert case.details["served_on"] == "2026-04-16"
    assert {rule.name: when for rule, when in fired.scheduled} == {
        "payment_reduced": date(2026, 5, 7),
        "payment_final": date(2026, 5, 14),
    }


def test_service_needs_its_method_and_a_day_between_issue_and_today() -> None:
    case = approved_and_issued("2026-04-14")
    assert case.refused("record_service", LA_OFFICER, "2026-04-20") == [
        "needs service",
        "needs sent on",
    ]
    assert case.refused(
        "record_service", LA_OFFICER, "2026-04-20", service="pigeon", sent_on="2026-04-15"
    ) == ["service must be one of hand, post, not 'pigeon'"]
    assert case.refused(
        "record_service", LA_OFFICER, "2026-04-20", service="post", sent_on="2026-04-13"
    ) == ["sent on 13 April 2026, before the notice was issued on 14 April 2026"]
    assert case.refused(
        "record_service", LA_OFFICER, "2026-04-20", service="post", sent_on="2026-04-21"
    ) == ["sent on 21 April 2026, which is after today"]


def test_a_notice_not_yet_served_cannot_expire_but_a_payment_counts_from_issue() -> None:
    case = approved_and_issued("2026-04-14")
    case.refused("expire", SYSTEM, "2026-06-01", error=UnknownTriggerError)
    # Paid before anyone recorded the service: within 21 days of issue is within 21 of service.
    case.add(payment("2026-04-20", 80))
    case.fire("record_payment", LA_OFFICER, "2026-04-20")
    assert case.state == "paid_reduced"


def test_the_final_date_counts_from_service_not_from_issue() -> None:
    case = approved_and_issued("2026-04-14")
    case.fire("record_service", LA_OFFICER, "2026-04-17", service="post", sent_on="2026-04-17")
    # 28 days from issue (12 May) have passed, but not 28 days from service (19 May).
    assert case.refused("expire", SYSTEM, "2026-05-13") == ["payment is due by 19 May 2026"]
    case.add(payment("2026-05-12", 80))
    case.fire("record_payment", LA_OFFICER, "2026-05-13")
    assert case.state == "paid_reduced"


@pytest.mark.parametrize(
    ("paid_on", "amount", "state"),
    [("2026-05-05", 80, "paid_reduced"), ("2026-05-12", 160, "paid_full")],
)
def test_a_payment_recorded_after_unpaid_but_made_in_time_puts_it_right(
    paid_on: str, amount: int, state: str
) -> None:
    case = issued()
    case.fire("expire", SYSTEM, "2026-05-13")
    assert case.state == "unpaid"
    # Recorded a week late, dated within its period.
    case.add(payment(paid_on, amount))
    case.fire("record_payment", LA_OFFICER, "2026-05-20")
    assert case.state == state
    assert case.lifecycle.is_final(state)


def test_a_payment_made_after_the_final_date_leaves_the_notice_unpaid() -> None:
    case = issued()
    case.fire("expire", SYSTEM, "2026-05-13")
    case.add(payment("2026-05-13", 160))
    assert case.refused("record_payment", LA_OFFICER, "2026-05-20") == [
        "paid on 13 May 2026, after the reduced-payment date 5 May 2026",
        "paid on 13 May 2026, after the final date 12 May 2026",
    ]


def test_a_repeat_notice_is_served_with_no_reduced_payment_date() -> None:
    case = Case(
        KIND, "2026-03-27", state="approved", details=dict(PARENT),
        related=notices(("2024-09-16", "paid_full")),
    )  # fmt: skip
    case.add(liability("2026-04-14"))
    case.fire("issue", LA_OFFICER, "2026-04-14")
    fired = case.fire(
        "record_service", LA_OFFICER, "2026-04-14", service="hand", sent_on="2026-04-14"
    )
    assert {rule.name for rule, _when in fired.scheduled} == {"payment_final"}


# -- which notices count towards the 2-in-3-years limit (issue 8, item 5) --------------------


@pytest.mark.parametrize(
    "earlier",
    [
        ("2024-08-16", "paid_full"),  # issued the Friday before the 2024 framework
        ("2024-09-16", "withdrawn"),
    ],
)
def test_a_notice_before_19_august_2024_or_withdrawn_is_no_repeat(
    earlier: tuple[str, str],
) -> None:
    case = issued(related=notices(earlier))
    assert amounts(case.facts("2026-04-14")) == (80.0, 160.0)


def test_a_notice_from_19_august_2024_counts() -> None:
    case = issued(related=notices(("2024-08-19", "paid_full")))
    assert amounts(case.facts("2026-04-14")) == (160.0, 160.0)


def test_older_or_withdrawn_notices_do_not_bar_a_third() -> None:
    prior = notices(
        ("2024-08-16", "paid_full"), ("2024-09-16", "withdrawn"), ("2025-06-02", "paid_full")
    )
    case = Case(KIND, "2026-03-27", details=dict(PARENT), related=prior)
    case.fire("approve", HEAD, "2026-03-30")
    assert case.state == "approved"


def test_of_twin_steps_the_one_that_applies_is_offered_alone() -> None:
    case = approved_and_issued("2026-04-14")
    case.fire("record_service", LA_OFFICER, "2026-04-14", service="hand", sent_on="2026-04-14")

    def payments(today: str) -> list[tuple[str, bool]]:
        steps = case.lifecycle.next_steps(case.facts(today), Role.LA_OFFICER)
        return [(s.dest, s.allowed) for s in steps if s.trigger == "record_payment"]

    # No payment yet: both ways to record one are shown, each with why it cannot be taken.
    assert payments("2026-04-20") == [("paid_reduced", False), ("paid_full", False)]
    # £80 paid in time: only the reduced payment applies, so only it is offered.
    case.add(payment("2026-04-20", 80))
    assert payments("2026-04-20") == [("paid_reduced", True)]
