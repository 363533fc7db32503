"""Guards, permissions and evidence rules through the case services, and the append-only trail.

A refused action must leave the whole database as it was: the case row, its evidence, its
deadlines and its audit events (whole-table snapshots before and after).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from casework.interchange.records import ContactRecord, PupilRecord
from casework.machines.lifecycle import BlockedError, NotPermittedError, UnknownTriggerError
from casework.register.school import load_school
from casework.services import cases
from casework.services.access import users
from casework.services.daily_sweep import daily_sweep
from casework.services.register.importing import store_contacts, store_pupils
from casework.services.register.schools import save_school
from casework.store.database import Database
from tests.support.actions import as_user, evidence, fire
from tests.support.dates import d
from tests.support.penalties import (
    holiday_taken,
    la_finds_liable,
    request_for_holiday,
    slt_finds_no_notice_to_improve_appropriate,
)
from tests.support.rows import (
    Snapshot,
    case_row,
    cases_of,
    events,
    evidence_rows,
    open_deadlines,
    transitions,
)
from tests.support.world import (
    AO,
    FATHER,
    HEAD,
    LA,
    LA_ELSEWHERE,
    MOTHER,
    SYSTEM,
    TEACHER,
    URN,
    World,
    generated_upn,
)


def concern(db: Database, world: World, today: str = "2026-01-19") -> int:
    pupil = world.pupil()
    return cases.open_case(
        db, upn=pupil, kind="attendance_concern", who=as_user(db, AO), today=d(today)
    ).id


def refuses(
    db: Database, snapshot: Snapshot, error: type[Exception], action: Callable[[], Any]
) -> Exception:
    """The action raises `error` and the database is exactly as it was."""
    before = snapshot(db)
    with pytest.raises(error) as caught:
        action()
    assert snapshot(db) == before
    return caught.value


def referred_concern(db: Database, world: World) -> int:
    """A concern taken to formal support (so visible to the LA), evidence pack complete."""
    cid = concern(db, world)
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
    fire(db, cid, "offer_support", AO, "2026-01-19")
    evidence(
        db,
        cid,
        "meeting",
        AO,
        "2026-01-20",
        purpose="school_support",
        attendees="mother",
        outcome="support agreed",
    )
    evidence(
        db,
        cid,
        "letter_sent",
        AO,
        "2026-01-20",
        letter="support_meeting_invitation",
        sent_on="2026-01-20",
    )
    evidence(db, cid, "home_visit", AO, "2026-01-20", outcome="parent_seen")
    evidence(
        db,
        cid,
        "signed_plan",
        AO,
        "2026-01-20",
        plan="attendance_plan",
        signed_on="2026-01-20",
        review_date="2026-02-24",
    )
    evidence(db, cid, "agencies", AO, "2026-01-20", agencies="school nurse")
    evidence(
        db,
        cid,
        "slt_approval",
        HEAD,
        "2026-01-21",
        decision="approved",
        step="refer_formal_support",
    )
    fire(db, cid, "refer_formal_support", AO, "2026-01-21")
    assert case_row(db, cid)["state"] == "formal_support"
    return cid


# -- guards ----------------------------------------------------------------------------------


def test_blocked_step_says_why_and_changes_nothing(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    cid = concern(db, world)
    error = refuses(
        db,
        snapshot,
        BlockedError,
        lambda: fire(db, cid, "offer_support", AO, "2026-01-19", note="typed in full"),
    )
    assert error.reasons == ["no contact with the family recorded yet"]  # type: ignore[attr-defined]
    assert str(error) == "cannot offer support now: no contact with the family recorded yet"
    # Once the evidence exists, the same step is allowed.
    evidence(
        db, cid, "letter_sent", AO, "2026-01-19", letter="attendance_concern", sent_on="2026-01-19"
    )
    fire(db, cid, "offer_support", AO, "2026-01-19", note="typed in full")
    assert case_row(db, cid)["state"] == "school_support"


def test_step_not_from_this_state_is_refused_with_the_possible_ones(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    cid = concern(db, world)
    error = refuses(
        db, snapshot, UnknownTriggerError, lambda: fire(db, cid, "agree_plan", AO, "2026-01-19")
    )
    assert "possible: offer_support, request_penalty_notice, close" in str(error)


def test_slt_refusal_blocks_and_approval_must_follow_entering_the_state(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    cid = concern(db, world)
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
    # An approval recorded before the case reached this stage does not count.
    evidence(
        db,
        cid,
        "slt_approval",
        HEAD,
        "2026-01-19",
        decision="approved",
        step="refer_formal_support",
    )
    fire(db, cid, "offer_support", AO, "2026-01-20")
    evidence(
        db,
        cid,
        "meeting",
        AO,
        "2026-01-20",
        purpose="school_support",
        attendees="mother",
        outcome="agreed",
    )
    for kind, fields in (
        ("letter_sent", {"letter": "attendance_concern", "sent_on": "2026-01-20"}),
        ("home_visit", {"outcome": "parent_seen"}),
        (
            "signed_plan",
            {"plan": "attendance_plan", "signed_on": "2026-01-20", "review_date": "2026-02-24"},
        ),
        ("agencies", {"agencies": "none"}),
    ):
        evidence(db, cid, kind, AO, "2026-01-20", **fields)
    error = refuses(
        db, snapshot, BlockedError, lambda: fire(db, cid, "refer_formal_support", AO, "2026-01-21")
    )
    assert error.reasons == ["needs SLT approval"]  # type: ignore[attr-defined]
    evidence(
        db,
        cid,
        "slt_approval",
        HEAD,
        "2026-01-21",
        decision="refused",
        step="refer_formal_support",
        reason="try the plan first",
    )
    error = refuses(
        db, snapshot, BlockedError, lambda: fire(db, cid, "refer_formal_support", AO, "2026-01-21")
    )
    assert error.reasons == ["SLT refused on 21 January 2026"]  # type: ignore[attr-defined]
    evidence(
        db,
        cid,
        "slt_approval",
        HEAD,
        "2026-01-22",
        decision="approved",
        step="refer_formal_support",
    )
    fire(db, cid, "refer_formal_support", AO, "2026-01-22")
    assert case_row(db, cid)["state"] == "formal_support"


def test_notice_to_improve_is_not_used_for_a_holiday(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    pupil = world.pupil()
    # Leave taken without a request: the concern it opens is a holiday case.
    lid = cases.open_case(
        db,
        upn=pupil,
        kind="leave_request",
        who=as_user(db, AO),
        today=d("2026-03-09"),
        details={
            "applicant": MOTHER,
            "start": "2026-03-02",
            "end": "2026-03-03",
            "requested_on": "2026-03-09",
        },
    ).id
    world.marks(
        pupil, d("2026-03-02"), d("2026-03-06"), {d("2026-03-02"): "G", d("2026-03-03"): "G"}
    )
    fire(db, lid, "record_taken", AO, "2026-03-09")
    (cid,) = (c["id"] for c in cases_of(db, pupil, "attendance_concern"))
    assert case_row(db, cid)["details"] == {"holiday": True}
    # Walk it to formal support, then a notice to improve is refused for a holiday.
    evidence(
        db,
        cid,
        "contact_attempt",
        AO,
        "2026-03-09",
        channel="phone",
        contact=MOTHER,
        outcome="reached",
    )
    fire(db, cid, "offer_support", AO, "2026-03-09")
    for kind, fields in (
        ("meeting", {"purpose": "school_support", "attendees": "mother", "outcome": "ok"}),
        ("letter_sent", {"letter": "leave_not_applied_for", "sent_on": "2026-03-09"}),
        ("home_visit", {"outcome": "parent_seen"}),
        (
            "signed_plan",
            {"plan": "attendance_plan", "signed_on": "2026-03-09", "review_date": "2026-04-20"},
        ),
        ("agencies", {"agencies": "none"}),
        ("support_offered", {"support": "early_help", "accepted": "Y"}),
    ):
        evidence(db, cid, kind, AO, "2026-03-09", **fields)
    evidence(
        db,
        cid,
        "slt_approval",
        HEAD,
        "2026-03-10",
        decision="approved",
        step="refer_formal_support",
    )
    fire(db, cid, "refer_formal_support", AO, "2026-03-10")
    evidence(
        db,
        cid,
        "slt_approval",
        HEAD,
        "2026-03-11",
        decision="approved",
        step="issue_notice_to_improve",
    )
    error = refuses(
        db,
        snapshot,
        BlockedError,
        lambda: fire(db, cid, "issue_notice_to_improve", AO, "2026-03-11"),
    )
    assert error.reasons == [  # type: ignore[attr-defined]
        "a notice to improve is not used for a term-time holiday",
        # Two days' holiday are 4 sessions: under the national threshold as well.
        "threshold not met: 4 of 10 sessions in the last 10 school weeks up to 11 March 2026",
    ]


def test_close_needs_an_outcome_and_a_note_and_left_roll_a_leaving_date(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    cid = concern(db, world)
    error = refuses(db, snapshot, BlockedError, lambda: fire(db, cid, "close", AO, "2026-01-20"))
    assert error.reasons == ["needs outcome", "needs note"]  # type: ignore[attr-defined]
    error = refuses(
        db,
        snapshot,
        BlockedError,
        lambda: fire(db, cid, "close", AO, "2026-01-20", outcome="gone", note="x"),
    )
    assert error.reasons == [  # type: ignore[attr-defined]
        "outcome must be one of improved_sustained, left_roll, transferred, other, not 'gone'"
    ]
    error = refuses(
        db,
        snapshot,
        BlockedError,
        lambda: fire(db, cid, "close", AO, "2026-01-20", outcome="left_roll", note="moved"),
    )
    assert error.reasons == ["the pupil has no leaving date recorded"]  # type: ignore[attr-defined]
    fire(db, cid, "close", AO, "2026-01-20", outcome="improved_sustained", note="100% since")
    row = case_row(db, cid)
    assert (row["state"], row["closed_on"], row["version"]) == ("closed", d("2026-01-20"), 2)
    assert transitions(db, cid)[-1]["data"]["params"] == {"outcome": "improved_sustained"}
    assert cases.replay_state(db, cid) == "closed"


def test_step_down_when_support_is_working(db: Database, world: World) -> None:
    cid = concern(db, world)
    evidence(
        db,
        cid,
        "contact_attempt",
        AO,
        "2026-01-19",
        channel="text",
        contact=FATHER,
        outcome="message_left",
    )
    fire(db, cid, "offer_support", AO, "2026-01-19")
    with pytest.raises(BlockedError, match="needs note"):
        fire(db, cid, "step_down", AO, "2026-02-02")
    fire(db, cid, "step_down", AO, "2026-02-02", note="every day on time for two weeks")
    assert [(t["trigger"], t["from_state"], t["to_state"]) for t in transitions(db, cid)] == [
        ("offer_support", "monitoring", "school_support"),
        ("step_down", "school_support", "monitoring"),
    ]
    assert cases.replay_state(db, cid) == "monitoring"


# -- permissions -----------------------------------------------------------------------------


def test_teacher_may_read_and_note_but_not_act(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    cid = concern(db, world)
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
    error = refuses(
        db,
        snapshot,
        NotPermittedError,
        lambda: fire(db, cid, "offer_support", TEACHER, "2026-01-19"),
    )
    assert str(error) == (
        "a teacher may not offer support: needs the role attendance_officer or senior_leader"
    )
    other = world.pupil()
    refuses(
        db,
        snapshot,
        cases.CaseError,
        lambda: cases.open_case(
            db,
            upn=other,
            kind="attendance_concern",
            who=as_user(db, TEACHER),
            today=d("2026-01-19"),
        ),
    )
    refuses(
        db,
        snapshot,
        cases.CaseError,
        lambda: evidence(
            db,
            cid,
            "contact_attempt",
            TEACHER,
            "2026-01-19",
            channel="phone",
            contact=MOTHER,
            outcome="reached",
        ),
    )
    shown = cases.show_case(db, case_id=cid, who=as_user(db, TEACHER), today=d("2026-01-19"))
    offer = next(s for s in shown.next_steps if s.trigger == "offer_support")
    assert (offer.allowed, offer.permitted) == (True, False)
    evidence(db, cid, "note", TEACHER, "2026-01-19", text="seemed tired this week")
    assert events(db, cid)[-1]["role"] == "teacher"


def test_la_officer_does_not_see_a_case_not_referred(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    cid = concern(db, world)
    # Not "not permitted": the LA must not learn that the case exists.
    for action in (
        lambda: fire(db, cid, "close", LA, "2026-01-19", outcome="other", note="x"),
        lambda: evidence(db, cid, "note", LA, "2026-01-19", text="x"),
        lambda: cases.show_case(db, case_id=cid, who=as_user(db, LA), today=d("2026-01-19")),
    ):
        error = refuses(db, snapshot, cases.CaseNotFoundError, action)
        assert str(error) == f"no case {cid}"
    assert cases.list_cases(db, who=as_user(db, LA)) == []


def test_la_officer_acts_on_referred_cases_of_their_own_authority_only(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    cid = referred_concern(db, world)
    assert [c.id for c in cases.list_cases(db, who=as_user(db, LA))] == [cid]
    assert cases.list_cases(db, who=as_user(db, LA_ELSEWHERE)) == []
    refuses(
        db,
        snapshot,
        cases.CaseNotFoundError,
        lambda: cases.show_case(
            db, case_id=cid, who=as_user(db, LA_ELSEWHERE), today=d("2026-01-22")
        ),
    )
    # A school-only step is not the LA's to take.
    error = refuses(
        db,
        snapshot,
        NotPermittedError,
        lambda: fire(db, cid, "request_penalty_notice", LA, "2026-01-22"),
    )
    assert "needs the role attendance_officer or senior_leader" in str(error)
    # LA officers do not record a head's approval; they do record support offered.
    refuses(
        db,
        snapshot,
        cases.CaseError,
        lambda: evidence(
            db,
            cid,
            "slt_approval",
            LA,
            "2026-01-22",
            decision="approved",
            step="issue_notice_to_improve",
        ),
    )
    evidence(db, cid, "support_offered", LA, "2026-01-22", support="early_help", accepted="Y")
    assert events(db, cid)[-1]["username"] == LA


def test_school_staff_do_not_see_another_schools_cases(
    db: Database, world: World, data_dir: Path, snapshot: Snapshot
) -> None:
    cid = concern(db, world)
    other = dataclasses.replace(load_school(data_dir / "school.toml"), urn="100002")
    save_school(db, other)
    users.add_user(
        db,
        username="x.lead",
        name="Xan Lead",
        position="Attendance Lead",
        role="attendance_officer",
        school_urn="100002",
    )
    refuses(
        db,
        snapshot,
        cases.CaseNotFoundError,
        lambda: cases.show_case(db, case_id=cid, who=as_user(db, "x.lead"), today=d("2026-01-19")),
    )
    assert cases.list_cases(db, who=as_user(db, "x.lead")) == []
    # Nor open a case for a pupil of another school.
    pupil = world.pupil()
    refuses(
        db,
        snapshot,
        cases.CaseError,
        lambda: cases.open_case(
            db,
            upn=pupil,
            kind="missing_education",
            who=as_user(db, "x.lead"),
            today=d("2026-01-19"),
        ),
    )


def test_unknown_user_is_refused(db: Database, world: World, snapshot: Snapshot) -> None:
    cid = concern(db, world)
    error = refuses(
        db, snapshot, users.UserError, lambda: fire(db, cid, "close", "nobody", "2026-01-19")
    )
    # The hint to add one is the CLI's to give (tests/integration/cli/test_case_cli.py).
    assert str(error) == "no user 'nobody'"
    assert isinstance(error, users.UserNotFoundError) and error.username == "nobody"


# -- evidence ---------------------------------------------------------------------------------


def test_only_a_senior_leader_records_slt_approval(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    cid = concern(db, world)
    error = refuses(
        db,
        snapshot,
        cases.CaseError,
        lambda: evidence(
            db,
            cid,
            "slt_approval",
            AO,
            "2026-01-19",
            decision="approved",
            step="request_penalty_notice",
        ),
    )
    assert str(error) == (
        "an attendance officer may not record senior leader's decision (needs senior_leader)"
    )
    evidence(
        db,
        cid,
        "slt_approval",
        HEAD,
        "2026-01-19",
        decision="approved",
        step="request_penalty_notice",
    )
    (row,) = evidence_rows(db, cid)
    assert row["details"] == {"decision": "approved", "step": "request_penalty_notice"}


def test_only_the_la_records_a_payment(db: Database, world: World, snapshot: Snapshot) -> None:
    pupil = world.pupil()
    lid = cases.open_case(
        db,
        upn=pupil,
        kind="leave_request",
        who=as_user(db, AO),
        today=d("2026-03-09"),
        details={
            "applicant": MOTHER,
            "start": "2026-03-02",
            "end": "2026-03-06",
            "requested_on": "2026-03-09",
        },
    ).id
    days = world.calendar.school_days(d("2026-03-02"), d("2026-03-06"))
    world.marks(pupil, days[0], days[-1], dict.fromkeys(days, "G"))
    fire(db, lid, "record_taken", AO, "2026-03-09")
    (cid,) = (c["id"] for c in cases_of(db, pupil, "attendance_concern"))
    request_for_holiday(db, cid, "2026-03-09")
    notice = cases_of(db, pupil, "penalty_notice")[0]["id"]
    for who in (AO, HEAD):
        refuses(
            db,
            snapshot,
            cases.CaseError,
            lambda who=who: evidence(
                db, notice, "payment", who, "2026-03-10", amount="80", paid_on="2026-03-10"
            ),
        )
    evidence(db, notice, "payment", LA, "2026-03-10", amount="80", paid_on="2026-03-10")
    assert evidence_rows(db, notice)[0]["details"] == {"amount": 80.0, "paid_on": "2026-03-10"}


def test_evidence_with_a_bad_field_is_refused_by_name(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    cid = concern(db, world)
    for details, message in (
        (
            {"channel": "pigeon", "contact": MOTHER, "outcome": "reached"},
            "channel must be one of phone, text, email, letter, in_person, not 'pigeon'",
        ),
        ({"channel": "phone", "outcome": "reached"}, "contact_attempt needs contact"),
        (
            {"channel": "phone", "contact": MOTHER, "outcome": "reached", "mood": "x"},
            "contact_attempt has no field 'mood'",
        ),
    ):
        error = refuses(
            db,
            snapshot,
            cases.CaseError,
            lambda details=details: cases.add_evidence(
                db,
                case_id=cid,
                kind="contact_attempt",
                details=details,
                who=as_user(db, AO),
                today=d("2026-01-19"),
            ),
        )
        assert str(error).startswith(message)
    refuses(
        db,
        snapshot,
        cases.CaseError,
        lambda: evidence(db, cid, "horoscope", AO, "2026-01-19", sign="leo"),
    )
    # Only the sweep records findings.
    refuses(
        db,
        snapshot,
        cases.CaseError,
        lambda: evidence(
            db, cid, "finding", HEAD, "2026-01-19", rule="x", reason="y", as_of="2026-01-19"
        ),
    )


def test_superseding_needs_a_reason_and_keeps_the_old_row(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    cid = concern(db, world)
    first = evidence(db, cid, "home_visit", AO, "2026-01-19", outcome="no_answer")
    before_rows = evidence_rows(db, cid)

    def supersede(reason: str | None, kind: str = "home_visit", who: str = AO, **details: Any):
        return lambda: cases.add_evidence(
            db,
            case_id=cid,
            kind=kind,
            details=details or {"outcome": "parent_seen"},
            who=as_user(db, who),
            today=d("2026-01-20"),
            supersedes=first,
            reason=reason,
        )

    error = refuses(db, snapshot, cases.CaseError, supersede(None))
    assert str(error) == "superseding evidence needs a reason"
    error = refuses(db, snapshot, cases.CaseError, supersede("x", kind="note", text="hide it"))
    assert "can only be superseded by another home visit" in str(error)
    second = cases.add_evidence(
        db,
        case_id=cid,
        kind="home_visit",
        details={"outcome": "parent_seen"},
        who=as_user(db, AO),
        today=d("2026-01-20"),
        supersedes=first,
        reason="wrong house recorded",
    )
    rows = evidence_rows(db, cid)
    assert rows[0] == before_rows[0]  # the old row is kept exactly as it was
    assert (rows[1]["id"], rows[1]["supersedes_id"], rows[1]["supersede_reason"]) == (
        second,
        first,
        "wrong house recorded",
    )
    event = events(db, cid)[-1]
    assert (event["action"], event["evidence_id"], event["note"]) == (
        "superseded",
        second,
        "wrong house recorded",
    )
    # The case page shows both, the old one marked as superseded.
    shown = cases.show_case(db, case_id=cid, who=as_user(db, AO), today=d("2026-01-20")).evidence
    assert [(e.id, e.superseded_by, e.supersedes) for e in shown] == [
        (first, second, None),
        (second, None, first),
    ]
    # An item already superseded cannot be superseded again.
    error = refuses(db, snapshot, cases.CaseError, supersede("again"))
    assert str(error) == f"evidence {first} was already superseded"
    # Evidence of another case cannot be superseded from this one.
    other = concern(db, world)
    error = refuses(
        db,
        snapshot,
        cases.CaseError,
        lambda: cases.add_evidence(
            db,
            case_id=other,
            kind="home_visit",
            details={"outcome": "parent_seen"},
            who=as_user(db, AO),
            today=d("2026-01-20"),
            supersedes=second,
            reason="x",
        ),
    )
    assert str(error) == f"case {other} has no evidence {second}"


def test_a_refusal_cannot_be_superseded_by_someone_who_may_not_record_it(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    cid = concern(db, world)
    refusal = evidence(
        db,
        cid,
        "slt_approval",
        HEAD,
        "2026-01-19",
        decision="refused",
        step="request_penalty_notice",
    )
    refuses(
        db,
        snapshot,
        cases.CaseError,
        lambda: cases.add_evidence(
            db,
            case_id=cid,
            kind="slt_approval",
            details={"decision": "approved", "step": "request_penalty_notice"},
            who=as_user(db, AO),
            today=d("2026-01-20"),
            supersedes=refusal,
            reason="head said yes on the phone",
        ),
    )
    # The head may correct their own decision; guards then read the correction.
    cases.add_evidence(
        db,
        case_id=cid,
        kind="",
        details={"decision": "approved", "step": "request_penalty_notice"},
        who=as_user(db, HEAD),
        today=d("2026-01-20"),
        supersedes=refusal,
        reason="changed my mind",
    )
    shown = cases.show_case(db, case_id=cid, who=as_user(db, AO), today=d("2026-01-20"))
    step = next(s for s in shown.next_steps if s.trigger == "request_penalty_notice")
    assert "needs SLT approval" not in step.reasons
    assert not any(r.startswith("SLT refused") for r in step.reasons)


# -- opening cases -----------------------------------------------------------------------------


def test_one_open_concern_per_pupil_and_no_hand_made_penalty_notices(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    pupil = world.pupil()
    first = cases.open_case(
        db, upn=pupil, kind="attendance_concern", who=as_user(db, AO), today=d("2026-01-19")
    )
    error = refuses(
        db,
        snapshot,
        cases.CaseError,
        lambda: cases.open_case(
            db, upn=pupil, kind="attendance_concern", who=as_user(db, HEAD), today=d("2026-01-20")
        ),
    )
    assert str(error) == f"{pupil} already has an open attendance concern case: {first.id}"
    error = refuses(
        db,
        snapshot,
        cases.CaseError,
        lambda: cases.open_case(
            db, upn=pupil, kind="penalty_notice", who=as_user(db, HEAD), today=d("2026-01-20")
        ),
    )
    assert "requesting one on an attendance concern" in str(error)
    error = refuses(
        db,
        snapshot,
        cases.CaseError,
        lambda: cases.open_case(
            db, upn=pupil, kind="truancy", who=as_user(db, HEAD), today=d("2026-01-20")
        ),
    )
    assert str(error).startswith("unknown case kind 'truancy'")
    error = refuses(
        db,
        snapshot,
        cases.CaseError,
        lambda: cases.open_case(
            db,
            upn="A801200005001",
            kind="leave_request",
            who=as_user(db, HEAD),
            today=d("2026-01-20"),
            details={"applicant": MOTHER, "start": "2026-03-02", "end": "2026-03-03"},
        ),
    )
    assert str(error) == "no pupil with UPN A801200005001 at your school"
    # Once closed, a new concern may be opened.
    fire(db, first.id, "close", AO, "2026-01-21", outcome="other", note="opened in error")
    again = cases.open_case(
        db, upn=pupil, kind="attendance_concern", who=as_user(db, AO), today=d("2026-01-22")
    )
    assert again.id != first.id


@pytest.mark.parametrize(
    ("kind", "details"),
    [
        ("attendance_concern", {"holiday": "false"}),
        ("attendance_concern", {"notice_to_improve_issued": "2025-09-01"}),
        ("missing_education", {"referred_on": "2026-01-01"}),
        ("leave_request", {"start": "2026-03-02", "end": "2026-03-03", "agreed_end": "x"}),
    ],
)
def test_opening_a_case_cannot_set_what_its_steps_set(
    db: Database, world: World, snapshot: Snapshot, kind: str, details: dict[str, str]
) -> None:
    """Guards read these details; typed in at opening they would skip a step's checks."""
    pupil = world.pupil()
    error = refuses(
        db,
        snapshot,
        cases.CaseError,
        lambda: cases.open_case(
            db, upn=pupil, kind=kind, who=as_user(db, AO), today=d("2026-01-19"), details=details
        ),
    )
    assert "is not opened with" in str(error)


def test_missing_education_opened_with_a_safeguarding_flag(db: Database, world: World) -> None:
    no = cases.open_case(
        db,
        upn=world.pupil(),
        kind="missing_education",
        who=as_user(db, AO),
        today=d("2026-03-09"),
        details={"safeguarding": "N"},
    )
    yes = cases.open_case(
        db,
        upn=world.pupil(),
        kind="missing_education",
        who=as_user(db, AO),
        today=d("2026-03-09"),
        details={"safeguarding": "Y"},
    )
    # Opened by hand, the absence is taken to start today unless the first day is given.
    assert case_row(db, no.id)["details"] == {
        "safeguarding": False,
        "first_absent_on": "2026-03-09",
    }
    assert case_row(db, yes.id)["details"] == {
        "safeguarding": True,
        "first_absent_on": "2026-03-09",
    }
    with pytest.raises(cases.CaseError, match="safeguarding must be Y or N"):
        cases.open_case(
            db,
            upn=world.pupil(),
            kind="missing_education",
            who=as_user(db, AO),
            today=d("2026-03-09"),
            details={"safeguarding": "maybe"},
        )


def test_bad_params_are_refused_by_name(db: Database, world: World, snapshot: Snapshot) -> None:
    pupil = world.pupil()
    lid = cases.open_case(
        db,
        upn=pupil,
        kind="leave_request",
        who=as_user(db, AO),
        today=d("2026-02-02"),
        details={"applicant": MOTHER, "start": "2026-03-02", "end": "2026-03-06"},
    ).id
    fire(db, lid, "review", AO, "2026-02-02")
    # Days granted are a number or the dates: the step's guard names what it cannot read.
    error = refuses(
        db,
        snapshot,
        BlockedError,
        lambda: fire(
            db, lid, "grant_in_part", HEAD, "2026-02-03", days_granted="three", reason="funeral"
        ),
    )
    assert str(error) == (
        "cannot grant in part now: days granted: 'three' is not a date "
        "(give YYYY-MM-DD dates or a number)"
    )
    mid = cases.open_case(
        db, upn=pupil, kind="missing_education", who=as_user(db, AO), today=d("2026-02-02")
    ).id
    error = refuses(
        db,
        snapshot,
        cases.CaseError,
        lambda: fire(db, mid, "record_return", AO, "2026-02-03", note="back", effective_on="soon"),
    )
    assert str(error) == "effective_on 'soon' is not a date in the form YYYY-MM-DD"


def test_a_deadline_beyond_the_calendar_is_a_refusal_not_a_crash(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    cid = concern(db, world, "2026-07-01")
    evidence(
        db,
        cid,
        "contact_attempt",
        AO,
        "2026-07-01",
        channel="phone",
        contact=MOTHER,
        outcome="reached",
    )
    fire(db, cid, "offer_support", AO, "2026-07-01")
    evidence(
        db,
        cid,
        "meeting",
        AO,
        "2026-07-01",
        purpose="school_support",
        attendees="mother",
        outcome="agreed",
    )
    evidence(
        db,
        cid,
        "signed_plan",
        AO,
        "2026-07-01",
        plan="attendance_plan",
        signed_on="2026-06-01",
        review_date="2026-07-13",
    )
    # The plan sets its own review date, inside the calendar (issue 8, item 13) ...
    fire(db, cid, "agree_plan", AO, "2026-07-01")
    assert open_deadlines(db, cid) == {"plan_review": d("2026-07-13")}
    # ... but formal support's review, 6 school weeks on from 1 July, runs past the calendar.
    evidence(db, cid, "letter_sent", AO, "2026-07-01", letter="attendance_concern",
             sent_on="2026-07-01")  # fmt: skip
    evidence(db, cid, "home_visit", AO, "2026-07-01", outcome="parent_seen")
    evidence(db, cid, "agencies", AO, "2026-07-01", agencies="none")
    evidence(db, cid, "slt_approval", HEAD, "2026-07-01", decision="approved",
             step="refer_formal_support")  # fmt: skip
    error = refuses(
        db,
        snapshot,
        cases.CaseError,
        lambda: fire(db, cid, "refer_formal_support", AO, "2026-07-01"),
    )
    assert str(error).startswith("cannot refer formal support: the calendar has")


# -- penalty notices: the repeat rules ------------------------------------------------------


def _holiday_notices(
    db: Database, world: World, pupil: str, start: str, end: str, today: str
) -> int:
    """Leave taken without permission -> holiday concern -> penalty notice for the mother,
    approved and issued; returns the concern."""
    cid = holiday_taken(db, world, pupil, start, end, today)
    outcome = request_for_holiday(db, cid, today)
    (mother,) = (c.id for c in outcome.opened if case_row(db, c.id)["details"]["parent"] == MOTHER)
    fire(db, mother, "approve", HEAD, today)
    la_finds_liable(db, mother, today)
    fire(db, mother, "issue", LA, today)
    fire(db, mother, "record_service", LA, today, service="hand", sent_on=today)
    return cid


def test_no_third_notice_within_three_years_and_that_bar_opens_prosecution(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    pupil = world.pupil(contacts=[(MOTHER, "Mother", True)])
    first = _holiday_notices(db, world, pupil, "2025-09-22", "2025-09-26", "2025-09-29")
    fire(db, first, "close", AO, "2025-10-06", outcome="other", note="notice issued")
    second = _holiday_notices(db, world, pupil, "2025-11-03", "2025-11-07", "2025-11-10")
    second_notice = cases_of(db, pupil, "penalty_notice")[-1]
    # A second notice to the same parent for the same child is at the higher amount only.
    details = second_notice["details"]
    assert (details["reduced_amount"], details["full_amount"]) == (160.0, 160.0)
    # ... so it has a final payment date and no reduced-payment date.
    assert list(open_deadlines(db, second_notice["id"])) == ["payment_final"]
    fire(db, second, "close", AO, "2025-11-17", outcome="other", note="notice issued")
    third = holiday_taken(db, world, pupil, "2026-01-12", "2026-01-16", "2026-01-19")
    slt_finds_no_notice_to_improve_appropriate(db, third, "2026-01-19")
    # The bar is checked when the concern asks: no third notice case is opened.
    error = refuses(
        db,
        snapshot,
        BlockedError,
        lambda: fire(db, third, "request_penalty_notice", AO, "2026-01-19"),
    )
    assert error.reasons == [  # type: ignore[attr-defined]
        f"{MOTHER} already had 2 penalty notices for this child within 3 years: a third is "
        "barred; use another route"
    ]
    assert len(cases_of(db, pupil, "penalty_notice")) == 2
    # The bar is the other route to prosecution: no unpaid notice is needed.
    for kind, fields in (
        ("prosecution_pack", {"sent_on": "2026-01-20", "sent_to": "LA legal services"}),
        ("letter_sent", {"letter": "leave_not_applied_for", "sent_on": "2026-01-19"}),
        ("home_visit", {"outcome": "parent_seen"}),
        (
            "signed_plan",
            {"plan": "attendance_plan", "signed_on": "2026-01-19", "review_date": "2026-02-24"},
        ),
        ("agencies", {"agencies": "none"}),
    ):
        evidence(db, third, kind, AO, "2026-01-20", **fields)
    # Support first, then formal support with the LA, from where the bar opens prosecution.
    evidence(db, third, "contact_attempt", AO, "2026-01-20", channel="phone", contact=MOTHER,
             outcome="reached")  # fmt: skip
    fire(db, third, "offer_support", AO, "2026-01-20")
    evidence(db, third, "meeting", AO, "2026-01-20", purpose="school_support",
             attendees="mother", outcome="no change")  # fmt: skip
    evidence(db, third, "slt_approval", HEAD, "2026-01-20", decision="approved",
             step="refer_formal_support")  # fmt: skip
    fire(db, third, "refer_formal_support", AO, "2026-01-20")
    # The LA records its ESO consideration before any prosecution (s447).
    evidence(db, third, "eso_considered", LA, "2026-01-20", decision="not_appropriate",
             reason="holidays only")  # fmt: skip
    evidence(
        db, third, "slt_approval", HEAD, "2026-01-20", decision="approved", step="refer_prosecution"
    )
    fire(db, third, "refer_prosecution", HEAD, "2026-01-20")
    assert case_row(db, third)["state"] == "prosecution"
    for case in cases_of(db, pupil):
        assert cases.replay_state(db, case["id"]) == case["state"]


# -- the sweep and the holiday flag -------------------------------------------------------------


def test_holiday_found_on_an_open_concern_is_recorded_in_its_audit_trail(
    db: Database, world: World
) -> None:
    pupil = world.pupil()
    cid = cases.open_case(
        db, upn=pupil, kind="attendance_concern", who=as_user(db, AO), today=d("2026-01-05")
    ).id
    holiday = {day: "G" for day in world.calendar.school_days(d("2026-01-12"), d("2026-01-16"))}
    world.marks(pupil, d("2025-09-03"), d("2026-01-16"), holiday)
    swept = daily_sweep(db, d("2026-01-16"))
    assert swept.cases_opened == []
    assert [e["rule"] for e in swept.evidence_added] == ["penalty_threshold"]
    row = case_row(db, cid)
    assert (row["details"], row["version"]) == ({"holiday": True}, 2)
    change = next(e for e in events(db, cid) if e["action"] == "details")
    assert (change["username"], change["role"], change["data"]) == (
        SYSTEM,
        "system",
        {"details": {"holiday": True}},
    )
    # Found again the next day: nothing more is added or changed.
    daily_sweep(db, d("2026-01-19"))
    assert case_row(db, cid)["version"] == 2
    assert len(evidence_rows(db, cid)) == 1


# -- the audit trail is append only -------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE case_event SET note = 'rewritten' WHERE case_id = :case",
        "UPDATE case_event SET to_state = 'closed'",
        "DELETE FROM case_event WHERE case_id = :case",
        "DELETE FROM case_event",
    ],
)
def test_the_database_refuses_to_change_or_remove_an_audit_event(
    db: Database, world: World, statement: str
) -> None:
    cid = concern(db, world)
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
    fire(db, cid, "offer_support", AO, "2026-01-19", note="original")
    before = events(db, cid)
    with (
        pytest.raises(DBAPIError, match="case_event is append only"),
        db.engine.begin() as connection,
    ):
        connection.execute(text(statement), {"case": cid})
    assert events(db, cid) == before
    assert cases.replay_state(db, cid) == case_row(db, cid)["state"] == "school_support"


def test_system_username_is_kept_for_the_sweep(db: Database, world: World) -> None:
    with pytest.raises(users.UserError, match="kept for the daily sweep"):
        users.add_user(
            db,
            username=SYSTEM,
            name="Someone",
            position="Attendance Lead",
            role="attendance_officer",
            school_urn=URN,
        )


def test_sweeping_one_school_leaves_other_schools_deadlines_alone(
    db: Database, world: World, data_dir: Path
) -> None:
    other = dataclasses.replace(load_school(data_dir / "school.toml"), urn="100002")
    save_school(db, other)
    users.add_user(
        db,
        username="x.lead",
        name="Xan Lead",
        position="Attendance Lead",
        role="attendance_officer",
        school_urn="100002",
    )
    theirs = generated_upn(900)
    store_pupils(
        db,
        [
            PupilRecord(
                theirs,
                "Other",
                "Pupil",
                date(2016, 1, 1),
                "F",
                "4",
                admission_date=date(2025, 9, 3),
            )
        ],
        "100002",
    )
    store_contacts(db, [ContactRecord(theirs, MOTHER, "Mother", True, True, 1)], "100002")
    ours = world.pupil()
    ids = {}
    for upn_, who in ((ours, AO), (theirs, "x.lead")):
        mid = cases.open_case(
            db, upn=upn_, kind="missing_education", who=as_user(db, who), today=d("2026-03-09")
        ).id
        evidence(
            db,
            mid,
            "contact_attempt",
            who,
            "2026-03-09",
            channel="phone",
            contact=MOTHER,
            outcome="no_answer",
        )
        fire(db, mid, "start_enquiries", who, "2026-03-09")
        ids[upn_] = mid
    swept = daily_sweep(db, d("2026-03-20"), URN)
    assert {x["case"] for x in swept.deadlines_overdue} == {ids[ours]}
    everywhere = daily_sweep(db, d("2026-03-20"))
    assert {x["case"] for x in everywhere.deadlines_overdue} == set(ids.values())
