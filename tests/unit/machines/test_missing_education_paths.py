"""Children missing education walked end to end (DOMAIN.md section 5), with no database.

The absence starts on Monday 12 January 2026 (day 1). Deadlines are days of the absence,
counted from that first day whenever the case was opened or the enquiries started: the home
visit on day 4 (Thu 15 Jan), the police welfare check on day 5 (Fri 16 Jan) and the LA told by
day 10 (Fri 23 Jan); a vulnerable pupil's home visit and welfare check are on day 1. Day 20 of
the absence is Friday 6 February.
"""

from __future__ import annotations

from datetime import date

import pytest

from casework.machines.lifecycle import EvidenceItem, NotPermittedError, OpeningError, PupilFacts
from casework.machines.missing_education import GROUND_NOW, LIFECYCLE, opening_details
from casework.machines.roles import Role
from casework.policy.rules import Finding
from tests.support.dates import d
from tests.support.facts import (
    CALENDAR,
    GRANDAD,
    PUPIL,
    VULNERABLE,
    Case,
    contact,
    due,
    enquiry,
    evidence,
    home_visit,
    slt,
    welfare_check,
)

OFFICER = Role.ATTENDANCE_OFFICER
HEAD = Role.SENIOR_LEADER
LA_OFFICER = Role.LA_OFFICER
KIND = "missing_education"
FIRST_DAY = "2026-01-12"
GROUNDS = "20 school days absent without reason, or not back 10 school days after leave"
# What the live measure sets while a deletion ground holds on the register today.
GROUND_HOLDS = {GROUND_NOW: "absent without permission on every school day from ..."}


def not_ill(on: str) -> EvidenceItem:
    return evidence("not_ill_or_prevented", on, reason="no sign of illness; not seen by anyone")


def la_confirms(on: str, decision: str = "confirmed") -> EvidenceItem:
    return evidence("la_deletion_confirmation", on, decision=decision)


def enquiring(pupil: PupilFacts = PUPIL, opened: str = "2026-01-14") -> Case:
    """A case opened on Wed 14 Jan (day 3 of the absence), with a first call made."""
    case = Case(KIND, opened, pupil=pupil, details={"first_absent_on": FIRST_DAY})
    assert case.state == "unexplained_absence"
    assert case.refused("start_enquiries", OFFICER, opened) == ["no contact attempt recorded yet"]
    case.add(contact(opened, outcome="no_answer"))
    return case


def referred(on: str = "2026-01-16") -> Case:
    """The LA told on Fri 16 Jan, day 5 of the absence, with no deletion ground yet."""
    case = enquiring()
    case.fire("start_enquiries", OFFICER, "2026-01-14")
    case.add(contact("2026-01-14", GRANDAD.name), home_visit("2026-01-15", "no_answer"))
    case.add(welfare_check("2026-01-16"))
    case.fire("refer_to_la", OFFICER, on)
    assert case.state == "referred"
    assert case.details["referred_on"] == on
    assert case.lifecycle.states["referred"].la_visible
    return case


def test_deadlines_count_from_the_first_day_of_absence_not_the_opening() -> None:
    case = enquiring()
    fired = case.fire("start_enquiries", OFFICER, "2026-01-14")
    assert case.state == "enquiries"
    assert due(fired) == {
        "home_visit": date(2026, 1, 15),  # day 4
        "welfare_check": date(2026, 1, 16),  # day 5
        "la_referral": date(2026, 1, 23),  # day 10
    }
    # Enquiries started late (day 6) find their deadlines already passed, not moved on.
    late = enquiring(opened="2026-01-19")
    assert due(late.fire("start_enquiries", OFFICER, "2026-01-19")) == due(fired)


def test_the_la_is_told_early_without_waiting_for_a_deletion_ground() -> None:
    case = enquiring()
    case.fire("start_enquiries", OFFICER, "2026-01-14")
    # Fri 16 Jan, day 5: the welfare check is due today.
    assert case.refused("refer_to_la", OFFICER, "2026-01-16") == [
        "no contact attempt recorded with Len Shaw",
        "no home visit recorded",
        "a police welfare check was due by 16 January 2026",
    ]
    case.add(contact("2026-01-14", GRANDAD.name), home_visit("2026-01-15", "no_answer"))
    case.add(welfare_check("2026-01-16"))
    fired = case.fire("refer_to_la", OFFICER, "2026-01-16")  # 5 school days absent, no ground
    assert case.state == "referred"
    assert due(fired) == {}


def test_referral_before_the_welfare_check_is_due_needs_no_welfare_check() -> None:
    case = enquiring()
    case.fire("start_enquiries", OFFICER, "2026-01-14")
    case.add(contact("2026-01-14", GRANDAD.name), home_visit("2026-01-15"))
    case.fire("refer_to_la", OFFICER, "2026-01-15")  # Thu 15 Jan, before the welfare check day
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


def test_deletion_needs_ground_joint_enquiries_statement_la_confirmation_and_slt() -> None:
    case = referred()
    assert case.refused("delete_from_roll", OFFICER, "2026-02-09", effective_on="2026-02-09") == [
        f"no deletion ground holds on 9 February 2026 ({GROUNDS})",
        "no joint enquiries with the LA children missing education team recorded",
        "no statement recorded that there are no reasonable grounds to think the child ill or "
        "prevented from attending",
        "needs the LA's confirmation of the deletion",
        "needs SLT approval",
    ]
    case.details.update(GROUND_HOLDS)
    # An enquiry with a sibling school alone is not a joint enquiry with the LA.
    case.add(enquiry("2026-01-20"), not_ill("2026-02-06"), slt("2026-02-06", "delete_from_roll"))
    assert case.refused("delete_from_roll", OFFICER, "2026-02-09", effective_on="2026-02-09") == [
        "no joint enquiries with the LA children missing education team recorded",
        "needs the LA's confirmation of the deletion",
    ]
    case.add(enquiry("2026-01-21", "la_cme_team"), la_confirms("2026-02-05", "not_confirmed"))
    assert case.refused("delete_from_roll", OFFICER, "2026-02-09", effective_on="2026-02-09") == [
        "the LA did not confirm the deletion on 5 February 2026"
    ]
    case.add(la_confirms("2026-02-06"))
    case.fire("delete_from_roll", OFFICER, "2026-02-09", effective_on="2026-02-09")
    assert case.state == "deleted"
    assert case.lifecycle.replay(case.moves) == "deleted"


def ready_to_delete() -> Case:
    case = referred()
    case.details.update(GROUND_HOLDS)
    case.add(enquiry("2026-01-21", "la_cme_team"), not_ill("2026-02-06"), la_confirms("2026-02-06"))
    return case.add(slt("2026-02-06", "delete_from_roll"))


def test_deletion_never_backdated() -> None:
    case = ready_to_delete()
    assert case.refused("delete_from_roll", OFFICER, "2026-02-11") == ["needs effective on"]
    assert case.refused("delete_from_roll", OFFICER, "2026-02-11", effective_on="2026-02-10") == [
        "a deletion cannot be backdated: 10 February 2026 is before today (11 February 2026)"
    ]
    case.fire("delete_from_roll", OFFICER, "2026-02-11", effective_on="2026-02-11")
    assert case.state == "deleted"


def test_deletion_is_a_school_step_and_takes_the_pupil_off_roll() -> None:
    case = ready_to_delete()
    # The LA confirms; the school deletes (its register, its head's approval).
    case.refused(
        "delete_from_roll", LA_OFFICER, "2026-02-09", NotPermittedError, effective_on="2026-02-09"
    )
    fired = case.fire("delete_from_roll", OFFICER, "2026-02-09", effective_on="2026-02-09")
    assert fired.step.leaves_roll is not None
    assert fired.step.leaves_roll.on_param == "effective_on"
    assert "deleted from roll" in fired.step.leaves_roll.note


def test_deletion_needs_the_la_told() -> None:
    case = Case(KIND, "2026-01-12", state="referred", details=dict(GROUND_HOLDS))
    case.add(enquiry("2026-01-21", "la_cme_team"), not_ill("2026-02-06"), la_confirms("2026-02-06"))
    case.add(slt("2026-02-11", "delete_from_roll"))
    assert case.refused("delete_from_roll", OFFICER, "2026-02-11", effective_on="2026-02-11") == [
        "the LA has not been told"
    ]


# -- vulnerable pupils -----------------------------------------------------------------------


def test_vulnerable_pupil_gets_day_one_deadlines() -> None:
    case = enquiring(VULNERABLE)
    fired = case.fire("start_enquiries", OFFICER, "2026-01-14")
    # *_vulnerable keys: day 1 of the absence, Mon 12 Jan 2026, for both: overdue already.
    assert due(fired) == {
        "home_visit": date(2026, 1, 12),
        "welfare_check": date(2026, 1, 12),
        "la_referral": date(2026, 1, 23),
    }


def test_deadlines_skip_the_half_term() -> None:
    first = "2026-02-13"  # Friday, then the half term 16-20 February
    case = Case(KIND, first, details={"first_absent_on": first}).add(contact(first))
    # Day 4 is Wed 25 Feb, day 5 Thu 26 Feb, day 10 Thu 5 Mar 2026.
    assert due(case.fire("start_enquiries", OFFICER, first)) == {
        "home_visit": date(2026, 2, 25),
        "welfare_check": date(2026, 2, 26),
        "la_referral": date(2026, 3, 5),
    }
    vulnerable = Case(KIND, first, pupil=VULNERABLE, details={"first_absent_on": first})
    vulnerable.add(contact(first))
    assert due(vulnerable.fire("start_enquiries", OFFICER, first))["home_visit"] == d(first)


def test_vulnerable_pupil_is_referred_at_once_but_deleted_only_on_a_ground() -> None:
    case = enquiring(VULNERABLE)
    case.fire("start_enquiries", OFFICER, "2026-01-14")
    case.add(contact("2026-01-14", GRANDAD.name), home_visit("2026-01-14"))
    assert case.refused("refer_to_la", OFFICER, "2026-01-14") == [
        "a police welfare check was due by 12 January 2026"
    ]
    case.add(welfare_check("2026-01-14"))
    case.fire("refer_to_la", OFFICER, "2026-01-14")
    assert case.state == "referred"
    case.add(enquiry("2026-01-21", "la_cme_team"), not_ill("2026-02-06"), la_confirms("2026-02-06"))
    case.add(slt("2026-02-06", "delete_from_roll"))
    assert case.refused("delete_from_roll", OFFICER, "2026-02-06", effective_on="2026-02-06") == [
        f"no deletion ground holds on 6 February 2026 ({GROUNDS})"
    ]
    case.details.update(GROUND_HOLDS)
    case.fire("delete_from_roll", OFFICER, "2026-02-09", effective_on="2026-02-09")
    assert case.state == "deleted"


# -- opening: the first day of absence -------------------------------------------------------


def test_opened_by_hand_the_absence_starts_today_unless_given() -> None:
    today = d("2026-01-14")
    assert opening_details({}, CALENDAR, today) == {"first_absent_on": "2026-01-14"}
    assert opening_details(
        {"first_absent_on": FIRST_DAY, "safeguarding": "Y"}, CALENDAR, today
    ) == {
        "first_absent_on": FIRST_DAY,
        "safeguarding": True,
    }
    with pytest.raises(OpeningError, match="first_absent_on 2026-01-15 is after today"):
        opening_details({"first_absent_on": "2026-01-15"}, CALENDAR, today)
    with pytest.raises(OpeningError, match="first_absent_on '12/01/2026' is not a date"):
        opening_details({"first_absent_on": "12/01/2026"}, CALENDAR, today)


def test_a_finding_of_a_run_tells_the_case_its_first_day_of_absence() -> None:
    assert LIFECYCLE.from_finding is not None
    run = Finding("p0", "cme_continuous_absence", "absent", (), {"run_from": FIRST_DAY})
    learned = LIFECYCLE.from_finding(run)
    assert learned is not None
    assert learned.details == {"first_absent_on": FIRST_DAY}
    assert learned.earliest  # a later rule's shorter run does not move the first day on
    assert LIFECYCLE.from_finding(Finding("p0", "persistent_absence", "missed", (), {})) is None


def test_a_deadline_past_the_calendar_says_the_next_year_is_missing() -> None:
    # An absence from Monday 13 July 2026 has 8 school days in the summer term: its day 10
    # falls after the last term the school lists, until the file lists the next year's terms.
    case = Case(KIND, "2026-07-14", details={"first_absent_on": "2026-07-13"})
    case.add(contact("2026-07-14"))
    with pytest.raises(ValueError, match="the calendar has no school day 10 from 2026-07-13"):
        case.fire("start_enquiries", OFFICER, "2026-07-14")
    assert case.state == "unexplained_absence"
