"""The LA's decisions through the services: a formal-support referral or a penalty request is
accepted, returned (with its reason, back to the school) or refused, each by a step that
records its own la_decision evidence."""

from __future__ import annotations

import pytest

from casework import text
from casework.machines.lifecycle import BlockedError, NotPermittedError
from casework.services import cases, referrals
from casework.services.approvals import approvals_queue
from casework.services.errors import FieldErrors
from casework.services.worklist import worklist
from casework.store.database import Database
from tests.support.actions import as_user, evidence, fire
from tests.support.dates import d
from tests.support.escalations import TODAY, referred_to_la
from tests.support.penalties import la_finds_liable
from tests.support.rows import Snapshot, case_row, cases_of, evidence_rows, open_deadlines
from tests.support.world import AO, HEAD, LA, MOTHER, World

REASON = "no record of the plan review meeting"


def decisions(db: Database, case_id: int) -> list[dict[str, str]]:
    return [e["details"] for e in evidence_rows(db, case_id) if e["kind"] == "la_decision"]


def test_a_returned_referral_goes_back_to_the_school_with_its_reason_then_is_referred_again(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    _pupil, cid = referred_to_la(db, world)  # from the attendance plan, 26 January
    la = as_user(db, LA)
    before = snapshot(db)
    with pytest.raises(FieldErrors) as no_reason:
        referrals.decide_referral(db, who=la, today=TODAY, case_id=cid, decision="returned")
    assert no_reason.value.fields == {"reason": "Enter why the referral goes back to the school"}
    with pytest.raises(NotPermittedError):  # the school cannot return its own referral
        fire(db, cid, "return_referral", HEAD, "2026-02-04", note=REASON)
    assert snapshot(db) == before

    row = referrals.decide_referral(
        db, who=la, today=TODAY, case_id=cid, decision="returned", reason=REASON
    )
    assert (row.case.state, row.decision.decision, row.decision.reason) == (  # type: ignore[union-attr]
        "attendance_plan",
        "returned",
        REASON,
    )
    assert decisions(db, cid) == [{"decision": "returned", "reason": REASON}]
    assert case_row(db, cid)["entered_state_on"] == d("2026-02-04")
    # The school sees the reason on the case and in its worklist.
    shown = cases.show_case(db, case_id=cid, who=as_user(db, AO), today=TODAY)
    lines = [text.detail_line(k, v) for k, v in shown.details.items()]
    assert f"LA decision: returned on 4 February 2026: {REASON}" in lines
    (waiting,) = [w for w in worklist(db, who=as_user(db, AO), today=TODAY).waiting]
    assert waiting.case.id == cid
    assert text.la_decision_words(waiting.la_decision or {}) == (
        f"returned by the LA on 4 February 2026: {REASON}"
    )

    # Put right and sent again: the head approves afresh, and the LA's old decision is cleared.
    with pytest.raises(BlockedError, match="needs SLT approval"):
        fire(db, cid, "refer_formal_support", AO, "2026-02-05")
    evidence(db, cid, "meeting", AO, "2026-02-05", purpose="plan_review", attendees=MOTHER,
             outcome="review held")  # fmt: skip
    evidence(db, cid, "slt_approval", HEAD, "2026-02-05", decision="approved",
             step="refer_formal_support")  # fmt: skip
    fire(db, cid, "refer_formal_support", AO, "2026-02-05")
    assert case_row(db, cid)["details"]["la_decision"] is None
    assert referrals.referral(db, who=la, case_id=cid).decision is None
    assert worklist(db, who=as_user(db, AO), today=d("2026-02-05")).waiting[0].la_decision is None

    # Accepted: the case stays in formal support, its review date and entry day unchanged.
    review = open_deadlines(db, cid)
    row = referrals.decide_referral(
        db, who=la, today=d("2026-02-06"), case_id=cid, decision="accepted"
    )
    assert (row.case.state, row.decision.decision) == ("formal_support", "accepted")  # type: ignore[union-attr]
    assert open_deadlines(db, cid) == review and "contract_review" in review
    assert case_row(db, cid)["entered_state_on"] == d("2026-02-05")
    assert decisions(db, cid)[-1] == {"decision": "accepted"}
    assert cases.replay_state(db, cid) == "formal_support"


def test_a_refused_referral_goes_back_to_where_it_came_from(db: Database, world: World) -> None:
    _pupil, cid = referred_to_la(db, world)
    la = as_user(db, LA)
    with pytest.raises(FieldErrors) as no_reason:
        referrals.decide_referral(db, who=la, today=TODAY, case_id=cid, decision="refused")
    assert no_reason.value.fields == {"reason": "Enter why the LA refuses it"}
    # The referral came from the plan: the LA is offered the step back there, and not its
    # twin back to school-led support, whose guard refuses.
    steps = cases.show_case(db, case_id=cid, who=la, today=TODAY).next_steps
    back = {(s.trigger, s.dest): s.reasons for s in steps if s.trigger == "refuse_referral"}
    assert back == {("refuse_referral", "attendance_plan"): ("needs note",)}
    fire(db, cid, "refuse_referral", LA, "2026-02-04", note="below the LA's threshold")
    assert case_row(db, cid)["state"] == "attendance_plan"
    assert decisions(db, cid) == [{"decision": "refused", "reason": "below the LA's threshold"}]


def penalty_requested(db: Database, world: World) -> tuple[str, int, list[cases.CaseSummary]]:
    """A concern referred to the LA, then a notice to improve that did not work, then a penalty
    request approved by the head: the pupil, the concern and the notices it opened."""
    pupil, cid = referred_to_la(db, world)
    evidence(db, cid, "support_offered", AO, "2026-02-02", support="attendance_contract",
             accepted="N")  # fmt: skip
    evidence(db, cid, "slt_approval", HEAD, "2026-02-02", decision="approved",
             step="issue_notice_to_improve")  # fmt: skip
    fire(db, cid, "issue_notice_to_improve", AO, "2026-02-02")
    world.marks(pupil, d("2026-02-02"), d("2026-03-13"))
    evidence(db, cid, "improvement_judgement", HEAD, "2026-03-13", improvement="not_sufficient",
             reason="still missing Mondays")  # fmt: skip
    evidence(db, cid, "slt_approval", HEAD, "2026-03-13", decision="approved",
             step="request_penalty_notice")  # fmt: skip
    return pupil, cid, fire(db, cid, "request_penalty_notice", AO, "2026-03-13").opened


def test_a_penalty_request_returned_then_sent_again_and_refused(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    pupil, _concern, opened = penalty_requested(db, world)
    notice = opened[0].id
    # One per parent: each with parental responsibility and the grandmother the pupil lives with.
    assert [c.state for c in opened] == ["requested"] * 3

    # Only the LA returns a request; the attendance lead may not approve one.
    with pytest.raises(NotPermittedError):
        fire(db, notice, "approve", AO, "2026-03-16")
    with pytest.raises(NotPermittedError):
        fire(db, notice, "return", HEAD, "2026-03-16", note="x")
    before = snapshot(db)
    la = as_user(db, LA)
    with pytest.raises(FieldErrors):
        referrals.decide_referral(db, who=la, today=d("2026-03-16"), case_id=notice,
                                  decision="returned")  # fmt: skip
    assert snapshot(db) == before

    row = referrals.decide_referral(db, who=la, today=d("2026-03-16"), case_id=notice,
                                    decision="returned", reason="no register printout")  # fmt: skip
    assert row.case.state == "returned" and row.state_label == "Returned to the school by the LA"
    assert decisions(db, notice) == [{"decision": "returned", "reason": "no register printout"}]
    waiting = {
        w.case.id: w for w in worklist(db, who=as_user(db, AO), today=d("2026-03-16")).waiting
    }
    assert waiting[notice].steps == ("Send the request to the LA again",)
    assert waiting[notice].la_decision == {
        "decision": "returned",
        "on": "2026-03-16",
        "reason": "no register printout",
    }

    with pytest.raises(BlockedError, match="needs note"):
        fire(db, notice, "resubmit", AO, "2026-03-17")
    fire(db, notice, "resubmit", AO, "2026-03-17", note="printout attached")
    assert case_row(db, notice)["state"] == "requested"
    assert referrals.referral(db, who=la, case_id=notice).decision is None

    with pytest.raises(BlockedError, match="needs note"):
        fire(db, notice, "refuse", LA, "2026-03-18")
    row = referrals.decide_referral(db, who=la, today=d("2026-03-18"), case_id=notice,
                                    decision="refused", reason="support not yet tried")  # fmt: skip
    assert row.case.state == "refused"
    assert decisions(db, notice)[-1] == {"decision": "refused", "reason": "support not yet tried"}
    assert case_row(db, notice)["closed_on"] == d("2026-03-18")
    for case in cases_of(db, pupil):
        assert cases.replay_state(db, case["id"]) == case["state"]


def test_the_head_may_still_approve_and_issue_a_notice_for_the_school(
    db: Database, world: World
) -> None:
    # As before the LA's decision steps: approved by SLT, then issued; no LA decision recorded.
    notice = penalty_requested(db, world)[2][0].id
    queue = approvals_queue(db, who=as_user(db, HEAD), today=d("2026-03-16"))
    assert notice in {item.case.id for item in queue.decisions}
    fire(db, notice, "approve", HEAD, "2026-03-16")
    la_finds_liable(db, notice, "2026-03-16")  # liability stays the LA's decision
    fire(db, notice, "issue", HEAD, "2026-03-16")
    assert case_row(db, notice)["state"] == "issued"
    assert decisions(db, notice) == []


def test_as_before_the_head_approves_the_la_issues_and_a_payment_is_recorded(
    db: Database, world: World
) -> None:
    # Issue 3's path still works: approved by SLT, issued by the LA (its decision that the
    # parent is liable), paid before anyone recorded how it was served (counted from issue).
    notice = penalty_requested(db, world)[2][0].id
    fire(db, notice, "approve", HEAD, "2026-03-16")
    fire(db, notice, "issue", LA, "2026-03-17")
    evidence(db, notice, "payment", LA, "2026-03-30", amount="80", paid_on="2026-03-30")
    fire(db, notice, "record_payment", LA, "2026-03-30")
    assert case_row(db, notice)["state"] == "paid_reduced"
