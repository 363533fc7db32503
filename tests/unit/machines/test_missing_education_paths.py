"""Children missing education walked end to end (DOMAIN.md section 5), with no database.

Deadlines count school days: enquiries started Mon 12 Jan 2026 put the home visit 3 school
days on (Thu 15 Jan) and the police welfare check 5 school days on (Mon 19 Jan); a vulnerable
pupil gets 1 school day for both (Tue 13 Jan).
"""

from __future__ import annotations

from datetime import date

import pytest

from casework.machines.lifecycle import NotPermittedError, PupilFacts
from casework.machines.roles import Role
from tests.support.facts import (
    GRANDAD,
    PUPIL,
    VULNERABLE,
    Case,
    contact,
    due,
    enquiry,
    finding,
    home_visit,
    slt,
    welfare_check,
)

OFFICER = Role.ATTENDANCE_OFFICER
HEAD = Role.SENIOR_LEADER
LA_OFFICER = Role.LA_OFFICER
KIND = "missing_education"
GROUND = (
    "no deletion ground met yet (20 school days absent without reason, or not back 10 school days "
    "after leave)"
)


def enquiring(pupil: PupilFacts = PUPIL) -> Case:
    case = Case(KIND, "2026-01-12", pupil=pupil)
    assert case.state == "unexplained_absence"
    assert case.refused("start_enquiries", OFFICER, "2026-01-12") == [
        "no contact attempt recorded yet"
    ]
    case.add(contact("2026-01-12", outcome="no_answer"))
    return case


def referred() -> Case:
    """Enquiries from Mon 12 Jan 2026; referred on Mon 9 Feb after 20 school days absent."""
    case = enquiring()
    case.fire("start_enquiries", OFFICER, "2026-01-12")
    case.add(contact("2026-01-13", GRANDAD.name), home_visit("2026-01-15", "no_answer"))
    case.add(welfare_check("2026-01-19"), enquiry("2026-01-20"), finding("2026-02-06"))
    case.fire("refer_to_la", OFFICER, "2026-02-09")
    assert case.state == "referred"
    assert case.details["referred_on"] == "2026-02-09"
    assert case.lifecycle.states["referred"].la_visible
    return case


def test_enquiries_then_referral_to_the_la() -> None:
    case = enquiring()
    fired = case.fire("start_enquiries", OFFICER, "2026-01-12")
    assert case.state == "enquiries"
    # home visit: 3 school days after Mon 12 Jan -> Thu 15 Jan;
    # welfare check: 5 school days after Mon 12 Jan -> Mon 19 Jan 2026.
    assert due(fired) == {"home_visit": date(2026, 1, 15), "welfare_check": date(2026, 1, 19)}

    # Mon 9 Feb 2026: 20 school days absent (12 Jan to 6 Feb), but nothing else done yet.
    assert case.refused("refer_to_la", OFFICER, "2026-02-09") == [
        "no contact attempt recorded with Len Shaw",
        "no home visit recorded",
        "a police welfare check was due by 19 January 2026",
        "no enquiries recorded with sibling schools, the LA or other agencies",
        GROUND,
    ]
    case.add(contact("2026-01-13", GRANDAD.name), home_visit("2026-01-15", "no_answer"))
    case.add(welfare_check("2026-01-19"), enquiry("2026-01-20"))
    assert case.refused("refer_to_la", OFFICER, "2026-02-09") == [GROUND]
    case.add(finding("2026-02-06", "national-2024.cme_continuous_absence"))
    fired = case.fire("refer_to_la", OFFICER, "2026-02-09")
    assert case.state == "referred"
    assert due(fired) == {}


def test_not_back_after_leave_is_a_deletion_ground_too() -> None:
    case = enquiring()
    case.fire("start_enquiries", OFFICER, "2026-01-12")
    case.add(contact("2026-01-13", GRANDAD.name), home_visit("2026-01-15"))
    case.add(welfare_check("2026-01-19"), enquiry("2026-01-20"))
    case.add(finding("2026-01-26", "cme_not_returned_after_leave"))
    case.fire("refer_to_la", OFFICER, "2026-01-26")
    assert case.state == "referred"


def test_referral_before_the_welfare_check_is_due_needs_no_welfare_check() -> None:
    case = enquiring()
    case.fire("start_enquiries", OFFICER, "2026-01-12")
    case.add(contact("2026-01-12", GRANDAD.name), home_visit("2026-01-15"), enquiry("2026-01-15"))
    case.add(finding("2026-01-16", "cme_not_returned_after_leave"))
    case.fire("refer_to_la", OFFICER, "2026-01-16")  # Fri 16 Jan, before Mon 19 Jan
    assert case.state == "referred"


@pytest.mark.parametrize("state", ["unexplained_absence", "enquiries", "referred"])
def test_located_and_returned(state: str) -> None:
    case = Case(KIND, "2026-01-12", state=state)
    assert case.refused("record_return", OFFICER, "2026-01-14") == ["needs note"]
    case.fire("record_return", OFFICER, "2026-01-14", note="back in school today")
    assert case.state == "returned"
    assert case.lifecycle.is_final("returned")


@pytest.mark.parametrize("outcome", ["new_school", "home_education", "moved_away", "other"])
def test_located_elsewhere(outcome: str) -> None:
    case = referred()
    case.refused("record_located_elsewhere", OFFICER, "2026-02-16", NotPermittedError)
    assert case.refused("record_located_elsewhere", LA_OFFICER, "2026-02-16") == [
        "needs outcome",
        "needs note",
    ]
    assert case.refused(
        "record_located_elsewhere", LA_OFFICER, "2026-02-16", outcome="abroad", note="x"
    ) == ["outcome must be one of new_school, home_education, moved_away, other, not 'abroad'"]
    case.fire("record_located_elsewhere", LA_OFFICER, "2026-02-16", outcome=outcome, note="found")
    assert case.state == "located_elsewhere"


def test_deleted_from_roll_never_backdated() -> None:
    case = referred()
    assert case.refused("delete_from_roll", OFFICER, "2026-02-11") == [
        "needs effective on",
        "needs SLT approval",
    ]
    case.add(slt("2026-02-10", "delete_from_roll"))
    assert case.refused("delete_from_roll", OFFICER, "2026-02-11", effective_on="2026-02-10") == [
        "a deletion cannot be backdated: 10 February 2026 is before today (11 February 2026)"
    ]
    case.fire("delete_from_roll", OFFICER, "2026-02-11", effective_on="2026-02-11")
    assert case.state == "deleted"
    assert case.lifecycle.replay(case.moves) == "deleted"


def test_deletion_needs_the_la_told() -> None:
    case = Case(KIND, "2026-01-12", state="referred")
    case.add(finding("2026-02-06"), slt("2026-02-11", "delete_from_roll"))
    assert case.refused("delete_from_roll", OFFICER, "2026-02-11", effective_on="2026-02-11") == [
        "the LA has not been told"
    ]


# -- vulnerable pupils -----------------------------------------------------------------------


def test_vulnerable_pupil_gets_shorter_deadlines() -> None:
    case = enquiring(VULNERABLE)
    fired = case.fire("start_enquiries", OFFICER, "2026-01-12")
    # *_vulnerable keys: 1 school day after Mon 12 Jan -> Tue 13 Jan 2026, for both.
    assert due(fired) == {"home_visit": date(2026, 1, 13), "welfare_check": date(2026, 1, 13)}


def test_vulnerable_deadlines_skip_the_half_term() -> None:
    case = Case(KIND, "2026-02-13", pupil=VULNERABLE).add(contact("2026-02-13"))
    fired = case.fire("start_enquiries", OFFICER, "2026-02-13")
    # Fri 13 Feb, then the half term 16-20 Feb: 1 school day on is Mon 23 Feb 2026.
    assert due(fired) == {"home_visit": date(2026, 2, 23), "welfare_check": date(2026, 2, 23)}
    other = Case(KIND, "2026-02-13").add(contact("2026-02-13"))
    # Not vulnerable: 3 school days on is Wed 25 Feb, 5 school days on is Fri 27 Feb.
    assert due(other.fire("start_enquiries", OFFICER, "2026-02-13")) == {
        "home_visit": date(2026, 2, 25),
        "welfare_check": date(2026, 2, 27),
    }


def test_vulnerable_pupil_is_referred_without_waiting_for_a_ground() -> None:
    case = enquiring(VULNERABLE)
    case.fire("start_enquiries", OFFICER, "2026-01-12")
    case.add(contact("2026-01-12", GRANDAD.name), home_visit("2026-01-12"), enquiry("2026-01-12"))
    # The welfare check fell due on Tue 13 Jan, the next school day.
    assert case.refused("refer_to_la", OFFICER, "2026-01-13") == [
        "a police welfare check was due by 13 January 2026"
    ]
    case.add(welfare_check("2026-01-13"))
    case.fire("refer_to_la", OFFICER, "2026-01-13")
    assert case.state == "referred"

    # ... but is not deleted from roll until a deletion ground is met.
    case.add(slt("2026-01-14", "delete_from_roll"))
    assert case.refused("delete_from_roll", OFFICER, "2026-01-14", effective_on="2026-01-14") == [
        GROUND
    ]
    case.add(finding("2026-02-06"))
    case.fire("delete_from_roll", OFFICER, "2026-02-09", effective_on="2026-02-09")
    assert case.state == "deleted"
