"""What a case's audit trail records: the kinds of event, each appended and never changed."""

from __future__ import annotations

from enum import StrEnum


class EventAction(StrEnum):
    OPENED = "opened"  # the case was opened (by hand, by the sweep or by another case's step)
    EVIDENCE = "evidence"  # evidence recorded
    SUPERSEDED = "superseded"  # evidence corrected by a newer item, with a reason
    DETAILS = "details"  # the case's own data changed outside a step (the holiday flag)
    TRANSITION = "transition"  # a step taken
    CLOSED = "closed"  # closed without a step of its own (the pupil went off roll)
