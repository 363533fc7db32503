"""Copnor's D&V discretion (issue 8, item 13): one period of up to 3 school days of diarrhoea
and vomiting a pupil, authorised without medical evidence, for a family already asked for it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from casework.machines.evidence import EvidenceError, evidence_kind
from casework.machines.lifecycle import CaseFacts, EvidenceItem
from casework.policy.loader import load_policy
from tests.support.facts import evidence, facts, letter

COPNOR = load_policy("copnor")
ASKED = letter("2025-10-20", "medical_evidence_request")
KIND = evidence_kind("dv_absence")


def copnor_case(*items: EvidenceItem) -> CaseFacts:
    return replace(facts("attendance_concern", "monitoring", "2025-11-14", evidence=items),
                   policy=COPNOR)  # fmt: skip


def check(case: CaseFacts, **details: Any) -> None:
    assert KIND.check_on_case is not None
    KIND.check_on_case(KIND.parse(details), case)


def refused(case: CaseFacts, **details: Any) -> tuple[str, str | None]:
    with pytest.raises(EvidenceError) as error:
        check(case, **details)
    return str(error.value), error.value.field


def test_the_policy_holds_the_numbers() -> None:
    assert COPNOR.section("dv_discretion")["periods_per_pupil"] == 1
    assert COPNOR.section("dv_discretion")["max_school_days"] == 3


def test_three_school_days_of_dv_are_accepted_for_a_family_asked_for_evidence() -> None:
    check(copnor_case(ASKED), first_day="2025-11-10", last_day="2025-11-12")


def test_three_school_days_across_a_weekend_are_three() -> None:
    check(copnor_case(ASKED), first_day="2025-11-13", last_day="2025-11-17")  # Thu, Fri, Mon


def test_a_fourth_school_day_is_beyond_the_discretion() -> None:
    assert refused(copnor_case(ASKED), first_day="2025-11-10", last_day="2025-11-13") == (
        "a D&V period authorised without evidence is at most 3 school days; "
        "2025-11-10 to 2025-11-13 is 4",
        "last_day",
    )


def test_a_second_period_for_the_same_pupil_is_refused() -> None:
    first = evidence("dv_absence", "2025-10-22", first_day="2025-10-21", last_day="2025-10-22")
    message, field = refused(copnor_case(ASKED, first), first_day="2025-11-10",
                             last_day="2025-11-11")  # fmt: skip
    assert message == (
        "this pupil has had the 1 D&V period(s) the school authorises without evidence "
        "(from 2025-10-21)"
    )
    assert field == "first_day"


def test_without_a_letter_asking_for_evidence_the_discretion_does_not_apply() -> None:
    message, _field = refused(copnor_case(), first_day="2025-11-10", last_day="2025-11-11")
    assert message.startswith("no letter asking the family for medical evidence on file")


def test_a_school_whose_policy_has_no_dv_discretion_is_refused() -> None:
    national = facts("attendance_concern", "monitoring", "2025-11-14", evidence=[ASKED])
    message, _field = refused(national, first_day="2025-11-10", last_day="2025-11-11")
    assert message.startswith("the school's policy (national-2024) has no D&V discretion")


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    assert refused(copnor_case(ASKED), first_day="2025-11-12", last_day="2025-11-10") == (
        "last_day is before first_day",
        "last_day",
    )
