"""The case lifecycles: one declared machine per kind of case."""

from __future__ import annotations

from casework.machines import attendance_concern, leave_request, missing_education, penalty_notice
from casework.machines.lifecycle import Lifecycle

LIFECYCLES: dict[str, Lifecycle] = {
    m.LIFECYCLE.kind: m.LIFECYCLE
    for m in (attendance_concern, penalty_notice, missing_education, leave_request)
}


def lifecycle(kind: str) -> Lifecycle:
    try:
        return LIFECYCLES[kind]
    except KeyError:
        raise ValueError(f"unknown case kind {kind!r} (kinds: {', '.join(LIFECYCLES)})") from None
