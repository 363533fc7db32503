"""The LA officer's inbox: what reached the LA, when, and the LA's accept or return."""

from __future__ import annotations

import pytest

from casework.services import referrals
from casework.services.errors import CaseNotFoundError, FieldErrors
from casework.store.database import Database
from tests.support.actions import as_user
from tests.support.dates import d
from tests.support.escalations import TODAY, concern_awaiting_approval, referred_to_la
from tests.support.rows import Snapshot, evidence_rows
from tests.support.world import HEAD, LA, LA_ELSEWHERE, World


def test_a_case_is_in_the_inbox_once_it_reached_the_la(db: Database, world: World) -> None:
    concern_awaiting_approval(db, world)
    assert referrals.referrals_inbox(db, who=as_user(db, LA)).referrals == ()
    _pupil, cid = referred_to_la(db, world)
    (row,) = referrals.referrals_inbox(db, who=as_user(db, LA)).referrals
    assert (row.case.id, row.case.pupil_name, row.school_name) == (
        cid,
        "Pupil2 Generated",
        "Example Primary School",
    )
    assert (row.kind_title, row.state_label) == ("Attendance concern", "Formal support with the LA")
    assert row.reached_la_on == d("2026-01-26") and row.decision is None
    assert referrals.referrals_inbox(db, who=as_user(db, LA_ELSEWHERE)).referrals == ()


def test_accepting_and_returning_are_recorded_as_la_decisions(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    _pupil, cid = referred_to_la(db, world)
    la = as_user(db, LA)
    before = snapshot(db)
    with pytest.raises(FieldErrors) as refused:
        referrals.decide_referral(db, who=la, today=TODAY, case_id=cid, decision="returned")
    assert "reason" in refused.value.fields
    with pytest.raises(FieldErrors):
        referrals.decide_referral(db, who=la, today=TODAY, case_id=cid, decision="prosecute")
    assert snapshot(db) == before
    row = referrals.decide_referral(db, who=la, today=TODAY, case_id=cid, decision="accepted")
    assert row.decision is not None and row.decision.decision == "accepted"
    row = referrals.decide_referral(
        db, who=la, today=TODAY, case_id=cid, decision="returned", reason="no home visit notes"
    )
    assert (row.decision.decision, row.decision.reason) == ("returned", "no home visit notes")  # type: ignore[union-attr]
    assert [e["details"] for e in evidence_rows(db, cid) if e["kind"] == "la_decision"] == [
        {"decision": "accepted"},
        {"decision": "returned", "reason": "no home visit notes"},
    ]


def test_only_la_officers_of_the_school_s_la_decide(db: Database, world: World) -> None:
    _pupil, cid = referred_to_la(db, world)
    with pytest.raises(referrals.NotLAOfficerError):
        referrals.referrals_inbox(db, who=as_user(db, HEAD))
    with pytest.raises(CaseNotFoundError):
        referrals.decide_referral(
            db, who=as_user(db, LA_ELSEWHERE), today=TODAY, case_id=cid, decision="accepted"
        )
