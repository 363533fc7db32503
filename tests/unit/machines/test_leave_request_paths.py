"""A leave of absence request walked end to end (DOMAIN.md section 6), with no database.

The family asks on Tue 14 Apr 2026 for Mon 11 to Fri 15 May 2026: 5 school days.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from casework.machines.leave_request import LEAVE_DAYS_NOW, applicant_lives_with_pupil
from casework.machines.lifecycle import MeasureContext, NotPermittedError, OpeningError
from casework.machines.roles import Role, Standing
from casework.register.marks import Register
from tests.support.facts import CALENDAR, GRANDAD, MUM, POLICY, PUPIL, Case, due

OFFICER = Role.ATTENDANCE_OFFICER
HEAD = Role.SENIOR_LEADER
KIND = "leave_request"
REQUEST = {
    "start": "2026-05-11",
    "end": "2026-05-15",
    "requested_on": "2026-04-14",
    "school_days_requested": 5,
    "applicant": "Dana Shaw",
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
    # The exceptional circumstances are what the head must give: the step declares them.
    assert case.refused("grant", HEAD, "2026-04-20") == ["needs reason"]
    fired = case.fire("grant", HEAD, "2026-04-20", reason=REASON)
    assert case.state == "granted"
    assert case.details["decided_on"] == "2026-04-20"
    assert case.details["dates_granted"] == [f"2026-05-{day}" for day in range(11, 16)]
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
        "no unauthorised absence recorded on the requested days not granted"
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


# -- the parent who applied (reg 11) ---------------------------------------------------------


def test_the_application_names_a_parent_the_pupil_lives_with() -> None:
    assert applicant_lives_with_pupil({"applicant": " dana shaw "}, PUPIL) == {
        "applicant": MUM.name
    }
    for applicant, refusal in [
        (
            GRANDAD.name,
            f"a leave request applicant {GRANDAD.name} does not live with the pupil: leave is "
            "applied for by a parent the pupil normally lives with",
        ),
        (
            "Jo Nobody",
            "a leave request applicant 'Jo Nobody' is not one of the pupil's contacts "
            f"(contacts: {MUM.name}, {GRANDAD.name})",
        ),
    ]:
        with pytest.raises(OpeningError) as info:
            applicant_lives_with_pupil({"applicant": applicant}, PUPIL)
        assert str(info.value) == refusal


def test_a_request_opened_without_an_applicant_is_taken_as_from_the_parent_at_home() -> None:
    # The form before applicants were recorded still opens a request, and says what it assumed.
    assert applicant_lives_with_pupil({"start": "2026-03-02"}, PUPIL) == {
        "start": "2026-03-02",
        "applicant": MUM.name,
        "applicant_assumed": True,
    }
    nobody_at_home = replace(PUPIL, contacts=(GRANDAD,))
    with pytest.raises(OpeningError) as info:
        applicant_lives_with_pupil({"applicant": ""}, nobody_at_home)
    assert str(info.value) == (
        "a leave request needs the parent who applied (applicant), one the pupil lives with"
    )


# -- only the head decides -------------------------------------------------------------------


def test_a_senior_leader_who_is_not_the_head_or_a_delegate_cannot_decide() -> None:
    case = reviewing()
    deputy = Standing()
    for trigger, params in [
        ("grant", {"reason": REASON}),
        ("grant_in_part", {"reason": REASON, "days_granted": 2}),
        ("decline", {"note": "not exceptional"}),
    ]:
        assert case.refused(trigger, HEAD, "2026-04-20", NotPermittedError, deputy, **params) == [
            "needs the head or a delegate the school file names in leave_delegates"
        ]
    delegate = Standing(delegated=frozenset({"leave"}))
    case.fire("decline", HEAD, "2026-04-20", delegate, note="not exceptional")
    assert case.state == "declined"


# -- a part grant of any of the requested days -----------------------------------------------


def test_part_grant_of_the_second_and_fourth_days() -> None:
    case = reviewing()
    assert case.refused(
        "grant_in_part", HEAD, "2026-04-20", reason=REASON, days_granted="2026-05-12, 2026-05-18"
    ) == [
        "days granted: 18 May 2026 is not a requested school day (11 May 2026 to 15 May 2026) "
        "(give YYYY-MM-DD dates or a number)"
    ]
    fired = case.fire(
        "grant_in_part", HEAD, "2026-04-20", reason=REASON, days_granted="2026-05-14,2026-05-12"
    )
    assert case.state == "partially_granted"
    assert (case.details["dates_granted"], case.details["days_granted"]) == (
        ["2026-05-12", "2026-05-14"],
        2,
    )
    assert case.details["agreed_end"] == "2026-05-14"
    # The family may give further reasons after a part grant too: until Mon 27 Apr 2026.
    assert due(fired) == {"further_reasons": date(2026, 4, 27)}


def _measured(details: dict[str, Any], marks: dict[str, tuple[str, str]], today: str) -> dict:
    """The leave's live measure over a register with these marks (day: (AM, PM))."""
    context = MeasureContext(date.fromisoformat(today), CALENDAR, POLICY, details)
    window = LEAVE_DAYS_NOW.window(context)
    assert window is not None
    register = Register.from_marks(
        CALENDAR,
        *window,
        [PUPIL.upn],
        (
            (0, date.fromisoformat(day), session, code)
            for day, codes in marks.items()
            for session, code in zip(("AM", "PM"), codes, strict=True)
        ),
    )
    return LEAVE_DAYS_NOW.measure(register, context)


PART = {**REQUEST, "dates_granted": ["2026-05-12", "2026-05-14"], "agreed_end": "2026-05-14"}


def test_the_register_on_granted_days_is_checked_against_the_decision() -> None:
    agreed = {
        "2026-05-11": ("/", "\\"),
        "2026-05-12": ("C", "C"),
        "2026-05-13": ("/", "\\"),
        "2026-05-14": ("C", "C"),
        "2026-05-15": ("/", "\\"),
    }
    assert _measured(PART, agreed, "2026-05-18")["register_mismatches"] == []
    wrong = {**agreed, "2026-05-12": ("G", "G"), "2026-05-13": ("C", "C")}
    assert _measured(PART, wrong, "2026-05-18")["register_mismatches"] == [
        "12 May 2026 was granted but is marked G, not C",
        "13 May 2026 was not granted but is marked C",
    ]
    case = Case(KIND, "2026-04-14", state="partially_granted", details=dict(PART))
    case.details.update(_measured(PART, wrong, "2026-05-18"))
    assert case.refused("record_return", OFFICER, "2026-05-18") == [
        "the register disagrees with the decision: 12 May 2026 was granted but is marked G, "
        "not C; 13 May 2026 was not granted but is marked C"
    ]
    # A declined request marked as authorised leave is a mismatch too.
    declined = {**REQUEST, "dates_granted": []}
    taken_as_c = {day: ("C", "C") for day in agreed}
    assert len(_measured(declined, taken_as_c, "2026-05-18")["register_mismatches"]) == 5
    # Not decided yet: nothing to check against.
    assert "register_mismatches" not in _measured(REQUEST, taken_as_c, "2026-05-18")


def test_only_unauthorised_absence_on_days_not_granted_is_leave_taken() -> None:
    marks = {
        "2026-05-11": ("G", "G"),  # not granted, away without permission
        "2026-05-12": ("C", "C"),  # granted
        "2026-05-13": ("I", "I"),  # not granted, but ill: authorised, not leave taken
        "2026-05-14": ("C", "C"),  # granted
        "2026-05-15": ("G", "G"),  # after the agreed end: an overstay
    }
    measured = _measured(PART, marks, "2026-05-18")
    assert (measured["absent_days_in_leave"], measured["absent_days_after_leave"]) == (1, 1)
    case = Case(KIND, "2026-04-14", state="partially_granted", details={**PART, **measured})
    fired = case.fire("record_taken", OFFICER, "2026-05-18")
    assert [f.kind for f in fired.step.opens] == ["attendance_concern"]
    assert case.state == "taken_without_permission"


# -- further reasons and the head's second look ----------------------------------------------


def test_further_reasons_on_the_fifth_school_day_after_a_decline_are_reconsidered() -> None:
    case = reviewing()
    case.fire("decline", HEAD, "2026-04-20", note="not exceptional")
    assert case.refused("reconsider", OFFICER, "2026-04-27") == ["needs further reasons"]
    case.fire("reconsider", OFFICER, "2026-04-27", further_reasons="a letter from the hospice")
    assert case.state == "under_review"
    assert case.details["reconsidered_on"] == "2026-04-27"
    assert case.details["dates_granted"] is None
    # The head decides again; this decision stands (no second window).
    fired = case.fire("grant_in_part", HEAD, "2026-04-28", reason=REASON, days_granted=2)
    assert case.state == "partially_granted"
    assert [r.name for r, _ in fired.scheduled] == []
    assert case.refused("reconsider", OFFICER, "2026-04-29", further_reasons="more") == [
        "the head already reconsidered the request after further reasons on 27 April 2026"
    ]


def test_further_reasons_on_the_sixth_school_day_are_refused_with_the_date_it_closed() -> None:
    case = reviewing()
    case.fire("grant_in_part", HEAD, "2026-04-20", reason=REASON, days_granted="2026-05-12")
    assert case.refused("reconsider", OFFICER, "2026-04-28", further_reasons="a letter") == [
        "further reasons could be given until 27 April 2026 (5 school days after the decision "
        "on 20 April 2026): that time has passed"
    ]
    assert case.state == "partially_granted"


def test_an_overstay_starts_penalty_consideration_like_leave_taken_without_permission() -> None:
    case = granted()
    case.details["absent_days_after_leave"] = 2
    fired = case.fire("record_overstay", OFFICER, "2026-05-20")
    (concern,) = fired.step.opens
    assert (concern.kind, concern.if_open, concern.flag) == (
        "attendance_concern",
        "flag",
        {"holiday": True},
    )
    assert concern.details is not None
    assert concern.details(case.facts("2026-05-20")) == {"holiday": True}
