"""A request for leave of absence in term time, decided by the head before the leave starts."""

from __future__ import annotations

from casework.machines.lifecycle import (
    SCHOOL_STAFF,
    SLT,
    CaseFacts,
    DeadlineRule,
    Lifecycle,
    State,
    Step,
    Unit,
    as_date,
)
from casework.text import long_date

KIND = "leave_request"

STATES = (
    State("submitted", "Submitted"),
    State("under_review", "Under review"),
    State("granted", "Granted"),
    State("partially_granted", "Partly granted"),
    State("declined", "Declined"),
    State("taken_as_agreed", "Taken as agreed", final=True),
    State("overstayed", "Overstayed"),
    State("not_returned", "Not returned: missing education enquiry started", final=True),
    State("taken_without_permission", "Taken without permission", final=True),
    State("withdrawn", "Withdrawn by the family", final=True),
    State("not_taken", "Declined and not taken", final=True),
    State("returned_late", "Back after overstaying", final=True),
)


def requested_before_leave(facts: CaseFacts) -> str | None:
    """The request came before the leave started: there is no retrospective approval."""
    start = as_date(facts.details["start"])
    requested = as_date(facts.details["requested_on"])
    if requested >= start:
        return (
            f"requested on {long_date(requested)}, once the leave had started: "
            "no retrospective approval"
        )
    return None


def before_leave_starts(facts: CaseFacts) -> str | None:
    """Leave is decided before it starts."""
    start = as_date(facts.details["start"])
    if facts.today >= start:
        return f"the leave started on {long_date(start)}: it can no longer be granted"
    return None


def exceptional_circumstances(facts: CaseFacts) -> str | None:
    """The head records the exceptional circumstances that justify the leave."""
    if facts.params.get("reason"):
        return None
    return "needs the exceptional circumstances that justify the leave"


def fewer_days_than_asked(facts: CaseFacts) -> str | None:
    days = facts.params.get("days_granted")
    if days is None:
        return None
    asked = int(facts.details["school_days_requested"])
    if not 0 < int(days) < asked:
        return f"days granted must be between 1 and {asked - 1} (asked for {asked})"
    return None


def leave_over(facts: CaseFacts) -> str | None:
    end = as_date(facts.details.get("agreed_end") or facts.details["end"])
    if facts.today <= end:
        return f"the agreed leave ends on {long_date(end)}"
    return None


def back_after_leave(facts: CaseFacts) -> str | None:
    if leave_over(facts):
        return leave_over(facts)
    if facts.details.get("absent_days_after_leave", 0) > 0:
        return (
            f"absent on {facts.details['absent_days_after_leave']} school days after the agreed end"
        )
    return None


def absent_after_leave(facts: CaseFacts) -> str | None:
    if leave_over(facts):
        return leave_over(facts)
    if facts.details.get("absent_days_after_leave", 0) == 0:
        return "no absence recorded after the agreed end"
    return None


def not_back_in_time(facts: CaseFacts) -> str | None:
    """Not back within the policy's number of school days after the agreed end."""
    need = int(facts.number("leave", "not_returned_school_days"))
    days = int(facts.details.get("absent_days_after_leave", 0))
    if days < need:
        return (
            f"absent {days} of the {need} school days after the agreed end "
            "that start a missing education enquiry"
        )
    return None


def leave_taken(facts: CaseFacts) -> str | None:
    if facts.details.get("absent_days_in_leave", 0) > 0:
        return None
    return "no absence recorded in the requested dates"


def leave_not_taken(facts: CaseFacts) -> str | None:
    days = facts.details.get("absent_days_in_leave", 0)
    if days:
        return f"absent on {days} school day(s) in the requested dates"
    return None


FURTHER_REASONS = DeadlineRule(
    "further_reasons",
    "family may give further reasons until",
    "leave",
    "further_reasons_school_days",
    Unit.SCHOOL_DAYS,
)
DECISION_DUE = DeadlineRule(
    "decision",
    "decision due before the leave starts",
    "leave",
    "decision_school_days_before",
    Unit.SCHOOL_DAYS,
    start_detail="start",
    before=True,
)

STEPS = (
    Step(
        "review",
        ("submitted",),
        "under_review",
        "Start the review",
        SCHOOL_STAFF,
        (requested_before_leave,),
        deadlines=(DECISION_DUE,),
    ),
    Step(
        "grant",
        ("under_review",),
        "granted",
        "Grant the leave",
        SLT,
        (before_leave_starts, exceptional_circumstances),
        stamps=("decided_on",),
    ),
    Step(
        "grant_in_part",
        ("under_review",),
        "partially_granted",
        "Grant part of the leave",
        SLT,
        (before_leave_starts, exceptional_circumstances, fewer_days_than_asked),
        needs=("days_granted",),
        stamps=("decided_on",),
    ),
    Step(
        "decline",
        ("under_review",),
        "declined",
        "Decline the leave",
        SLT,
        needs=("note",),
        deadlines=(FURTHER_REASONS,),
        stamps=("decided_on",),
    ),
    Step(
        "record_return",
        ("granted", "partially_granted"),
        "taken_as_agreed",
        "Record the return as agreed",
        SCHOOL_STAFF,
        (back_after_leave,),
    ),
    Step(
        "record_overstay",
        ("granted", "partially_granted"),
        "overstayed",
        "Record an overstay",
        SCHOOL_STAFF,
        (absent_after_leave,),
    ),
    Step(
        "record_not_returned",
        ("granted", "partially_granted", "overstayed"),
        "not_returned",
        "Record not returned (starts a missing education enquiry)",
        SCHOOL_STAFF,
        (leave_over, not_back_in_time),
    ),
    Step(
        "record_taken",
        ("declined", "submitted", "under_review"),
        "taken_without_permission",
        "Record leave taken without permission",
        SCHOOL_STAFF,
        (leave_taken,),
    ),
    Step(
        "withdraw",
        ("submitted", "under_review"),
        "withdrawn",
        "Withdraw the request",
        SCHOOL_STAFF,
        needs=("note",),
    ),
    Step(
        "record_not_taken",
        ("declined",),
        "not_taken",
        "Record that the leave was not taken",
        SCHOOL_STAFF,
        (leave_over, leave_not_taken),
    ),
    Step(
        "record_late_return",
        ("overstayed",),
        "returned_late",
        "Record the return after overstaying",
        SCHOOL_STAFF,
        needs=("note",),
    ),
)

LIFECYCLE = Lifecycle(KIND, "Leave of absence request", STATES, "submitted", STEPS)
