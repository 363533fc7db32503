"""Acting on a case through the case services: the one place that knows their signatures.

`who` is a username and `today` an ISO date, so that a test reads like the steps it takes.
"""

from __future__ import annotations

from typing import Any

import pytest

from casework.machines.lifecycle import BlockedError
from casework.services import cases
from casework.services.access import users
from casework.services.reach import Actor
from casework.store.database import Database
from tests.support.dates import d
from tests.support.rows import case_snapshot


def as_user(db: Database, username: str) -> Actor:
    """Who `username` is, as the CLI's --as or a web session resolves it."""
    return users.resolve(db, username)


def fire(
    db: Database, case_id: int, trigger: str, who: str, today: str, **params: Any
) -> cases.Fired:
    return cases.fire(
        db, case_id=case_id, trigger=trigger, who=as_user(db, who), today=d(today), params=params
    )


def evidence(db: Database, case_id: int, kind: str, who: str, today: str, **details: Any) -> int:
    return cases.add_evidence(
        db, case_id=case_id, kind=kind, details=details, who=as_user(db, who), today=d(today)
    )


def blocked(
    db: Database, case_id: int, trigger: str, who: str, today: str, **params: Any
) -> list[str]:
    """Fire a step that must be blocked; nothing about the case may change. Returns reasons."""
    before = case_snapshot(db, case_id)
    with pytest.raises(BlockedError) as caught:
        fire(db, case_id, trigger, who, today, **params)
    assert case_snapshot(db, case_id) == before
    return caught.value.reasons
