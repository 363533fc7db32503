"""Two people acting on one case at once: one wins, the other gets a conflict and keeps what
they typed. The many-connection race runs on PostgreSQL only."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest

from casework.services import cases
from casework.store.database import Database
from tests.support.actions import as_user
from tests.support.databases import POSTGRES_URL
from tests.support.rows import case_row, case_snapshot, events, transitions
from tests.support.world import AO, HEAD, MOTHER, World

TODAY = date(2026, 1, 19)


def ready_concern(db: Database, world: World) -> int:
    """A concern in monitoring with a contact on file: offer_support is allowed."""
    pupil = world.pupil()
    cid = cases.open_case(
        db, upn=pupil, kind="attendance_concern", who=as_user(db, AO), today=TODAY
    ).id
    cases.add_evidence(
        db,
        case_id=cid,
        kind="contact_attempt",
        details={"channel": "phone", "contact": MOTHER, "outcome": "reached"},
        who=as_user(db, AO),
        today=TODAY,
    )
    return cid


def test_second_fire_on_the_same_version_gets_a_conflict_with_what_was_submitted(
    db: Database, world: World
) -> None:
    cid = ready_concern(db, world)
    seen = case_row(db, cid)["version"]
    cases.fire(
        db,
        case_id=cid,
        trigger="offer_support",
        who=as_user(db, AO),
        today=TODAY,
        params={"note": "first"},
        expected_version=seen,
    )
    after_first = case_snapshot(db, cid)
    with pytest.raises(cases.ConflictError) as caught:
        cases.fire(
            db,
            case_id=cid,
            trigger="close",
            who=as_user(db, HEAD),
            today=TODAY,
            params={"note": "typed at length by the head", "outcome": "improved_sustained"},
            expected_version=seen,
        )
    conflict = caught.value
    assert conflict.submitted == {
        "trigger": "close",
        "note": "typed at length by the head",
        "outcome": "improved_sustained",
    }
    assert (conflict.case_id, conflict.expected, conflict.actual) == (cid, seen, seen + 1)
    assert f"you saw version {seen}, it is now version {seen + 1}" in str(conflict)
    # The loser changed nothing; the winner's step stands.
    assert case_snapshot(db, cid) == after_first
    assert case_row(db, cid)["state"] == "school_support"
    assert [t["note"] for t in transitions(db, cid)] == ["first"]
    # Acting on the version now shown works.
    cases.fire(
        db,
        case_id=cid,
        trigger="close",
        who=as_user(db, HEAD),
        today=TODAY,
        params={k: v for k, v in conflict.submitted.items() if k != "trigger"},
        expected_version=conflict.actual,
    )
    assert case_row(db, cid)["state"] == "closed"


def test_evidence_added_after_someone_looked_moves_the_version_on_for_a_transition(
    db: Database, world: World
) -> None:
    """Evidence does not bump the version; a transition does, and a stale fire conflicts."""
    cid = ready_concern(db, world)
    seen = case_row(db, cid)["version"]
    cases.add_evidence(
        db,
        case_id=cid,
        kind="note",
        details={"text": "called again"},
        who=as_user(db, AO),
        today=TODAY,
    )
    assert case_row(db, cid)["version"] == seen
    cases.fire(
        db,
        case_id=cid,
        trigger="offer_support",
        who=as_user(db, AO),
        today=TODAY,
        expected_version=seen,
    )
    with pytest.raises(cases.ConflictError):
        cases.fire(
            db,
            case_id=cid,
            trigger="step_down",
            who=as_user(db, AO),
            today=TODAY,
            params={"note": "x"},
            expected_version=seen,
        )


@pytest.mark.postgres
@pytest.mark.skipif(
    not POSTGRES_URL,
    reason="needs PostgreSQL (CASEWORK_TEST_DATABASE_URL) for 50 truly concurrent connections",
)
def test_fifty_concurrent_conflicting_fires_exactly_one_wins(
    db: Database, world: World, database_url: str
) -> None:
    """50 threads, each on its own connection, fire the same step with the same version.

    Skipped on SQLite: it needs real concurrent connections with row locks, which only the
    PostgreSQL run has. Exactly one succeeds; 49 get a conflict; the audit trail has one
    transition event for it.
    """
    cid = ready_concern(db, world)
    seen = case_row(db, cid)["version"]
    before_events = len(events(db, cid))
    threads = 50
    shared = Database(database_url, pool_size=threads, max_overflow=0)
    barrier = threading.Barrier(threads)
    results: list[Any] = [None] * threads

    def attempt(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = cases.fire(
                shared,
                case_id=cid,
                trigger="offer_support",
                who=as_user(db, AO),
                today=TODAY,
                params={"note": f"attempt {i}"},
                expected_version=seen,
            )
        except Exception as error:
            results[i] = error

    try:
        workers = [threading.Thread(target=attempt, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
        assert not any(w.is_alive() for w in workers)
    finally:
        shared.dispose()

    won = [i for i, r in enumerate(results) if isinstance(r, cases.Fired)]
    lost = [r for r in results if isinstance(r, cases.ConflictError)]
    others = [r for r in results if not isinstance(r, cases.Fired | cases.ConflictError)]
    assert others == []
    assert len(won) == 1 and len(lost) == threads - 1
    (winner,) = won
    # Every loser keeps what they submitted.
    assert sorted(c.submitted["note"] for c in lost) == sorted(
        f"attempt {i}" for i in range(threads) if i != winner
    )
    row = case_row(db, cid)
    assert (row["state"], row["version"]) == ("school_support", seen + 1)
    (event,) = transitions(db, cid)
    assert (event["trigger"], event["note"]) == ("offer_support", f"attempt {winner}")
    assert len(events(db, cid)) == before_events + 1
    assert cases.replay_state(db, cid) == "school_support"
