"""Prosecution through the case services (DOMAIN.md section 4): from formal support with no
penalty notice, the LA's recorded consideration of an education supervision order, the
evidence pack, the six months from the last absence, and the court's outcome."""

from __future__ import annotations

import pytest

from casework.machines.lifecycle import BlockedError
from casework.services import cases
from casework.services.errors import CaseError
from casework.store.database import Database
from tests.support.actions import as_user, evidence, fire
from tests.support.dates import d
from tests.support.escalations import referred_to_la
from tests.support.rows import Snapshot, case_row, cases_of, evidence_rows
from tests.support.world import AO, HEAD, LA, World

ESO = {"decision": "not_appropriate", "reason": "the family has not engaged with any support"}
PACK = {"sent_on": "2026-02-09", "sent_to": "LA legal services"}
TIME_LIMIT = "last day to start a prosecution (time limit from the last unauthorised absence)"


def refused(db: Database, snapshot: Snapshot, case_id: int, who: str, today: str) -> list[str]:
    """refer_prosecution is blocked, with its reasons, and nothing in the database changes."""
    before = snapshot(db)
    with pytest.raises(BlockedError) as caught:
        fire(db, case_id, "refer_prosecution", who, today)
    assert snapshot(db) == before
    return caught.value.reasons


def approve(db: Database, case_id: int, today: str) -> None:
    evidence(db, case_id, "slt_approval", HEAD, today, decision="approved",
             step="refer_prosecution")  # fmt: skip


def test_prosecution_from_formal_support_with_no_penalty_notice(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    pupil, cid = referred_to_la(db, world)  # last unauthorised absence: Friday 16 January
    assert cases_of(db, pupil, "penalty_notice") == []
    la = as_user(db, LA)
    # The six months show on the case before anyone refers it.
    shown = cases.show_case(db, case_id=cid, who=la, today=d("2026-02-09"))
    limits = [(x.label, x.due_on, x.status) for x in shown.deadlines if x.name.startswith("pros")]
    assert limits == [(TIME_LIMIT, d("2026-07-16"), "open")]

    approve(db, cid, "2026-02-09")
    assert refused(db, snapshot, cid, HEAD, "2026-02-09") == [
        "the LA must record its consideration of an education supervision order first "
        "(s447 Education Act 1996)",
        "no prosecution evidence pack recorded as sent",
    ]
    evidence(db, cid, "eso_considered", LA, "2026-02-09", **ESO)
    assert refused(db, snapshot, cid, HEAD, "2026-02-09") == [
        "no prosecution evidence pack recorded as sent"
    ]
    evidence(db, cid, "prosecution_pack", AO, "2026-02-09", **PACK)
    done = fire(db, cid, "refer_prosecution", HEAD, "2026-02-09", note="pack sent to legal")
    assert (done.from_state, done.to_state) == ("formal_support", "prosecution")
    details = case_row(db, cid)["details"]
    assert details["prosecution_referred"] == "2026-02-09"
    assert details["prosecution_relies_on_absence_until"] == "2026-01-16"
    assert cases.replay_state(db, cid) == "prosecution"


def test_school_staff_may_not_record_the_eso_consideration(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    _pupil, cid = referred_to_la(db, world)
    before = snapshot(db)
    for who in (AO, HEAD):
        with pytest.raises(CaseError, match="may not record education supervision order"):
            evidence(db, cid, "eso_considered", who, "2026-02-09", **ESO)
    assert snapshot(db) == before
    # So the school cannot refer for prosecution on its own say-so.
    approve(db, cid, "2026-02-09")
    evidence(db, cid, "prosecution_pack", AO, "2026-02-09", **PACK)
    assert refused(db, snapshot, cid, HEAD, "2026-02-09") == [
        "the LA must record its consideration of an education supervision order first "
        "(s447 Education Act 1996)"
    ]


def test_no_prosecution_more_than_six_months_after_the_last_absence(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    pupil, cid = referred_to_la(db, world)
    # Present every day from February: the last unauthorised absence stays 16 January.
    world.marks(pupil, d("2026-02-02"), d("2026-07-17"))
    evidence(db, cid, "eso_considered", LA, "2026-07-17", **ESO)
    evidence(db, cid, "prosecution_pack", AO, "2026-07-17", **PACK)
    approve(db, cid, "2026-07-17")
    assert refused(db, snapshot, cid, HEAD, "2026-07-17") == [
        "no unauthorised absence in the last 6 months: too late to prosecute "
        "(s127 Magistrates' Courts Act 1980)"
    ]
    # On the last day of the six months it may still be started.
    fire(db, cid, "refer_prosecution", HEAD, "2026-07-16")
    assert case_row(db, cid)["state"] == "prosecution"


def test_the_court_outcome_is_one_of_a_fixed_list_with_its_date(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    _pupil, cid = referred_to_la(db, world)
    evidence(db, cid, "eso_considered", LA, "2026-02-09", **ESO)
    evidence(db, cid, "prosecution_pack", AO, "2026-02-09", **PACK)
    approve(db, cid, "2026-02-09")
    fire(db, cid, "refer_prosecution", HEAD, "2026-02-09")
    before = snapshot(db)
    with pytest.raises(CaseError) as bad:
        evidence(db, cid, "court_outcome", LA, "2026-05-11", outcome="jail",
                 heard_on="2026-05-11")  # fmt: skip
    assert str(bad.value) == (
        "outcome must be one of fine, conditional_discharge, parenting_order, acquittal, "
        "withdrawn, adjourned, not 'jail'"
    )
    assert bad.value.field == "outcome"
    with pytest.raises(CaseError, match="heard_on 'May' is not a date"):
        evidence(db, cid, "court_outcome", LA, "2026-05-11", outcome="fine", heard_on="May")
    with pytest.raises(CaseError, match="may not record court outcome"):
        evidence(db, cid, "court_outcome", HEAD, "2026-05-11", outcome="fine",
                 heard_on="2026-05-11")  # fmt: skip
    assert snapshot(db) == before
    evidence(db, cid, "court_outcome", LA, "2026-04-13", outcome="adjourned",
             heard_on="2026-04-13")  # fmt: skip
    evidence(db, cid, "court_outcome", LA, "2026-05-11", outcome="parenting_order",
             heard_on="2026-05-11", summary="parenting order for 3 months")  # fmt: skip
    outcomes = [e["details"] for e in evidence_rows(db, cid) if e["kind"] == "court_outcome"]
    assert outcomes == [
        {"outcome": "adjourned", "heard_on": "2026-04-13"},
        {
            "outcome": "parenting_order",
            "heard_on": "2026-05-11",
            "summary": "parenting order for 3 months",
        },
    ]
