"""Every kind of case and its lifecycle, by the kind's name."""

from __future__ import annotations

from casework.machines import attendance_concern, leave_request, missing_education, penalty_notice
from casework.machines.lifecycle import Lifecycle

LIFECYCLES: dict[str, Lifecycle] = {
    m.LIFECYCLE.kind: m.LIFECYCLE
    for m in (attendance_concern, penalty_notice, missing_education, leave_request)
}

# Kinds a person may open by hand; the others are only opened by another case's step.
OPENED_BY_HAND = tuple(kind for kind, machine in LIFECYCLES.items() if machine.opened_by)


def lifecycle_of(kind: str) -> Lifecycle:
    """The lifecycle of a kind of case."""
    try:
        return LIFECYCLES[kind]
    except KeyError:
        raise ValueError(f"unknown case kind {kind!r} (kinds: {', '.join(LIFECYCLES)})") from None
