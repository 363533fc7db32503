"""The senior leader's queue, read from the lifecycles: escalations and the head's decisions."""

from __future__ import annotations

import pytest

from casework.services import approvals
from casework.services.errors import CaseNotFoundError, FieldErrors
from casework.store.database import Database
from tests.support.actions import as_user
from tests.support.escalations import TODAY, concern_awaiting_approval, leave_under_review
from tests.support.rows import Snapshot, case_row, evidence_rows, transitions
from tests.support.world import AO, HEAD, World


def test_an_escalation_waits_when_slt_approval_is_all_it_lacks(db: Database, world: World) -> None:
    _pupil, cid = concern_awaiting_approval(db, world)
    queue = approvals.approvals_queue(db, who=as_user(db, HEAD), today=TODAY)
    # The week of O meets the national threshold and support was offered, so a notice to
    # improve from the plan waits on SLT approval too.
    item, notice = queue.escalations
    assert (item.case.id, item.case.pupil_name, item.step) == (
        cid,
        "Pupil1 Generated",
        "refer_formal_support",
    )
    assert item.label == "Refer for formal support with the LA"
    assert (notice.case.id, notice.step) == (cid, "issue_notice_to_improve")
    assert queue.decisions == ()


def test_approving_records_slt_approval_evidence_and_the_item_leaves_the_queue(
    db: Database, world: World
) -> None:
    _pupil, cid = concern_awaiting_approval(db, world)
    done = approvals.decide_escalation(
        db, who=as_user(db, HEAD), today=TODAY, case_id=cid, step="refer_formal_support",
        decision="approved",
    )  # fmt: skip
    assert [e.step for e in done.escalations] == ["issue_notice_to_improve"]
    assert done.message == "you approved “Refer for formal support with the LA”"
    last = evidence_rows(db, cid)[-1]
    assert (last["kind"], last["details"]) == (
        "slt_approval",
        {"decision": "approved", "step": "refer_formal_support"},
    )
    queue = approvals.approvals_queue(db, who=as_user(db, HEAD), today=TODAY)
    assert [e.step for e in queue.escalations] == ["issue_notice_to_improve"]


def test_a_refusal_needs_a_note_and_is_recorded_with_it(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    _pupil, cid = concern_awaiting_approval(db, world)
    head = as_user(db, HEAD)
    before = snapshot(db)
    with pytest.raises(FieldErrors) as refused:
        approvals.decide_escalation(
            db, who=head, today=TODAY, case_id=cid, step="refer_formal_support",
            decision="refused", note="  ",
        )  # fmt: skip
    assert "note" in refused.value.fields
    assert snapshot(db) == before
    approvals.decide_escalation(
        db, who=head, today=TODAY, case_id=cid, step="refer_formal_support",
        decision="refused", note="give the plan another four weeks",
    )  # fmt: skip
    assert evidence_rows(db, cid)[-1]["details"] == {
        "decision": "refused",
        "step": "refer_formal_support",
        "reason": "give the plan another four weeks",
    }
    queue = approvals.approvals_queue(db, who=head, today=TODAY)
    assert [e.step for e in queue.escalations] == ["issue_notice_to_improve"]


def test_a_leave_request_under_review_waits_for_the_head_s_decision(
    db: Database, world: World
) -> None:
    _pupil, lid = leave_under_review(db, world)
    queue = approvals.approvals_queue(db, who=as_user(db, HEAD), today=TODAY)
    (item,) = queue.decisions
    assert item.case.id == lid
    assert [(c.trigger, c.allowed) for c in item.choices] == [
        ("grant", True),
        ("grant_in_part", True),
        ("decline", True),
    ]
    assert item.fields == ("days_granted",)


def test_granting_in_part_takes_the_step_with_the_days_and_the_reason(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    _pupil, lid = leave_under_review(db, world)
    head = as_user(db, HEAD)
    before = snapshot(db)
    with pytest.raises(FieldErrors) as refused:
        approvals.take_decision(db, who=head, today=TODAY, case_id=lid, trigger="grant_in_part",
                                note="a funeral abroad")  # fmt: skip
    assert set(refused.value.fields) == {"days_granted"}
    with pytest.raises(FieldErrors):
        approvals.take_decision(db, who=head, today=TODAY, case_id=lid, trigger="decline")
    assert snapshot(db) == before
    done = approvals.take_decision(
        db, who=head, today=TODAY, case_id=lid, trigger="grant_in_part", note="a funeral abroad",
        values={"days_granted": "3"},
    )  # fmt: skip
    assert done.decision is None and "partly granted" in done.message
    row = case_row(db, lid)
    assert (row["state"], row["details"]["days_granted"]) == ("partially_granted", 3)
    last = transitions(db, lid)[-1]
    assert (last["trigger"], last["username"], last["note"]) == (
        "grant_in_part",
        HEAD,
        "a funeral abroad",
    )


def test_the_queue_is_the_head_s_own_school_s(db: Database, world: World) -> None:
    _pupil, lid = leave_under_review(db, world)
    with pytest.raises(approvals.NotSeniorLeaderError):
        approvals.approvals_queue(db, who=as_user(db, AO), today=TODAY)
    with pytest.raises(CaseNotFoundError):
        approvals.take_decision(
            db, who=as_user(db, HEAD), today=TODAY, case_id=lid + 100, trigger="decline", note="x"
        )
