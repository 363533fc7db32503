"""Case lifecycles end to end through the services, on a real database (SQLite or PostgreSQL).

Each path walks DOMAIN.md sections 4-6 step by step and checks, after every step, the stored
state and version, the audit events (who, role, position, from, to, trigger, note), the
deadlines, and that replaying the audit trail gives the stored state.
"""

from __future__ import annotations

import re

import pytest

from casework.machines.lifecycle import (
    NotPermittedError,
    Unit,
    UnknownTriggerError,
    add_period,
)
from casework.services import cases
from casework.services.daily_sweep import daily_sweep
from casework.store.database import Database
from casework.text import long_date
from tests.support.actions import as_user, blocked, evidence, fire
from tests.support.dates import d
from tests.support.penalties import (
    la_finds_liable,
    slt_finds_no_notice_to_improve_appropriate,
)
from tests.support.rows import (
    case_row,
    case_snapshot,
    cases_of,
    deadlines,
    events,
    evidence_rows,
    open_deadlines,
    pupil_row,
    transitions,
)
from tests.support.world import (
    AO,
    FATHER,
    GRANDMOTHER,
    HEAD,
    LA,
    LA_ELSEWHERE,
    MOTHER,
    PEOPLE,
    SYSTEM,
    World,
)


def assert_step(
    db: Database,
    case_id: int,
    *,
    trigger: str,
    source: str,
    dest: str,
    who: str,
    version: int,
    on: str,
    note: str | None = None,
) -> None:
    """The case is in `dest` at `version`, and its last transition event says who did what."""
    row = case_row(db, case_id)
    assert (row["state"], row["version"], row["entered_state_on"]) == (dest, version, d(on))
    last = transitions(db, case_id)[-1]
    _name, position, role = PEOPLE.get(who, ("Casework daily sweep", "automatic", "system"))
    assert {
        k: last[k]
        for k in ("trigger", "from_state", "to_state", "username", "role", "position", "note")
    } == {
        "trigger": trigger,
        "from_state": source,
        "to_state": dest,
        "username": who,
        "role": role,
        "position": position,
        "note": note,
    }
    assert last["on_day"] == d(on)
    # The audit trail is numbered without gaps and the last event is this transition.
    trail = events(db, case_id)
    assert [e["seq"] for e in trail] == list(range(1, len(trail) + 1))
    assert trail[-1]["id"] == last["id"]
    assert cases.replay_state(db, case_id) == dest


# -- the attendance concern, from a sweep finding to a prosecution referral -----------------

O_WEEK = {day: "O" for day in (d("2026-01-12"), d("2026-01-13"), d("2026-01-14"))}
O_WEEK |= {d("2026-01-15"): "O", d("2026-01-16"): "O"}


def test_attendance_concern_from_sweep_finding_to_prosecution_referral(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    # Present every day except a week of unauthorised absence (O): 10 sessions in 10 weeks.
    world.marks(pupil, d("2025-09-03"), d("2026-04-30"), O_WEEK)
    calendar = world.calendar

    # The sweep opens a concern in monitoring with the finding as evidence.
    swept = daily_sweep(db, d("2026-01-16"))
    (concern,) = cases_of(db, pupil, "attendance_concern")
    cid = concern["id"]
    assert swept.cases_opened == [
        {"case": cid, "upn": pupil, "kind": "attendance_concern", "rule": "penalty_threshold"}
    ]
    assert (concern["state"], concern["version"], concern["la_visible"]) == (
        "monitoring",
        1,
        False,
    )
    (finding,) = evidence_rows(db, cid)
    assert finding["kind"] == "finding"
    assert finding["details"]["rule"] == "penalty_threshold"
    assert len(finding["details"]["marks"]) == 10
    assert [(e["action"], e["username"], e["role"], e["to_state"]) for e in events(db, cid)] == [
        ("opened", SYSTEM, "system", "monitoring"),
        ("evidence", SYSTEM, "system", None),
    ]
    # A second sweep: no second case and no second copy of the finding.
    again = daily_sweep(db, d("2026-01-19"))
    assert again.cases_opened == [] and again.evidence_added == []
    assert len(cases_of(db, pupil)) == 1
    assert len(evidence_rows(db, cid)) == 1
    assert cases.replay_state(db, cid) == "monitoring"

    # The LA cannot see a case that was not referred to it (data minimisation).
    with pytest.raises(cases.CaseNotFoundError):
        cases.show_case(db, case_id=cid, who=as_user(db, LA), today=d("2026-01-19"))
    assert [c.id for c in cases.list_cases(db, who=as_user(db, LA))] == []

    # Monitoring -> school-led support, once the family has been contacted.
    reasons = blocked(db, cid, "offer_support", AO, "2026-01-19")
    assert reasons == ["no contact with the family recorded yet"]
    evidence(
        db,
        cid,
        "contact_attempt",
        AO,
        "2026-01-19",
        channel="phone",
        contact=MOTHER,
        outcome="reached",
    )
    fire(db, cid, "offer_support", AO, "2026-01-19", note="talked with mum about mornings")
    assert_step(
        db,
        cid,
        trigger="offer_support",
        source="monitoring",
        dest="school_support",
        who=AO,
        version=2,
        on="2026-01-19",
        note="talked with mum about mornings",
    )
    assert open_deadlines(db, cid) == {}

    # School-led support -> an individual attendance plan, signed with a review date.
    reasons = blocked(db, cid, "agree_plan", AO, "2026-01-21")
    assert reasons == [
        "no school-led support meeting with the family recorded",
        "no signed attendance plan on file",
    ]
    evidence(
        db,
        cid,
        "meeting",
        AO,
        "2026-01-21",
        purpose="school_support",
        attendees="mother, attendance lead",
        outcome="agreed a morning routine",
    )
    # A review date outside the 4 to 6 school week window is refused with the window.
    late = evidence(
        db,
        cid,
        "signed_plan",
        AO,
        "2026-01-21",
        plan="attendance_plan",
        signed_on="2026-01-21",
        review_date="2026-06-01",
    )
    earliest = add_period(calendar, d("2026-01-21"), 4, Unit.SCHOOL_WEEKS)
    latest = add_period(calendar, d("2026-01-21"), 6, Unit.SCHOOL_WEEKS)
    (reason,) = blocked(db, cid, "agree_plan", AO, "2026-01-21")
    assert reason == (
        "the attendance plan review date 1 June 2026 must fall between "
        f"{long_date(earliest)} and {long_date(latest)}"
    )
    cases.add_evidence(
        db,
        case_id=cid,
        kind="signed_plan",
        who=as_user(db, AO),
        today=d("2026-01-21"),
        details={
            "plan": "attendance_plan",
            "signed_on": "2026-01-21",
            "review_date": earliest.isoformat(),
        },
        supersedes=late,
        reason="review date typed wrongly",
    )
    fire(db, cid, "agree_plan", AO, "2026-01-21")
    assert_step(
        db,
        cid,
        trigger="agree_plan",
        source="school_support",
        dest="attendance_plan",
        who=AO,
        version=3,
        on="2026-01-21",
    )
    # The review is due on the date the signed plan sets, not the latest the policy allows.
    assert open_deadlines(db, cid) == {"plan_review": earliest}

    # Attendance plan -> formal support with the LA: SLT approval and the LA's evidence pack.
    reasons = blocked(db, cid, "refer_formal_support", AO, "2026-01-26")
    assert reasons == [
        "needs SLT approval",
        "LA referral pack is missing: letters sent, home visit outcome, agencies involved",
    ]
    evidence(
        db,
        cid,
        "letter_sent",
        AO,
        "2026-01-22",
        letter="attendance_concern",
        sent_on="2026-01-22",
        to=MOTHER,
    )
    evidence(db, cid, "home_visit", AO, "2026-01-23", outcome="parent_seen")
    evidence(db, cid, "agencies", AO, "2026-01-23", agencies="none")
    evidence(
        db,
        cid,
        "slt_approval",
        HEAD,
        "2026-01-26",
        decision="approved",
        step="refer_formal_support",
    )
    fire(db, cid, "refer_formal_support", AO, "2026-01-26")
    assert_step(
        db,
        cid,
        trigger="refer_formal_support",
        source="attendance_plan",
        dest="formal_support",
        who=AO,
        version=4,
        on="2026-01-26",
    )
    assert case_row(db, cid)["la_visible"] is True
    # The plan review closed with the state; the formal support review is due in 6 weeks.
    closed = {x["name"]: x for x in deadlines(db, cid) if x["status"] == "closed"}
    assert closed["plan_review"]["closed_on"] == d("2026-01-26")
    assert open_deadlines(db, cid) == {
        "contract_review": add_period(calendar, d("2026-01-26"), 6, Unit.SCHOOL_WEEKS)
    }
    # Now the LA officer of the school's authority sees it; another authority's does not.
    assert [c.id for c in cases.list_cases(db, who=as_user(db, LA))] == [cid]
    with pytest.raises(cases.CaseNotFoundError):
        cases.show_case(db, case_id=cid, who=as_user(db, LA_ELSEWHERE), today=d("2026-01-26"))

    # Formal support -> notice to improve (formal support offered, parents named, SLT).
    reasons = blocked(db, cid, "issue_notice_to_improve", LA, "2026-02-02")
    assert reasons == ["no attendance contract or early help offered", "needs SLT approval"]
    evidence(
        db, cid, "support_offered", LA, "2026-02-02", support="attendance_contract", accepted="N"
    )
    evidence(
        db,
        cid,
        "slt_approval",
        HEAD,
        "2026-02-02",
        decision="approved",
        step="issue_notice_to_improve",
    )
    fire(db, cid, "issue_notice_to_improve", LA, "2026-02-02", note="contract not kept")
    assert_step(
        db,
        cid,
        trigger="issue_notice_to_improve",
        source="formal_support",
        dest="notice_to_improve",
        who=LA,
        version=5,
        on="2026-02-02",
        note="contract not kept",
    )
    period_end = add_period(calendar, d("2026-02-02"), 4, Unit.SCHOOL_WEEKS)
    assert case_row(db, cid)["details"]["notice_to_improve_issued"] == "2026-02-02"
    assert open_deadlines(db, cid) == {"notice_period_end": period_end}

    # Notice to improve -> penalty notice: not before the improvement period is over.
    evidence(
        db,
        cid,
        "slt_approval",
        HEAD,
        "2026-03-02",
        decision="approved",
        step="request_penalty_notice",
    )
    reasons = blocked(db, cid, "request_penalty_notice", AO, period_end.isoformat())
    assert reasons == [
        f"notice-to-improve period ends {period_end.day} March 2026",
        "needs SLT's judgement that improvement was not sufficient",
    ]
    # Once the period is over SLT judges the improvement; the request rests on that and on
    # the offence the notice was issued for, with no recount of the window that day.
    after = calendar.nth_school_day_after(period_end, 1).isoformat()
    evidence(db, cid, "improvement_judgement", HEAD, after, improvement="not_sufficient",
             reason="attendance still below 90% in the period")  # fmt: skip
    outcome = fire(db, cid, "request_penalty_notice", AO, after)
    assert_step(
        db,
        cid,
        trigger="request_penalty_notice",
        source="notice_to_improve",
        dest="penalty_notice",
        who=AO,
        version=6,
        on=after,
    )
    assert open_deadlines(db, cid) == {}
    # One penalty notice case per parent in the sense of s576: the mother and father (with
    # parental responsibility) and the grandmother the pupil lives with (care of the child).
    # The request does not decide who is liable: the LA does, notice by notice.
    notices = cases_of(db, pupil, "penalty_notice")
    assert [n["details"] for n in notices] == [
        {"parent": MOTHER, "holiday": False, "offence_on": "2026-02-02"},
        {"parent": FATHER, "holiday": False, "offence_on": "2026-02-02"},
        {"parent": GRANDMOTHER, "holiday": False, "offence_on": "2026-02-02"},
    ]
    assert [c.id for c in outcome.opened] == [n["id"] for n in notices]
    for notice in notices:
        assert (notice["state"], notice["version"], notice["parent_case_id"]) == (
            "requested",
            1,
            cid,
        )
        assert notice["la_visible"] is True
        (opened,) = events(db, notice["id"])
        assert (opened["action"], opened["username"], opened["to_state"], opened["note"]) == (
            "opened",
            AO,
            "requested",
            f"requested on attendance concern {cid}",
        )
    mother_notice, father_notice, grandmother_notice = (n["id"] for n in notices)
    # The LA finds the grandmother not liable: her notice closes without being issued.
    la_finds_liable(db, grandmother_notice, "2026-03-11", liable="N")
    with pytest.raises(NotPermittedError):
        fire(db, grandmother_notice, "record_not_liable", HEAD, "2026-03-11")
    fire(db, grandmother_notice, "record_not_liable", LA, "2026-03-11")
    assert_step(
        db,
        grandmother_notice,
        trigger="record_not_liable",
        source="requested",
        dest="not_liable",
        who=LA,
        version=2,
        on="2026-03-11",
    )

    # The head approved the request on the concern; the LA accepts it (the attendance lead
    # may not) and issues.
    before = case_snapshot(db, mother_notice)
    with pytest.raises(NotPermittedError):
        fire(db, mother_notice, "approve", AO, "2026-03-11")
    assert case_snapshot(db, mother_notice) == before
    fire(db, mother_notice, "approve", LA, "2026-03-11")
    assert_step(
        db,
        mother_notice,
        trigger="approve",
        source="requested",
        dest="approved",
        who=LA,
        version=2,
        on="2026-03-11",
    )
    la_finds_liable(db, mother_notice, "2026-03-12")
    fire(db, mother_notice, "issue", LA, "2026-03-12")
    assert_step(
        db,
        mother_notice,
        trigger="issue",
        source="approved",
        dest="issued",
        who=LA,
        version=3,
        on="2026-03-12",
    )
    assert case_row(db, mother_notice)["details"]["issued_on"] == "2026-03-12"
    # Issued is not served: the payment periods run from service.
    assert deadlines(db, mother_notice) == []
    # Posted first class on Thu 12 March: served on the second working day after, Mon 16th.
    fire(db, mother_notice, "record_service", LA, "2026-03-12", service="post",
         sent_on="2026-03-12")  # fmt: skip
    assert_step(
        db,
        mother_notice,
        trigger="record_service",
        source="issued",
        dest="served",
        who=LA,
        version=4,
        on="2026-03-12",
    )
    assert transitions(db, mother_notice)[-1]["data"]["params"] == {
        "service": "post",
        "sent_on": "2026-03-12",
    }
    assert case_row(db, mother_notice)["details"]["served_on"] == "2026-03-16"
    # 16 March + 21 days = 6 April; + 28 days = 13 April.
    assert {x["name"]: (x["due_on"], x["fires"]) for x in deadlines(db, mother_notice)} == {
        "payment_reduced": (d("2026-04-06"), None),
        "payment_final": (d("2026-04-13"), "expire"),
    }

    # The father pays the reduced amount in time: only the LA records a payment.
    fire(db, father_notice, "approve", HEAD, "2026-03-11")
    la_finds_liable(db, father_notice, "2026-03-12")
    fire(db, father_notice, "issue", LA, "2026-03-12")
    fire(db, father_notice, "record_service", LA, "2026-03-12", service="hand",
         sent_on="2026-03-12")  # fmt: skip
    with pytest.raises(cases.CaseError, match="may not record penalty payment"):
        evidence(
            db, father_notice, "payment", HEAD, "2026-03-30", amount="80", paid_on="2026-03-30"
        )
    evidence(db, father_notice, "payment", LA, "2026-03-30", amount="80", paid_on="2026-03-30")
    fire(db, father_notice, "record_payment", LA, "2026-03-30")
    assert_step(
        db,
        father_notice,
        trigger="record_payment",
        source="served",
        dest="paid_reduced",
        who=LA,
        version=5,
        on="2026-03-30",
    )
    assert case_row(db, father_notice)["closed_on"] == d("2026-03-30")
    assert open_deadlines(db, father_notice) == {}

    # On the 28th day the final payment date is due, not yet passed: nothing fires.
    on_day = daily_sweep(db, d("2026-04-13"))
    assert [(x["case"], x["deadline"]) for x in on_day.deadlines_due] == [
        (mother_notice, "payment_final")
    ]
    assert [(x["case"], x["deadline"]) for x in on_day.deadlines_overdue] == [
        (mother_notice, "payment_reduced")
    ]
    assert on_day.transitions_fired == []
    assert case_row(db, mother_notice)["state"] == "served"
    # The day after, the sweep marks the mother's notice unpaid by itself.
    next_day = daily_sweep(db, d("2026-04-14"))
    assert next_day.transitions_fired == [
        {"case": mother_notice, "trigger": "expire", "from": "served", "to": "unpaid"}
    ]
    assert_step(
        db,
        mother_notice,
        trigger="expire",
        source="served",
        dest="unpaid",
        who=SYSTEM,
        version=5,
        on="2026-04-14",
    )
    assert open_deadlines(db, mother_notice) == {}
    assert case_row(db, mother_notice)["closed_on"] is None
    # A third sweep fires nothing more.
    assert daily_sweep(db, d("2026-04-14")).transitions_fired == []

    # Penalty notice unpaid -> refer for prosecution: the LA's ESO consideration first, the
    # evidence pack sent, SLT approval.
    reasons = blocked(db, cid, "refer_prosecution", HEAD, "2026-04-14")
    assert reasons == [
        "the LA must record its consideration of an education supervision order first "
        "(s447 Education Act 1996)",
        "no prosecution evidence pack recorded as sent",
        "needs SLT approval",
    ]
    with pytest.raises(NotPermittedError):
        fire(db, cid, "refer_prosecution", AO, "2026-04-14")
    evidence(
        db,
        cid,
        "eso_considered",
        LA,
        "2026-04-14",
        decision="not_appropriate",
        reason="support refused throughout",
    )
    evidence(db, cid, "prosecution_pack", AO, "2026-04-14", sent_on="2026-04-14",
             sent_to="LA legal services")  # fmt: skip
    evidence(
        db, cid, "slt_approval", HEAD, "2026-04-14", decision="approved", step="refer_prosecution"
    )
    fire(db, cid, "refer_prosecution", HEAD, "2026-04-14", note="pack sent to LA legal")
    assert_step(
        db,
        cid,
        trigger="refer_prosecution",
        source="penalty_notice",
        dest="prosecution",
        who=HEAD,
        version=7,
        on="2026-04-14",
        note="pack sent to LA legal",
    )
    # Every case of this pupil replays to its stored state.
    for case in cases_of(db, pupil):
        assert cases.replay_state(db, case["id"]) == case["state"]
    # The sweep never opened a second concern for this pupil.
    assert len(cases_of(db, pupil, "attendance_concern")) == 1


# -- leave of absence -----------------------------------------------------------------------


def test_leave_request_granted_in_part_and_taken_as_agreed(db: Database, world: World) -> None:
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
    lid = summary.id
    row = case_row(db, lid)
    assert (row["state"], row["version"]) == ("submitted", 1)
    assert row["details"] == {
        "applicant": MOTHER,
        "start": "2026-03-02",
        "end": "2026-03-06",
        "requested_on": "2026-02-02",
        "school_days_requested": 5,
    }
    (opened,) = events(db, lid)
    assert (opened["action"], opened["username"], opened["role"], opened["position"]) == (
        "opened",
        AO,
        "attendance_officer",
        "Attendance Lead",
    )

    fire(db, lid, "review", AO, "2026-02-03")
    assert_step(
        db,
        lid,
        trigger="review",
        source="submitted",
        dest="under_review",
        who=AO,
        version=2,
        on="2026-02-03",
    )
    # The head decides by the school day before the leave starts (Friday 27 February).
    assert open_deadlines(db, lid) == {"decision": d("2026-02-27")}
    # Only the head decides.
    before = case_snapshot(db, lid)
    with pytest.raises(NotPermittedError, match="senior_leader"):
        fire(db, lid, "grant_in_part", AO, "2026-02-04", days_granted=3, reason="funeral")
    assert case_snapshot(db, lid) == before
    assert blocked(db, lid, "grant_in_part", HEAD, "2026-02-04", reason="funeral") == [
        "needs days granted"
    ]
    assert blocked(
        db, lid, "grant_in_part", HEAD, "2026-02-04", days_granted=5, reason="funeral"
    ) == ["days granted must be between 1 and 4 (asked for 5)"]
    assert blocked(db, lid, "grant_in_part", HEAD, "2026-02-04", days_granted=3) == ["needs reason"]
    fire(
        db,
        lid,
        "grant_in_part",
        HEAD,
        "2026-02-04",
        days_granted=3,
        reason="grandparent's funeral abroad",
        note="three days, back on Thursday",
    )
    assert_step(
        db,
        lid,
        trigger="grant_in_part",
        source="under_review",
        dest="partially_granted",
        who=HEAD,
        version=3,
        on="2026-02-04",
        note="three days, back on Thursday",
    )
    # The decision was made: its deadline closed; the family may give further reasons for the
    # days not granted within 5 school days.
    assert open_deadlines(db, lid) == {"further_reasons": d("2026-02-11")}
    details = case_row(db, lid)["details"]
    assert (details["days_granted"], details["agreed_end"], details["decided_on"]) == (
        3,
        "2026-03-04",
        "2026-02-04",
    )
    assert transitions(db, lid)[-1]["data"]["params"] == {
        "days_granted": "3",
        "reason": "grandparent's funeral abroad",
    }

    # Away on the three agreed days (C), back on the fourth.
    leave = {d("2026-03-02"): "C", d("2026-03-03"): "C", d("2026-03-04"): "C"}
    world.marks(pupil, d("2026-02-23"), d("2026-03-10"), leave)
    assert blocked(db, lid, "record_return", AO, "2026-03-04") == [
        "the agreed leave ends on 4 March 2026"
    ]
    assert blocked(db, lid, "record_overstay", AO, "2026-03-09") == [
        "no absence recorded after the agreed end"
    ]
    fire(db, lid, "record_return", AO, "2026-03-09")
    assert_step(
        db,
        lid,
        trigger="record_return",
        source="partially_granted",
        dest="taken_as_agreed",
        who=AO,
        version=4,
        on="2026-03-09",
    )
    assert case_row(db, lid)["closed_on"] == d("2026-03-09")
    assert cases_of(db, pupil, "attendance_concern") == []


def test_leave_declined_and_taken_opens_a_holiday_concern(db: Database, world: World) -> None:
    pupil = world.pupil()
    lid = cases.open_case(
        db,
        upn=pupil,
        kind="leave_request",
        who=as_user(db, AO),
        today=d("2026-02-23"),
        details={
            "applicant": MOTHER,
            "start": "2026-03-16",
            "end": "2026-03-20",
            "requested_on": "2026-02-23",
        },
    ).id
    fire(db, lid, "review", AO, "2026-02-24")
    assert open_deadlines(db, lid) == {"decision": d("2026-03-13")}
    assert blocked(db, lid, "decline", HEAD, "2026-02-25") == ["needs note"]
    fire(db, lid, "decline", HEAD, "2026-02-25", note="no exceptional circumstances")
    assert_step(
        db,
        lid,
        trigger="decline",
        source="under_review",
        dest="declined",
        who=HEAD,
        version=3,
        on="2026-02-25",
        note="no exceptional circumstances",
    )
    assert open_deadlines(db, lid) == {
        "further_reasons": world.calendar.nth_school_day_after(d("2026-02-25"), 5)
    }
    # Not yet taken: nothing in the register for those dates.
    assert blocked(db, lid, "record_taken", AO, "2026-03-13") == [
        "no unauthorised absence recorded on the requested days not granted"
    ]
    holiday = {day: "G" for day in world.calendar.school_days(d("2026-03-16"), d("2026-03-20"))}
    world.marks(pupil, d("2026-03-09"), d("2026-03-20"), holiday)
    outcome = fire(db, lid, "record_taken", AO, "2026-03-23")
    assert_step(
        db,
        lid,
        trigger="record_taken",
        source="declined",
        dest="taken_without_permission",
        who=AO,
        version=4,
        on="2026-03-23",
    )
    assert case_row(db, lid)["closed_on"] == d("2026-03-23")
    assert open_deadlines(db, lid) == {}
    # A holiday concern opens, linked to the leave request.
    (concern,) = cases_of(db, pupil, "attendance_concern")
    assert [c.id for c in outcome.opened] == [concern["id"]]
    assert (concern["state"], concern["details"], concern["parent_case_id"]) == (
        "monitoring",
        {"holiday": True},
        lid,
    )
    (opened,) = events(db, concern["id"])
    assert (opened["username"], opened["note"]) == (
        AO,
        f"leave taken without permission (leave request {lid})",
    )
    # A holiday goes to a penalty notice request without a notice to improve once SLT
    # records why one is not appropriate; five school days of G meet the threshold.
    cid = concern["id"]
    assert blocked(db, cid, "request_penalty_notice", AO, "2026-03-23") == [
        "needs a notice to improve first, or SLT's recorded reason why one is not appropriate "
        "(a term-time holiday; support would not help; a notice to this parent in the last "
        "12 months)",
        "needs SLT approval",
    ]
    slt_finds_no_notice_to_improve_appropriate(db, cid, "2026-03-23")
    fire(db, cid, "request_penalty_notice", AO, "2026-03-23")
    assert_step(
        db,
        cid,
        trigger="request_penalty_notice",
        source="monitoring",
        dest="penalty_notice",
        who=AO,
        version=2,
        on="2026-03-23",
    )
    notices = cases_of(db, pupil, "penalty_notice")
    assert [n["details"] for n in notices] == [
        {"parent": MOTHER, "holiday": True, "offence_on": "2026-03-23"},
        {"parent": FATHER, "holiday": True, "offence_on": "2026-03-23"},
        {"parent": GRANDMOTHER, "holiday": True, "offence_on": "2026-03-23"},
    ]


def test_leave_requested_after_it_started_cannot_be_reviewed(db: Database, world: World) -> None:
    pupil = world.pupil()
    lid = cases.open_case(
        db,
        upn=pupil,
        kind="leave_request",
        who=as_user(db, AO),
        today=d("2026-03-04"),
        details={
            "applicant": MOTHER,
            "start": "2026-03-02",
            "end": "2026-03-06",
            "requested_on": "2026-03-04",
        },
    ).id
    assert blocked(db, lid, "review", AO, "2026-03-04") == [
        "requested on 4 March 2026, once the leave had started: no retrospective approval"
    ]
    # Leave is decided before it starts (another pupil: the same dates again would repeat the
    # request above).
    late = cases.open_case(
        db,
        upn=world.pupil(),
        kind="leave_request",
        who=as_user(db, AO),
        today=d("2026-02-23"),
        details={"applicant": MOTHER, "start": "2026-03-02", "end": "2026-03-06"},
    ).id
    fire(db, late, "review", AO, "2026-02-24")
    assert blocked(db, late, "grant", HEAD, "2026-03-02", reason="wedding") == [
        "the leave started on 2 March 2026: it can no longer be granted"
    ]
    assert case_row(db, late)["details"]["requested_on"] == "2026-02-23"


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ({"end": "2026-03-06"}, "a leave request needs start"),
        ({"start": "2026-03-06", "end": "2026-03-02"}, "ends (2026-03-02) before it starts"),
        ({"start": "2026-03-2", "end": "2026-03-06"}, "leave dates must be YYYY-MM-DD"),
        ({"start": "2026-04-01", "end": "2026-04-10"}, "no school days from"),
    ],
)
def test_leave_request_with_bad_dates_is_refused(
    db: Database, world: World, details: dict[str, str], message: str
) -> None:
    pupil = world.pupil()
    with pytest.raises(cases.CaseError, match=re.escape(message)):
        cases.open_case(
            db,
            upn=pupil,
            kind="leave_request",
            who=as_user(db, AO),
            today=d("2026-02-02"),
            details=details,
        )
    assert cases_of(db, pupil) == []


# -- children missing education ------------------------------------------------------------

CME_DAYS = (d("2026-02-02"), d("2026-03-06"))
CME_RULES = ["cme_continuous_absence", "notify_la_absent_10_days"]  # what a 20-day run of O adds


def test_missing_education_from_finding_to_deletion(db: Database, world: World) -> None:
    pupil = world.pupil()
    absent = {day: "O" for day in world.calendar.school_days(*CME_DAYS)}
    assert len(absent) == 20
    world.marks(pupil, d("2025-09-03"), CME_DAYS[1], absent)
    swept = daily_sweep(db, CME_DAYS[1])
    (cme,) = cases_of(db, pupil, "missing_education")
    mid = cme["id"]
    assert {
        "case": mid,
        "upn": pupil,
        "kind": "missing_education",
        "rule": "cme_continuous_absence",
    } in swept.cases_opened
    assert (cme["state"], cme["version"]) == ("unexplained_absence", 1)
    # The run's first day is on the case: its deadlines count from it.
    assert cme["details"] == {"first_absent_on": "2026-02-02"}
    assert [e["details"]["rule"] for e in evidence_rows(db, mid)] == CME_RULES
    daily_sweep(db, d("2026-03-09"))
    assert len(cases_of(db, pupil, "missing_education")) == 1
    assert len(evidence_rows(db, mid)) == len(CME_RULES)

    today = "2026-03-09"
    assert blocked(db, mid, "start_enquiries", AO, today) == ["no contact attempt recorded yet"]
    evidence(
        db, mid, "contact_attempt", AO, today, channel="phone", contact=MOTHER, outcome="no_answer"
    )
    fire(db, mid, "start_enquiries", AO, today)
    assert_step(
        db,
        mid,
        trigger="start_enquiries",
        source="unexplained_absence",
        dest="enquiries",
        who=AO,
        version=2,
        on=today,
    )
    # Days of the absence from Monday 2 February (day 1), not from 9 March: all passed already.
    assert open_deadlines(db, mid) == {
        "home_visit": d("2026-02-05"),  # day 4
        "welfare_check": d("2026-02-06"),  # day 5
        "la_referral": d("2026-02-13"),  # day 10
    }

    reasons = blocked(db, mid, "refer_to_la", AO, "2026-03-10")
    assert reasons == [
        f"no contact attempt recorded with {FATHER}, {GRANDMOTHER}",
        "no home visit recorded",
        "a police welfare check was due by 6 February 2026",
    ]
    for name in (FATHER, GRANDMOTHER):
        evidence(
            db,
            mid,
            "contact_attempt",
            AO,
            "2026-03-10",
            channel="phone",
            contact=name,
            outcome="no_answer",
        )
    evidence(db, mid, "home_visit", AO, "2026-03-10", outcome="no_answer")
    evidence(db, mid, "welfare_check", AO, "2026-03-10", requested_on="2026-03-10")
    with pytest.raises(cases.CaseNotFoundError):
        cases.show_case(db, case_id=mid, who=as_user(db, LA), today=d("2026-03-10"))
    fire(db, mid, "refer_to_la", AO, "2026-03-10")
    assert_step(
        db,
        mid,
        trigger="refer_to_la",
        source="enquiries",
        dest="referred",
        who=AO,
        version=3,
        on="2026-03-10",
    )
    row = case_row(db, mid)
    assert row["la_visible"] is True
    assert row["details"]["referred_on"] == "2026-03-10"
    assert open_deadlines(db, mid) == {}
    assert (
        cases.show_case(db, case_id=mid, who=as_user(db, LA), today=d("2026-03-10")).summary.id
        == mid
    )

    # Deletion from roll: the ground re-checked on the day, joint enquiries with the LA, the
    # statement that the child is not thought ill or prevented, the LA's confirmation, SLT
    # approval, and never backdated.
    today = "2026-03-18"
    evidence(db, mid, "enquiry", AO, today, outcome="not known", **{"with": "sibling_school"})
    evidence(db, mid, "slt_approval", HEAD, today, decision="approved", step="delete_from_roll")
    assert blocked(db, mid, "delete_from_roll", AO, today, effective_on=today) == [
        "no joint enquiries with the LA children missing education team recorded",
        "no statement recorded that there are no reasonable grounds to think the child ill or "
        "prevented from attending",
        "needs the LA's confirmation of the deletion",
    ]
    evidence(db, mid, "enquiry", LA, today, outcome="no trace", **{"with": "la_cme_team"})
    evidence(db, mid, "not_ill_or_prevented", AO, today, reason="no GP or hospital contact")
    # School staff cannot confirm for the LA.
    for who in (AO, HEAD):
        with pytest.raises(
            cases.CaseError, match="may not record la confirmation of the deletion from roll"
        ):
            evidence(db, mid, "la_deletion_confirmation", who, today, decision="confirmed")
    evidence(db, mid, "la_deletion_confirmation", LA, today, decision="confirmed")
    assert blocked(db, mid, "delete_from_roll", AO, today, effective_on="2026-03-06") == [
        "a deletion cannot be backdated: 6 March 2026 is before today (18 March 2026)"
    ]
    with pytest.raises(NotPermittedError):
        fire(db, mid, "delete_from_roll", LA, today, effective_on=today)
    (concern,) = cases_of(db, pupil, "attendance_concern")
    assert concern["closed_on"] is None
    fire(db, mid, "delete_from_roll", AO, today, effective_on=today, note="LA agreed")
    assert_step(
        db,
        mid,
        trigger="delete_from_roll",
        source="referred",
        dest="deleted",
        who=AO,
        version=4,
        on=today,
        note="LA agreed",
    )
    assert case_row(db, mid)["closed_on"] == d(today)
    assert transitions(db, mid)[-1]["data"]["params"] == {"effective_on": today}
    # Closed: nothing more can be fired.
    with pytest.raises(UnknownTriggerError, match="not a step from 'deleted'"):
        fire(db, mid, "record_return", AO, today, note="back")
    # The pupil is off roll from the deletion, and the concern closed with an event saying why.
    assert pupil_row(db, pupil)["leaving_date"] == d(today)
    closed = case_row(db, concern["id"])
    assert (closed["closed_on"], closed["version"]) == (d(today), concern["version"] + 1)
    last = events(db, concern["id"])[-1]
    assert (last["action"], last["username"], last["data"]) == (
        "closed",
        AO,
        {"by_case": mid, "leaving_date": today},
    )
    assert last["note"] == (
        f"closed: the pupil is deleted from roll from 18 March 2026 (missing education case {mid})"
    )


def test_missing_education_for_a_vulnerable_pupil_runs_on_shorter_deadlines(
    db: Database, world: World
) -> None:
    pupil = world.pupil(social_worker=True)
    mid = cases.open_case(
        db,
        upn=pupil,
        kind="missing_education",
        who=as_user(db, AO),
        today=d("2026-03-09"),
        details={"first_absent_on": "2026-03-05"},
        note="not in school since Thursday, no call",
    ).id
    evidence(
        db,
        mid,
        "contact_attempt",
        AO,
        "2026-03-09",
        channel="phone",
        contact=MOTHER,
        outcome="no_answer",
    )
    fire(db, mid, "start_enquiries", AO, "2026-03-09")
    # Day 1 of the absence for a vulnerable pupil's home visit and welfare check (passed);
    # the LA told by day 10 (Wednesday 18 March), as for every pupil.
    assert open_deadlines(db, mid) == {
        "home_visit": d("2026-03-05"),
        "welfare_check": d("2026-03-05"),
        "la_referral": d("2026-03-18"),
    }
    for name in (FATHER, GRANDMOTHER):
        evidence(
            db,
            mid,
            "contact_attempt",
            AO,
            "2026-03-09",
            channel="phone",
            contact=name,
            outcome="no_answer",
        )
    evidence(db, mid, "home_visit", AO, "2026-03-09", outcome="no_answer")
    evidence(db, mid, "enquiry", AO, "2026-03-09", outcome="none", **{"with": "social_care"})
    assert blocked(db, mid, "refer_to_la", AO, "2026-03-09") == [
        "a police welfare check was due by 5 March 2026"
    ]
    evidence(db, mid, "welfare_check", AO, "2026-03-09", requested_on="2026-03-09")
    fire(db, mid, "refer_to_la", AO, "2026-03-09")
    assert case_row(db, mid)["state"] == "referred"


def test_missing_education_is_referred_early_but_not_deleted_without_a_ground(
    db: Database, world: World
) -> None:
    pupil = world.pupil(contacts=[(MOTHER, "Mother", True)])
    mid = cases.open_case(
        db, upn=pupil, kind="missing_education", who=as_user(db, HEAD), today=d("2026-03-09")
    ).id
    evidence(
        db,
        mid,
        "contact_attempt",
        AO,
        "2026-03-09",
        channel="phone",
        contact=MOTHER,
        outcome="no_answer",
    )
    fire(db, mid, "start_enquiries", AO, "2026-03-09")
    evidence(db, mid, "home_visit", AO, "2026-03-09", outcome="no_answer")
    # The LA is told on day 2, long before any deletion ground could be met.
    fire(db, mid, "refer_to_la", AO, "2026-03-10")
    assert case_row(db, mid)["state"] == "referred"
    evidence(db, mid, "enquiry", LA, "2026-03-10", outcome="none", **{"with": "la_cme_team"})
    evidence(db, mid, "not_ill_or_prevented", AO, "2026-03-11", reason="no sign of illness")
    evidence(db, mid, "la_deletion_confirmation", LA, "2026-03-11", decision="confirmed")
    evidence(db, mid, "slt_approval", HEAD, "2026-03-11", decision="approved",
             step="delete_from_roll")  # fmt: skip
    assert blocked(db, mid, "delete_from_roll", AO, "2026-03-11", effective_on="2026-03-11") == [
        "no deletion ground holds on 11 March 2026 (20 school days absent without reason, "
        "or not back 10 school days after leave)"
    ]
    assert pupil_row(db, pupil)["leaving_date"] is None
    # Found: the child is back.
    fire(db, mid, "record_return", AO, "2026-03-12", note="back on Thursday")
    assert_step(
        db,
        mid,
        trigger="record_return",
        source="referred",
        dest="returned",
        who=AO,
        version=4,
        on="2026-03-12",
        note="back on Thursday",
    )
