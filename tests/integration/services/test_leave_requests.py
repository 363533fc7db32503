"""Leave of absence requests through the services (DOMAIN.md section 6, issue 8 item 12).

The family asks on Mon 2 Feb 2026 for Mon 2 to Fri 6 Mar 2026 (5 school days); the attendance
lead starts the review on Tue 3 Feb and the head decides on Wed 4 Feb. Five school days after
that decision are Thu 5, Fri 6, Mon 9, Tue 10 and Wed 11 Feb.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from casework.interchange.records import ContactRecord
from casework.machines.lifecycle import BlockedError, NotPermittedError
from casework.services import approvals, cases
from casework.services.access import users
from casework.services.register.importing import store_contacts
from casework.services.register.schools import get_school, save_school
from casework.store.database import Database
from tests.support.actions import as_user, fire
from tests.support.dates import d
from tests.support.rows import Snapshot, case_row, cases_of, events, open_deadlines
from tests.support.world import AO, HEAD, MOTHER, URN, World

DEPUTY = "d.deputy"  # a senior leader who is not the head
LEAVE_DAYS = [d(f"2026-03-0{day}") for day in range(2, 7)]


@pytest.fixture
def deputy(db: Database, world: World) -> str:
    users.add_user(
        db,
        username=DEPUTY,
        name="Dee Deputy",
        position="Deputy Headteacher",
        role="senior_leader",
        school_urn=URN,
    )
    return DEPUTY


def delegate_leave(db: Database, *names: str) -> None:
    """The school file names leave delegates (`[school] leave_delegates = [...]`)."""
    config = get_school(db, URN).config
    save_school(db, replace(config, delegates={"leave": names}))


def under_review(db: Database, pupil: str) -> int:
    lid = cases.open_case(
        db,
        upn=pupil,
        kind="leave_request",
        who=as_user(db, AO),
        today=d("2026-02-02"),
        details={"start": "2026-03-02", "end": "2026-03-06", "applicant": MOTHER},
    ).id
    fire(db, lid, "review", AO, "2026-02-03")
    return lid


def blocked(db: Database, lid: int, trigger: str, who: str, today: str, **params: str) -> list:
    before = case_row(db, lid)
    with pytest.raises(BlockedError) as info:
        fire(db, lid, trigger, who, today, **params)
    assert case_row(db, lid) == before
    return info.value.reasons


def marks(world: World, pupil: str, codes: dict[date, str]) -> None:
    """Present from 23 Feb to 13 Mar 2026 except the days given a code."""
    world.marks(pupil, d("2026-02-23"), d("2026-03-13"), codes)


# -- the parent who applied ------------------------------------------------------------------


def test_the_application_records_a_parent_the_pupil_lives_with(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    pupil = world.pupil(contacts=[])
    store_contacts(
        db,
        [
            ContactRecord(pupil, MOTHER, "Mother", True, True, 1),
            ContactRecord(pupil, "Dan Away", "Father", True, False, 2),
        ],
        URN,
    )

    def open_with(applicant: str | None, start: str = "2026-03-02", end: str = "2026-03-06") -> int:
        details = {"start": start, "end": end}
        return cases.open_case(
            db,
            upn=pupil,
            kind="leave_request",
            who=as_user(db, AO),
            today=d("2026-02-02"),
            details=details | ({"applicant": applicant} if applicant is not None else {}),
        ).id

    before = snapshot(db)
    for applicant, message in [
        (
            "Dan Away",
            "a leave request applicant Dan Away does not live with the pupil: leave is applied "
            "for by a parent the pupil normally lives with",
        ),
        (
            "Jo Nobody",
            "a leave request applicant 'Jo Nobody' is not one of the pupil's contacts "
            f"(contacts: {MOTHER}, Dan Away)",
        ),
    ]:
        with pytest.raises(cases.CaseError) as info:
            open_with(applicant)
        assert str(info.value) == message
    assert snapshot(db) == before
    lid = open_with(MOTHER.upper())
    assert case_row(db, lid)["details"]["applicant"] == MOTHER
    (opened,) = events(db, lid)
    assert opened["data"]["details"]["applicant"] == MOTHER
    # Opened as before applicants were recorded: taken as from the parent the pupil lives with.
    # (Other dates: the same dates again would repeat the request above, and be refused.)
    assumed = case_row(db, open_with(None, "2026-03-09", "2026-03-13"))["details"]
    assert (assumed["applicant"], assumed["applicant_assumed"]) == (MOTHER, True)


# -- only the head (or a named delegate) decides ---------------------------------------------


def test_a_deputy_head_is_refused_and_a_named_delegate_decides(
    db: Database, world: World, deputy: str
) -> None:
    lid = under_review(db, world.pupil())
    for trigger, params in [
        ("grant", {"reason": "funeral"}),
        ("grant_in_part", {"reason": "funeral", "days_granted": "2"}),
        ("decline", {"note": "not exceptional"}),
    ]:
        before = case_row(db, lid)
        with pytest.raises(NotPermittedError) as info:
            fire(db, lid, trigger, deputy, "2026-02-04", **params)
        assert info.value.reasons == [
            "needs the head or a delegate the school file names in leave_delegates"
        ]
        assert case_row(db, lid) == before
    # The deputy's case page shows the decisions as not theirs; the head's shows them as theirs.
    shown = cases.show_case(db, case_id=lid, who=as_user(db, deputy), today=d("2026-02-04"))
    assert {s.trigger: s.permitted for s in shown.next_steps}["grant"] is False
    shown = cases.show_case(db, case_id=lid, who=as_user(db, HEAD), today=d("2026-02-04"))
    assert {s.trigger: s.permitted for s in shown.next_steps}["grant"] is True
    # Nor does the deputy's approvals queue offer the decision; the head's does.
    assert (
        approvals.approvals_queue(db, who=as_user(db, deputy), today=d("2026-02-04")).decisions
        == ()
    )
    head_queue = approvals.approvals_queue(db, who=as_user(db, HEAD), today=d("2026-02-04"))
    assert [item.case.id for item in head_queue.decisions] == [lid]

    delegate_leave(db, deputy)
    queue = approvals.approvals_queue(db, who=as_user(db, deputy), today=d("2026-02-04"))
    assert [item.case.id for item in queue.decisions] == [lid]
    fire(db, lid, "decline", deputy, "2026-02-04", note="not exceptional")
    assert case_row(db, lid)["state"] == "declined"


def test_a_delegate_may_be_named_by_position(db: Database, world: World, deputy: str) -> None:
    delegate_leave(db, "deputy headteacher")
    lid = under_review(db, world.pupil())
    fire(db, lid, "grant", deputy, "2026-02-04", reason="a grandparent's funeral")
    assert case_row(db, lid)["state"] == "granted"


# -- a part grant of any of the requested days, checked against the register ----------------


def test_part_grant_of_the_second_and_fourth_days_then_taken_as_agreed(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    lid = under_review(db, pupil)
    assert blocked(
        db, lid, "grant_in_part", HEAD, "2026-02-04", reason="funeral",
        days_granted="2026-03-03, 2026-03-07, 2026-03-3x",
    ) == [
        "days granted: '2026-03-3x' is not a date; 7 March 2026 is not a requested school day "
        "(2 March 2026 to 6 March 2026) (give YYYY-MM-DD dates or a number)"
    ]  # fmt: skip
    fire(db, lid, "grant_in_part", HEAD, "2026-02-04", reason="funeral",
         days_granted="2026-03-03 2026-03-05")  # fmt: skip
    details = case_row(db, lid)["details"]
    assert (details["dates_granted"], details["days_granted"], details["agreed_end"]) == (
        ["2026-03-03", "2026-03-05"],
        2,
        "2026-03-05",
    )
    assert open_deadlines(db, lid) == {"further_reasons": d("2026-02-11")}
    # Away on the two granted days (C), in school on the others.
    marks(world, pupil, {d("2026-03-03"): "C", d("2026-03-05"): "C"})
    assert blocked(db, lid, "record_taken", AO, "2026-03-09") == [
        "no unauthorised absence recorded on the requested days not granted"
    ]
    fire(db, lid, "record_return", AO, "2026-03-09")
    assert case_row(db, lid)["state"] == "taken_as_agreed"
    assert cases_of(db, pupil, "attendance_concern") == []


def test_a_register_that_disagrees_with_the_decision_blocks_the_account_of_the_leave(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    lid = under_review(db, pupil)
    fire(db, lid, "grant_in_part", HEAD, "2026-02-04", reason="funeral",
         days_granted="2026-03-03,2026-03-05")  # fmt: skip
    # A granted day marked G, and a day not granted marked as authorised leave.
    marks(world, pupil, {d("2026-03-03"): "G", d("2026-03-04"): "C", d("2026-03-05"): "C"})
    reason = (
        "the register disagrees with the decision: 3 March 2026 was granted but is marked G, "
        "not C; 4 March 2026 was not granted but is marked C"
    )
    assert blocked(db, lid, "record_return", AO, "2026-03-09") == [reason]
    shown = cases.show_case(db, case_id=lid, who=as_user(db, AO), today=d("2026-03-09"))
    assert shown.details["register_mismatches"] == [
        "3 March 2026 was granted but is marked G, not C",
        "4 March 2026 was not granted but is marked C",
    ]
    # Put right (the 4th was taken without permission: G), the leave is accounted for.
    marks(world, pupil, {d("2026-03-03"): "C", d("2026-03-04"): "G", d("2026-03-05"): "C"})
    assert blocked(db, lid, "record_return", AO, "2026-03-09") == [
        "absent without permission on 1 school day(s) of the requested dates"
    ]
    fire(db, lid, "record_taken", AO, "2026-03-09")
    assert case_row(db, lid)["state"] == "taken_without_permission"
    (concern,) = cases_of(db, pupil, "attendance_concern")
    assert concern["details"] == {"holiday": True}


def test_declined_days_marked_as_authorised_leave_are_a_mismatch(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    lid = under_review(db, pupil)
    fire(db, lid, "decline", HEAD, "2026-02-04", note="not exceptional")
    marks(world, pupil, dict.fromkeys(LEAVE_DAYS, "C"))
    assert blocked(db, lid, "record_taken", AO, "2026-03-09") == [
        "no unauthorised absence recorded on the requested days not granted",
        "the register disagrees with the decision: "
        + "; ".join(f"{day.day} March 2026 was not granted but is marked C" for day in LEAVE_DAYS),
    ]
    marks(world, pupil, dict.fromkeys(LEAVE_DAYS, "G"))
    fire(db, lid, "record_taken", AO, "2026-03-09")
    (concern,) = cases_of(db, pupil, "attendance_concern")
    assert concern["details"] == {"holiday": True}


# -- further reasons -------------------------------------------------------------------------


def test_further_reasons_on_the_fifth_school_day_lead_the_head_to_decide_again(
    db: Database, world: World
) -> None:
    lid = under_review(db, world.pupil())
    fire(db, lid, "decline", HEAD, "2026-02-04", note="not exceptional")
    assert blocked(db, lid, "reconsider", AO, "2026-02-11") == ["needs further reasons"]
    fire(db, lid, "reconsider", AO, "2026-02-11",
         further_reasons="a letter from the hospice about the grandparent")  # fmt: skip
    row = case_row(db, lid)
    assert (row["state"], row["details"]["reconsidered_on"]) == ("under_review", "2026-02-11")
    assert row["details"]["dates_granted"] is None
    assert open_deadlines(db, lid) == {"decision": d("2026-02-27")}
    (taken,) = [e for e in events(db, lid) if e["trigger"] == "reconsider"]
    assert taken["data"]["params"] == {
        "further_reasons": "a letter from the hospice about the grandparent"
    }
    # The head decides again: a part grant, and that decision stands.
    fire(db, lid, "grant_in_part", HEAD, "2026-02-12", reason="a grandparent dying",
         days_granted="2026-03-02,2026-03-03")  # fmt: skip
    assert case_row(db, lid)["state"] == "partially_granted"
    assert open_deadlines(db, lid) == {}
    assert blocked(db, lid, "reconsider", AO, "2026-02-13", further_reasons="more") == [
        "the head already reconsidered the request after further reasons on 11 February 2026"
    ]


def test_further_reasons_on_the_sixth_school_day_are_refused_with_the_date_it_closed(
    db: Database, world: World
) -> None:
    lid = under_review(db, world.pupil())
    fire(db, lid, "grant_in_part", HEAD, "2026-02-04", reason="funeral", days_granted="2")
    assert blocked(db, lid, "reconsider", AO, "2026-02-12", further_reasons="a letter") == [
        "further reasons could be given until 11 February 2026 (5 school days after the "
        "decision on 4 February 2026): that time has passed"
    ]


# -- overstaying -----------------------------------------------------------------------------


def test_an_overstay_raises_penalty_consideration_on_the_pupil_s_concern(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    lid = under_review(db, pupil)
    fire(db, lid, "grant", HEAD, "2026-02-04", reason="a grandparent's funeral abroad")
    # Away all week on leave, then two more days without permission.
    marks(world, pupil, {**dict.fromkeys(LEAVE_DAYS, "C"), d("2026-03-09"): "G",
                         d("2026-03-10"): "G"})  # fmt: skip
    assert blocked(db, lid, "record_return", AO, "2026-03-11") == [
        "absent on 2 school days after the agreed end"
    ]
    outcome = fire(db, lid, "record_overstay", AO, "2026-03-11")
    (concern,) = cases_of(db, pupil, "attendance_concern")
    assert [c.id for c in outcome.opened] == [concern["id"]]
    assert (concern["state"], concern["details"], concern["parent_case_id"]) == (
        "monitoring",
        {"holiday": True},
        lid,
    )
    (opened,) = events(db, concern["id"])
    assert opened["note"] == f"away after the agreed leave ended (leave request {lid})"
    fire(db, lid, "record_late_return", AO, "2026-03-11", note="back on Wednesday")
    assert case_row(db, lid)["state"] == "returned_late"


def test_an_overstay_flags_an_open_concern_as_a_holiday(db: Database, world: World) -> None:
    pupil = world.pupil()
    concern = cases.open_case(
        db, upn=pupil, kind="attendance_concern", who=as_user(db, AO), today=d("2026-02-02")
    ).id
    lid = under_review(db, pupil)
    fire(db, lid, "grant", HEAD, "2026-02-04", reason="a grandparent's funeral abroad")
    marks(world, pupil, {**dict.fromkeys(LEAVE_DAYS, "C"), d("2026-03-09"): "G"})
    outcome = fire(db, lid, "record_overstay", AO, "2026-03-10")
    assert outcome.opened == []
    assert [c["id"] for c in cases_of(db, pupil, "attendance_concern")] == [concern]
    assert case_row(db, concern)["details"]["holiday"] is True
