"""Formal support measures through the services: an attendance contract with its review date,
an early help referral, an education supervision order applied for, granted with its end
date and breached; each deadline shows on the case and in the worklist."""

from __future__ import annotations

import pytest

from casework.machines.lifecycle import BlockedError
from casework.services import cases
from casework.services.errors import CaseError
from casework.services.worklist import worklist
from casework.store.database import Database
from tests.support.actions import as_user, evidence, fire
from tests.support.dates import d
from tests.support.escalations import referred_to_la
from tests.support.rows import Snapshot, case_row, deadlines, evidence_rows, open_deadlines
from tests.support.world import AO, HEAD, LA, MOTHER, World

CONTRACT = {"signed_on": "2026-02-02", "parties": f"{MOTHER}, Lee Officer"}


def test_an_attendance_contract_s_review_is_due_and_outlasts_the_step_to_a_notice(
    db: Database, world: World
) -> None:
    _pupil, cid = referred_to_la(db, world)  # formal support from 26 January
    first = evidence(db, cid, "attendance_contract", LA, "2026-02-02", **CONTRACT)
    # Signed Monday 2 February: six school weeks on, the February half term skipped.
    assert open_deadlines(db, cid)["attendance_contract_review"] == d("2026-03-23")
    shown = cases.show_case(db, case_id=cid, who=as_user(db, AO), today=d("2026-03-18"))
    assert ("attendance contract review due", d("2026-03-23"), "open") in [
        (x.label, x.due_on, x.status) for x in shown.deadlines
    ]
    soon = worklist(db, who=as_user(db, AO), today=d("2026-03-18"))
    assert [(i.case.id, i.label, i.due_on) for i in soon.due] == [
        (cid, "attendance contract review due", d("2026-03-23"))
    ]
    late = worklist(db, who=as_user(db, AO), today=d("2026-03-24"))
    assert [(i.label, i.due_on) for i in late.overdue][-1] == (
        "attendance contract review due",
        d("2026-03-23"),
    )

    # A corrected contract (signed the day after) replaces the review date.
    cases.add_evidence(
        db,
        case_id=cid,
        kind="attendance_contract",
        details={**CONTRACT, "signed_on": "2026-02-03"},
        who=as_user(db, LA),
        today=d("2026-02-04"),
        supersedes=first,
        reason="signed on the Tuesday",
    )
    reviews = [x for x in deadlines(db, cid) if x["name"] == "attendance_contract_review"]
    assert [(x["due_on"], x["status"]) for x in reviews] == [
        (d("2026-03-23"), "closed"),
        (d("2026-03-24"), "open"),
    ]

    # The contract counts as formal support offered; the notice to improve that follows
    # closes the formal support review but not the contract's.
    evidence(db, cid, "slt_approval", HEAD, "2026-02-05", decision="approved",
             step="issue_notice_to_improve")  # fmt: skip
    fire(db, cid, "issue_notice_to_improve", AO, "2026-02-05")
    assert "contract_review" not in open_deadlines(db, cid)
    assert open_deadlines(db, cid)["attendance_contract_review"] == d("2026-03-24")
    fire(db, cid, "close", AO, "2026-02-06", outcome="improved_sustained", note="back in school")
    assert open_deadlines(db, cid) == {}


def test_an_early_help_referral_is_recorded_by_the_school(db: Database, world: World) -> None:
    _pupil, cid = referred_to_la(db, world)
    evidence(db, cid, "support_referral", AO, "2026-02-02", referred_to="early_help",
             referred_on="2026-02-02", outcome="family support worker allocated")  # fmt: skip
    (item,) = [e for e in evidence_rows(db, cid) if e["kind"] == "support_referral"]
    assert item["details"]["referred_to"] == "early_help"
    with pytest.raises(CaseError, match="referred_to must be one of early_help, multi_agency"):
        evidence(db, cid, "support_referral", AO, "2026-02-02", referred_to="police",
                 referred_on="2026-02-02")  # fmt: skip


def test_an_order_applied_for_granted_with_its_end_date_and_breached(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    _pupil, cid = referred_to_la(db, world)
    before = snapshot(db)
    with pytest.raises(CaseError, match="may not record education supervision order"):
        evidence(db, cid, "education_supervision_order", AO, "2026-02-02", stage="applied",
                 stage_on="2026-02-02")  # fmt: skip
    with pytest.raises(CaseError) as no_end:
        evidence(db, cid, "education_supervision_order", LA, "2026-03-02", stage="granted",
                 stage_on="2026-03-02")  # fmt: skip
    assert str(no_end.value) == "education_supervision_order granted needs ends_on"
    assert no_end.value.field == "ends_on"
    assert snapshot(db) == before

    evidence(db, cid, "education_supervision_order", LA, "2026-02-02", stage="applied",
             stage_on="2026-02-02")  # fmt: skip
    assert "education_supervision_order_ends" not in open_deadlines(db, cid)
    evidence(db, cid, "education_supervision_order", LA, "2026-03-02", stage="granted",
             stage_on="2026-03-02", ends_on="2027-03-01")  # fmt: skip
    assert open_deadlines(db, cid)["education_supervision_order_ends"] == d("2027-03-01")
    evidence(db, cid, "education_supervision_order", LA, "2026-05-11", stage="breached",
             stage_on="2026-05-11", summary="directions not followed")  # fmt: skip
    # A breach leaves the order (and its end) in place.
    assert open_deadlines(db, cid)["education_supervision_order_ends"] == d("2027-03-01")
    stages = [e["details"]["stage"] for e in evidence_rows(db, cid)
              if e["kind"] == "education_supervision_order"]  # fmt: skip
    assert stages == ["applied", "granted", "breached"]
    # The order is the LA's consideration of one: prosecution waits only on the rest.
    with pytest.raises(BlockedError) as blocked:
        fire(db, cid, "refer_prosecution", HEAD, "2026-05-11")
    assert blocked.value.reasons == [
        "no prosecution evidence pack recorded as sent",
        "needs SLT approval",
    ]
    assert case_row(db, cid)["state"] == "formal_support"
