"""A request for leave of absence in term time, decided by the head before the leave starts."""

from __future__ import annotations

from datetime import date
from typing import Any

from casework.machines.lifecycle import (
    CaseFacts,
    Changes,
    DeadlineRule,
    FollowOn,
    Lifecycle,
    LiveMeasure,
    MeasureContext,
    OpeningError,
    State,
    Step,
    Unit,
    as_date,
)
from casework.machines.roles import SCHOOL_STAFF, SLT, SYSTEM
from casework.register.calendar import SchoolCalendar
from casework.register.marks import ABSENT, ATTENDING, UNAUTHORISED, Register
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
    """Leave was taken: unauthorised absence (G, N, O, U) on the requested dates. Illness or
    any other authorised absence there is not leave taken."""
    if facts.details.get("unauthorised_days_in_leave", 0) > 0:
        return None
    return "no unauthorised absence recorded in the requested dates"


def leave_not_taken(facts: CaseFacts) -> str | None:
    days = facts.details.get("unauthorised_days_in_leave", 0)
    if days:
        return f"absent without permission on {days} school day(s) in the requested dates"
    return None


def agreed_end(facts: CaseFacts) -> Changes:
    """A part grant: the leave agreed ends on the last of the school days granted."""
    days = int(facts.params["days_granted"])
    start = as_date(facts.details["start"])
    granted = facts.calendar.school_days(start, as_date(facts.details["end"]))[days - 1]
    return Changes({"agreed_end": granted.isoformat(), "days_granted": days})


def _leave_window(context: MeasureContext) -> tuple[date, date] | None:
    if not context.details.get("start"):
        return None
    return as_date(context.details["start"]), min(context.today, context.calendar.last_day)


def _leave_days(register: Register, context: MeasureContext) -> dict[str, Any]:
    """School days absent in the leave, and absent after it until the pupil is back."""
    end = as_date(context.details.get("agreed_end") or context.details["end"])
    codes = register.codes[0]
    days = len(register.days)
    absent = [bool(ABSENT[codes[2 * d]] or ABSENT[codes[2 * d + 1]]) for d in range(days)]
    present = [bool(ATTENDING[codes[2 * d]] or ATTENDING[codes[2 * d + 1]]) for d in range(days)]
    in_leave = sum(1 for d, day in enumerate(register.days) if day <= end and absent[d])
    unauthorised = sum(
        1
        for d, day in enumerate(register.days)
        if day <= end and (UNAUTHORISED[codes[2 * d]] or UNAUTHORISED[codes[2 * d + 1]])
    )
    after = 0
    for d, day in enumerate(register.days):
        if day <= end:
            continue
        if present[d]:
            break
        if absent[d]:
            after += 1
    return {
        "absent_days_in_leave": in_leave,
        "absent_days_after_leave": after,
        "unauthorised_days_in_leave": unauthorised,
    }


# Guards read how many days of the leave the pupil was away, and whether they came back.
LEAVE_DAYS_NOW = LiveMeasure(window=_leave_window, measure=_leave_days)


def leave_details(details: dict[str, Any], calendar: SchoolCalendar, today: date) -> dict[str, Any]:
    """A leave request's dates, checked, with the school days it covers."""
    try:
        start = date.fromisoformat(str(details["start"]))
        end = date.fromisoformat(str(details["end"]))
    except KeyError as missing:
        raise OpeningError(f"a leave request needs {missing.args[0]} (a date)") from None
    except ValueError as error:
        raise OpeningError(f"leave dates must be YYYY-MM-DD: {error}") from None
    if end < start:
        raise OpeningError(f"the leave ends ({end}) before it starts ({start})")
    requested = date.fromisoformat(str(details.get("requested_on") or today))
    days = len(calendar.school_days(start, end))
    if days == 0:
        raise OpeningError(f"there are no school days from {start} to {end}")
    return {
        **details,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "requested_on": requested.isoformat(),
        "school_days_requested": days,
    }


# Not back after the leave: a missing education enquiry, unless one is already open.
MISSING_EDUCATION_ENQUIRY = FollowOn(
    kind="missing_education",
    if_open="skip",
    note="not back after leave (leave request {case})",
)
# Leave taken without permission is an unauthorised holiday on the pupil's concern.
HOLIDAY_CONCERN = FollowOn(
    kind="attendance_concern",
    details=lambda facts: {"holiday": True},
    if_open="flag",
    flag={"holiday": True},
    note="leave taken without permission (leave request {case})",
)

FURTHER_REASONS = DeadlineRule(
    name="further_reasons",
    label="family may give further reasons until",
    section="leave",
    key="further_reasons_school_days",
    unit=Unit.SCHOOL_DAYS,
)
DECISION_DUE = DeadlineRule(
    name="decision",
    label="decision due before the leave starts",
    section="leave",
    key="decision_school_days_before",
    unit=Unit.SCHOOL_DAYS,
    start_detail="start",
    before=True,
)

STEPS = (
    Step(
        trigger="review",
        source=("submitted",),
        dest="under_review",
        label="Start the review",
        roles=SCHOOL_STAFF,
        guards=(requested_before_leave,),
        deadlines=(DECISION_DUE,),
    ),
    Step(
        trigger="grant",
        source=("under_review",),
        dest="granted",
        label="Grant the leave",
        roles=SLT,
        guards=(before_leave_starts, exceptional_circumstances),
        stamps=("decided_on",),
    ),
    Step(
        trigger="grant_in_part",
        source=("under_review",),
        dest="partially_granted",
        label="Grant part of the leave",
        roles=SLT,
        guards=(before_leave_starts, exceptional_circumstances, fewer_days_than_asked),
        needs=("days_granted",),
        stamps=("decided_on",),
        effect=agreed_end,
    ),
    Step(
        trigger="decline",
        source=("under_review",),
        dest="declined",
        label="Decline the leave",
        roles=SLT,
        needs=("note",),
        deadlines=(FURTHER_REASONS,),
        stamps=("decided_on",),
    ),
    Step(
        trigger="record_return",
        source=("granted", "partially_granted"),
        dest="taken_as_agreed",
        label="Record the return as agreed",
        roles=SCHOOL_STAFF,
        guards=(back_after_leave,),
    ),
    Step(
        trigger="record_overstay",
        source=("granted", "partially_granted"),
        dest="overstayed",
        label="Record an overstay",
        roles=SCHOOL_STAFF,
        guards=(absent_after_leave,),
    ),
    Step(
        trigger="record_not_returned",
        source=("granted", "partially_granted", "overstayed"),
        dest="not_returned",
        label="Record not returned (starts a missing education enquiry)",
        roles=SCHOOL_STAFF,
        guards=(leave_over, not_back_in_time),
        opens=(MISSING_EDUCATION_ENQUIRY,),
    ),
    Step(
        trigger="record_taken",
        source=("declined", "submitted", "under_review"),
        dest="taken_without_permission",
        label="Record leave taken without permission",
        roles=SCHOOL_STAFF,
        guards=(leave_taken,),
        opens=(HOLIDAY_CONCERN,),
    ),
    Step(
        trigger="withdraw",
        source=("submitted", "under_review"),
        dest="withdrawn",
        label="Withdraw the request",
        roles=SCHOOL_STAFF,
        needs=("note",),
    ),
    Step(
        trigger="record_not_taken",
        source=("declined",),
        dest="not_taken",
        label="Record that the leave was not taken",
        roles=SCHOOL_STAFF,
        guards=(leave_over, leave_not_taken),
    ),
    Step(
        trigger="record_late_return",
        source=("overstayed",),
        dest="returned_late",
        label="Record the return after overstaying",
        roles=SCHOOL_STAFF,
        needs=("note",),
    ),
)

LIFECYCLE = Lifecycle(
    kind=KIND,
    title="Leave of absence request",
    states=STATES,
    initial="submitted",
    steps=STEPS,
    opened_by=SCHOOL_STAFF | SYSTEM,
    opening_details=("start", "end", "requested_on", "reason"),
    measures=(LEAVE_DAYS_NOW,),
    prepare=leave_details,
)
