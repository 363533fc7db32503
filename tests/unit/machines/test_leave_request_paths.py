"""A leave of absence request walked end to end (DOMAIN.md section 6), with no database.

The family asks on Tue 14 Apr 2026 for Mon 11 to Fri 15 May 2026: 5 school days.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from casework.machines.lifecycle import NotPermittedError
from casework.machines.roles import Role
from tests.support.facts import Case, due

OFFICER = Role.ATTENDANCE_OFFICER
HEAD = Role.SENIOR_LEADER
KIND = "leave_request"
REQUEST = {
    "start": "2026-05-11",
    "end": "2026-05-15",
    "requested_on": "2026-04-14",
    "school_days_requested": 5,
}
REASON = "grandparent's funeral abroad"


def reviewing(**details: Any) -> Case:
    case = Case(KIND, "2026-04-14", details={**REQUEST, **details})
    assert case.state == "submitted"
    case.fire("review", OFFICER, "2026-04-14")
    assert case.state == "under_review"
    return case


def granted() -> Case:
    case = reviewing()
    case.refused("grant", OFFICER, "2026-04-20", NotPermittedError, reason=REASON)
    assert case.refused("grant", HEAD, "2026-04-20") == [
        "needs the exceptional circumstances that justify the leave"
    ]
    fired = case.fire("grant", HEAD, "2026-04-20", reason=REASON)
    assert case.state == "granted"
    assert case.details["decided_on"] == "2026-04-20"
    assert due(fired) == {}
    return case


def test_granted_then_taken_as_agreed() -> None:
    case = granted()
    assert case.refused("record_return", OFFICER, "2026-05-15") == [
        "the agreed leave ends on 15 May 2026"
    ]
    case.details["absent_days_after_leave"] = 0
    case.fire("record_return", OFFICER, "2026-05-18")
    assert case.state == "taken_as_agreed"
    assert case.lifecycle.is_final("taken_as_agreed")


def test_granted_then_overstayed_then_not_returned() -> None:
    case = granted()
    case.details["absent_days_after_leave"] = 0
    assert case.refused("record_overstay", OFFICER, "2026-05-18") == [
        "no absence recorded after the agreed end"
    ]
    case.details["absent_days_after_leave"] = 1
    assert case.refused("record_return", OFFICER, "2026-05-18") == [
        "absent on 1 school days after the agreed end"
    ]
    case.fire("record_overstay", OFFICER, "2026-05-18")
    assert case.state == "overstayed"
    # 10 school days after Fri 15 May: 18-22 May, half term 25-29 May, 1-5 Jun -> Mon 8 Jun.
    case.details["absent_days_after_leave"] = 9
    assert case.refused("record_not_returned", OFFICER, "2026-06-05") == [
        "absent 9 of the 10 school days after the agreed end that start a missing education enquiry"
    ]
    case.details["absent_days_after_leave"] = 10
    case.fire("record_not_returned", OFFICER, "2026-06-08")
    assert case.state == "not_returned"
    assert case.lifecycle.is_final("not_returned")


def test_granted_then_not_returned_directly() -> None:
    case = granted()
    case.details["absent_days_after_leave"] = 10
    assert case.refused("record_not_returned", OFFICER, "2026-05-15") == [
        "the agreed leave ends on 15 May 2026"
    ]
    case.fire("record_not_returned", OFFICER, "2026-06-08")
    assert case.state == "not_returned"


def test_partly_granted_for_some_days() -> None:
    case = reviewing()
    assert case.refused("grant_in_part", HEAD, "2026-04-20", reason=REASON) == [
        "needs days granted"
    ]
    assert case.refused("grant_in_part", HEAD, "2026-04-20", reason=REASON, days_granted=5) == [
        "days granted must be between 1 and 4 (asked for 5)"
    ]
    case.fire("grant_in_part", HEAD, "2026-04-20", reason=REASON, days_granted=3)
    assert case.state == "partially_granted"
    # 3 of the school days Mon 11 to Fri 15 May: the agreed leave ends Wed 13 May 2026.
    assert case.details["agreed_end"] == "2026-05-13"
    assert case.refused("record_return", OFFICER, "2026-05-13") == [
        "the agreed leave ends on 13 May 2026"
    ]
    case.details["absent_days_after_leave"] = 2  # the family took the whole week
    case.fire("record_overstay", OFFICER, "2026-05-18")
    assert case.state == "overstayed"


def test_partly_granted_then_back_on_time() -> None:
    case = reviewing()
    case.fire("grant_in_part", HEAD, "2026-04-20", reason=REASON, days_granted=3)
    case.details["absent_days_after_leave"] = 0
    case.fire("record_return", OFFICER, "2026-05-14")
    assert case.state == "taken_as_agreed"


def test_declined_then_taken_without_permission() -> None:
    case = reviewing()
    assert case.refused("decline", HEAD, "2026-04-20") == ["needs note"]
    fired = case.fire("decline", HEAD, "2026-04-20", note="not exceptional")
    assert case.state == "declined"
    # further reasons: 5 school days after Mon 20 Apr 2026 -> Mon 27 Apr 2026.
    assert due(fired) == {"further_reasons": date(2026, 4, 27)}
    # Absent on every day, but off sick (I): authorised absence is not leave taken.
    case.details |= {"absent_days_in_leave": 5, "unauthorised_days_in_leave": 0}
    assert case.refused("record_taken", OFFICER, "2026-05-18") == [
        "no unauthorised absence recorded in the requested dates"
    ]
    case.details["unauthorised_days_in_leave"] = 5
    case.fire("record_taken", OFFICER, "2026-05-18")
    assert case.state == "taken_without_permission"
    assert case.lifecycle.is_final("taken_without_permission")


@pytest.mark.parametrize("state", ["submitted", "under_review"])
def test_taken_before_any_decision(state: str) -> None:
    case = Case(
        KIND, "2026-04-14", state=state, details={**REQUEST, "unauthorised_days_in_leave": 3}
    )
    case.fire("record_taken", OFFICER, "2026-05-18")
    assert case.state == "taken_without_permission"


def test_no_retrospective_approval() -> None:
    case = Case(KIND, "2026-05-11", details={**REQUEST, "requested_on": "2026-05-11"})
    assert case.refused("review", OFFICER, "2026-05-11") == [
        "requested on 11 May 2026, once the leave had started: no retrospective approval"
    ]
    # A request in time that is still undecided when the leave starts cannot be granted.
    late = reviewing()
    params: list[tuple[str, dict[str, Any]]] = [
        ("grant", {}),
        ("grant_in_part", {"days_granted": 2}),
    ]
    for trigger, extra in params:
        assert late.refused(trigger, HEAD, "2026-05-11", reason=REASON, **extra) == [
            "the leave started on 11 May 2026: it can no longer be granted"
        ]
    late.fire("decline", HEAD, "2026-05-11", note="decided too late to grant")
    assert late.state == "declined"


@pytest.mark.parametrize("state", ["submitted", "under_review"])
def test_withdrawn_by_the_family(state: str) -> None:
    case = Case(KIND, "2026-04-14", state=state, details=dict(REQUEST))
    assert case.refused("withdraw", OFFICER, "2026-04-15") == ["needs note"]
    case.fire("withdraw", OFFICER, "2026-04-15", note="trip cancelled")
    assert case.state == "withdrawn"
    assert case.lifecycle.is_final("withdrawn")


def test_starting_the_review_sets_the_decision_deadline_before_the_leave() -> None:
    case = Case(KIND, "2026-04-14", details=REQUEST)
    fired = case.fire("review", OFFICER, "2026-04-14")
    # The school day before Mon 11 May 2026 is Fri 8 May ([leave] decision_school_days_before).
    assert due(fired) == {"decision": date(2026, 5, 8)}


def test_a_declined_request_not_taken_closes_once_the_dates_pass() -> None:
    case = reviewing()
    case.fire("decline", HEAD, "2026-04-20", note="not exceptional")
    assert case.refused("record_not_taken", OFFICER, "2026-05-15") == [
        "the agreed leave ends on 15 May 2026"
    ]
    # Ill on those days (I): the leave was not taken.
    case.details |= {"absent_days_in_leave": 2, "unauthorised_days_in_leave": 0}
    case.fire("record_not_taken", OFFICER, "2026-05-18")
    assert case.state == "not_taken"


def test_an_overstay_closes_when_the_child_is_back() -> None:
    case = reviewing()
    case.fire("grant", HEAD, "2026-04-20", reason=REASON)
    case.details["absent_days_after_leave"] = 2
    case.fire("record_overstay", OFFICER, "2026-05-20")
    assert case.refused("record_late_return", OFFICER, "2026-05-21") == ["needs note"]
    case.fire("record_late_return", OFFICER, "2026-05-21", note="back on Thursday")
    assert case.state == "returned_late"
