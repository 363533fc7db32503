"""A request for leave of absence in term time, decided by the head before the leave starts."""

from __future__ import annotations

import re
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
    PupilFacts,
    SameRequest,
    State,
    Step,
    Unit,
    as_date,
)
from casework.machines.roles import SCHOOL_STAFF, SLT, SYSTEM
from casework.register.calendar import SchoolCalendar
from casework.register.codes import CODE_ID, code_for_id
from casework.register.marks import ABSENT, ATTENDING, UNAUTHORISED, Register
from casework.text import long_date

KIND = "leave_request"
# Only the head decides leave (or a delegate the school file names in `leave_delegates`).
LEAVE_DECISION = "leave"
# Granted days are marked C (leave in exceptional circumstances); a register still on the 2006
# codes marks agreed leave H.
GRANTED_CODES = ("C", "H")

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


def _applicant_refusal(applicant: Any, pupil: PupilFacts) -> str | None:
    """Why `applicant` may not apply for the pupil's leave, if they may not (reg 11: the
    application comes from a parent the pupil normally lives with)."""
    if not str(applicant or "").strip():
        return "needs the parent who applied (applicant), one the pupil lives with"
    name = str(applicant).strip()
    contact = next((c for c in pupil.contacts if c.name.casefold() == name.casefold()), None)
    if contact is None:
        known = ", ".join(c.name for c in pupil.contacts) or "none recorded"
        return f"applicant {name!r} is not one of the pupil's contacts (contacts: {known})"
    if not contact.lives_with_pupil:
        return (
            f"applicant {contact.name} does not live with the pupil: leave is applied for "
            "by a parent the pupil normally lives with"
        )
    return None


def applied_by_parent_at_home(facts: CaseFacts) -> str | None:
    """The parent who applied is one the pupil lives with (their contacts may have changed)."""
    return _applicant_refusal(facts.details.get("applicant"), facts.pupil)


def applicant_lives_with_pupil(details: dict[str, Any], pupil: PupilFacts) -> dict[str, Any]:
    """The request names the parent who applied, spelt as their contact record is.

    A request opened without one (as before applicants were recorded) is taken to come from
    the first contact in priority order whom the pupil lives with, and says it was assumed.
    """
    if not str(details.get("applicant") or "").strip():
        at_home = next((c for c in pupil.contacts if c.lives_with_pupil), None)
        if at_home is not None:
            return {**details, "applicant": at_home.name, "applicant_assumed": True}
    refusal = _applicant_refusal(details.get("applicant"), pupil)
    if refusal:
        raise OpeningError(f"a leave request {refusal}")
    name = str(details["applicant"]).strip().casefold()
    contact = next(c for c in pupil.contacts if c.name.casefold() == name)
    return {**details, "applicant": contact.name}


def requested_days(details: dict[str, Any], calendar: SchoolCalendar) -> list[date]:
    """The school days the family asked for."""
    return calendar.school_days(as_date(details["start"]), as_date(details["end"]))


def granted_days(details: dict[str, Any], calendar: SchoolCalendar) -> list[date] | None:
    """The school days the head granted (empty: declined; None: not decided)."""
    if details.get("dates_granted") is not None:
        return [as_date(day) for day in details["dates_granted"]]
    if details.get("days_granted"):  # decided before dates were kept: the first days
        return requested_days(details, calendar)[: int(details["days_granted"])]
    return None


_SEPARATORS = re.compile(r"[\s,;]+")


def _days_asked_for(value: Any, requested: list[date]) -> tuple[list[date], str | None]:
    """The days a part grant names: a number (the first so many requested days) or the dates
    themselves, any of the requested school days; with the reason they cannot be granted."""
    asked = len(requested)
    between = f"days granted must be between 1 and {asked - 1} (asked for {asked})"
    if isinstance(value, int) or str(value).strip().isdigit():
        count = int(value)
        return (requested[:count], None) if 0 < count < asked else ([], between)
    tokens = value if isinstance(value, list | tuple) else _SEPARATORS.split(str(value))
    days: set[date] = set()
    bad: list[str] = []
    outside: list[str] = []
    for token in (str(t).strip() for t in tokens):
        if not token:
            continue
        try:
            day = date.fromisoformat(token)
        except ValueError:
            bad.append(repr(token))
            continue
        if day in requested:
            days.add(day)
        else:
            outside.append(long_date(day))
    problems = []
    if bad:
        problems.append(f"{', '.join(bad)} {'is not a date' if len(bad) == 1 else 'are not dates'}")
    if outside:
        one = len(outside) == 1
        problems.append(
            f"{', '.join(outside)} {'is not a' if one else 'are not'} requested school "
            f"day{'' if one else 's'} ({long_date(requested[0])} to {long_date(requested[-1])})"
        )
    if problems:
        return [], f"days granted: {'; '.join(problems)} (give YYYY-MM-DD dates or a number)"
    if not 0 < len(days) < asked:
        return [], between
    return sorted(days), None


def granted_days_requested(facts: CaseFacts) -> str | None:
    """A part grant names some, not all, of the requested school days (any of them)."""
    value = facts.params.get("days_granted")
    if value is None:
        return None
    return _days_asked_for(value, requested_days(facts.details, facts.calendar))[1]


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
    """Away without permission (an unauthorised mark: G, not an authorised one such as I) on
    requested days that were not granted."""
    if facts.details.get("unauthorised_days_in_leave", 0) > 0:
        return None
    return "no unauthorised absence recorded on the requested days not granted"


def leave_not_taken(facts: CaseFacts) -> str | None:
    days = facts.details.get("unauthorised_days_in_leave", 0)
    if days:
        return f"absent without permission on {days} school day(s) of the requested dates"
    return None


def register_agrees(facts: CaseFacts) -> str | None:
    """The register on the requested days says what the head decided (granted days C, the
    others not C): a register that disagrees is put right before the leave is accounted for."""
    mismatches = facts.details.get("register_mismatches") or []
    if mismatches:
        return f"the register disagrees with the decision: {'; '.join(mismatches)}"
    return None


def further_reasons_in_time(facts: CaseFacts) -> str | None:
    """Further reasons come within the policy's number of school days after the decision."""
    decided = as_date(facts.details.get("decided_on") or facts.entered_state_on or facts.today)
    days = int(facts.number("leave", "further_reasons_school_days"))
    last = facts.calendar.nth_school_day_after(decided, days)
    if facts.today > last:
        return (
            f"further reasons could be given until {long_date(last)} ({days} school days "
            f"after the decision on {long_date(decided)}): that time has passed"
        )
    return None


def not_reconsidered_yet(facts: CaseFacts) -> str | None:
    """The head reconsiders once; the decision after that stands."""
    if facts.details.get("reconsidered_on"):
        on = long_date(as_date(facts.details["reconsidered_on"]))
        return f"the head already reconsidered the request after further reasons on {on}"
    return None


def _decision(facts: CaseFacts, granted: list[date]) -> Changes:
    """What a decision records: the days granted, and no second window for further reasons
    once the head has reconsidered."""
    details: dict[str, Any] = {
        "dates_granted": [day.isoformat() for day in granted],
        "days_granted": len(granted),
    }
    if granted:
        details["agreed_end"] = granted[-1].isoformat()
    skip = (FURTHER_REASONS.name,) if facts.details.get("reconsidered_on") else ()
    return Changes(details, skip_deadlines=skip)


def grant_all(facts: CaseFacts) -> Changes:
    return _decision(facts, requested_days(facts.details, facts.calendar))


def grant_some(facts: CaseFacts) -> Changes:
    """A part grant: the days named; the leave agreed ends on the last of them."""
    requested = requested_days(facts.details, facts.calendar)
    return _decision(facts, _days_asked_for(facts.params["days_granted"], requested)[0])


def decline_all(facts: CaseFacts) -> Changes:
    return _decision(facts, [])


def reopen_decision(facts: CaseFacts) -> Changes:
    """Back to review: the earlier decision no longer stands (the audit trail keeps it)."""
    return Changes({"dates_granted": None, "days_granted": None, "agreed_end": None})


def _leave_window(context: MeasureContext) -> tuple[date, date] | None:
    if not context.details.get("start"):
        return None
    return as_date(context.details["start"]), min(context.today, context.calendar.last_day)


def _mismatches(register: Register, requested: list[date], granted: list[date]) -> list[str]:
    """Requested days whose marks disagree with the decision, in words."""
    codes = register.codes[0]
    leave = {CODE_ID[c] for c in GRANTED_CODES}
    out = []
    for d, day in enumerate(register.days):
        if day not in requested:
            continue
        marks = [int(codes[2 * d]), int(codes[2 * d + 1])]
        if day in granted:
            wrong = [m for m in marks if m and ABSENT[m] and m not in leave]
            if wrong:
                code = code_for_id(wrong[0])
                out.append(f"{long_date(day)} was granted but is marked {code}, not C")
        elif any(m in leave for m in marks):
            code = code_for_id(next(m for m in marks if m in leave))
            out.append(f"{long_date(day)} was not granted but is marked {code}")
    return out


def _leave_days(register: Register, context: MeasureContext) -> dict[str, Any]:
    """School days away without permission in the leave, absent after it until the pupil is
    back, and where the register disagrees with the head's decision."""
    details = context.details
    end = as_date(details.get("agreed_end") or details["end"])
    requested = requested_days(details, context.calendar)
    granted = granted_days(details, context.calendar)
    codes = register.codes[0]
    days = len(register.days)
    absent = [bool(ABSENT[codes[2 * d]] or ABSENT[codes[2 * d + 1]]) for d in range(days)]
    present = [bool(ATTENDING[codes[2 * d]] or ATTENDING[codes[2 * d + 1]]) for d in range(days)]
    unauthorised = [
        bool(UNAUTHORISED[codes[2 * d]] or UNAUTHORISED[codes[2 * d + 1]]) for d in range(days)
    ]
    in_leave = sum(
        1
        for d, day in enumerate(register.days)
        if day <= end and day in requested and day not in (granted or ()) and unauthorised[d]
    )
    after = 0
    for d, day in enumerate(register.days):
        if day <= end:
            continue
        if present[d]:
            break
        if absent[d]:
            after += 1
    out: dict[str, Any] = {
        "absent_days_in_leave": in_leave,
        "absent_days_after_leave": after,
        # The same count under the name the penalty route reads: only unauthorised absence on
        # requested days not granted is leave taken (illness there is not).
        "unauthorised_days_in_leave": in_leave,
    }
    if granted is not None:
        out["register_mismatches"] = _mismatches(register, requested, granted)
    return out


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
    try:
        requested = date.fromisoformat(str(details.get("requested_on") or today))
    except ValueError:
        raise OpeningError(
            f"requested_on {details.get('requested_on')!r} is not a date in the form YYYY-MM-DD"
        ) from None
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


def _penalty_consideration(note: str) -> FollowOn:
    """Days away without permission are an unauthorised holiday on the pupil's concern, which
    leads to penalty consideration (opened, or the open one flagged)."""
    return FollowOn(
        kind="attendance_concern",
        details=lambda facts: {"holiday": True},
        if_open="flag",
        flag={"holiday": True},
        note=note,
    )


HOLIDAY_CONCERN = _penalty_consideration("leave taken without permission (leave request {case})")
# Days away after the agreed end are unauthorised too, as for leave taken without permission.
OVERSTAY_CONCERN = _penalty_consideration(
    "away after the agreed leave ended (leave request {case})"
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
        guards=(requested_before_leave, applied_by_parent_at_home),
        deadlines=(DECISION_DUE,),
    ),
    Step(
        trigger="grant",
        source=("under_review",),
        dest="granted",
        label="Grant the leave",
        roles=SLT,
        letter="leave_granted",
        decided_by=LEAVE_DECISION,
        guards=(before_leave_starts,),
        needs=("reason",),  # the exceptional circumstances that justify the leave
        stamps=("decided_on",),
        effect=grant_all,
    ),
    Step(
        trigger="grant_in_part",
        source=("under_review",),
        dest="partially_granted",
        label="Grant part of the leave",
        roles=SLT,
        letter="leave_part_granted",
        decided_by=LEAVE_DECISION,
        guards=(before_leave_starts, granted_days_requested),
        # days_granted: the dates granted (any of the requested days), or a number of days
        # from the first; reason: the exceptional circumstances that justify them
        needs=("days_granted", "reason"),
        deadlines=(FURTHER_REASONS,),
        stamps=("decided_on",),
        effect=grant_some,
    ),
    Step(
        trigger="decline",
        source=("under_review",),
        dest="declined",
        label="Decline the leave",
        roles=SLT,
        letter="leave_declined",
        decided_by=LEAVE_DECISION,
        needs=("note",),
        deadlines=(FURTHER_REASONS,),
        stamps=("decided_on",),
        effect=decline_all,
    ),
    Step(
        trigger="reconsider",
        source=("declined", "partially_granted"),
        dest="under_review",
        label="Record further reasons from the family (the head decides again)",
        roles=SCHOOL_STAFF,
        guards=(further_reasons_in_time, not_reconsidered_yet),
        needs=("further_reasons",),
        deadlines=(DECISION_DUE,),
        stamps=("reconsidered_on",),
        effect=reopen_decision,
    ),
    Step(
        trigger="record_return",
        source=("granted", "partially_granted"),
        dest="taken_as_agreed",
        label="Record the return as agreed",
        roles=SCHOOL_STAFF,
        guards=(back_after_leave, leave_not_taken, register_agrees),
    ),
    Step(
        trigger="record_overstay",
        source=("granted", "partially_granted"),
        dest="overstayed",
        label="Record an overstay (starts penalty consideration)",
        roles=SCHOOL_STAFF,
        guards=(absent_after_leave, register_agrees),
        opens=(OVERSTAY_CONCERN,),
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
        source=("declined", "submitted", "under_review", "partially_granted"),
        dest="taken_without_permission",
        label="Record leave taken without permission",
        roles=SCHOOL_STAFF,
        guards=(leave_taken, register_agrees),
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
        guards=(leave_over, leave_not_taken, register_agrees),
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

# The same dates asked for again while a request for them is open or was granted: refused,
# naming it (a family's further reasons go on that request, by its reconsider step). A request
# withdrawn, or declined and over, leaves the dates free to be asked for again.
SAME_DATES = SameRequest(
    details=("start", "end"),
    free_in=("withdrawn", "not_taken", "taken_without_permission"),
    words=lambda details: (
        f"for {long_date(as_date(details['start']))} to {long_date(as_date(details['end']))}"
    ),
)

LIFECYCLE = Lifecycle(
    kind=KIND,
    title="Leave of absence request",
    states=STATES,
    initial="submitted",
    steps=STEPS,
    opened_by=SCHOOL_STAFF | SYSTEM,
    opening_details=("start", "end", "requested_on", "reason", "applicant"),
    measures=(LEAVE_DAYS_NOW,),
    prepare=leave_details,
    opening_check=applicant_lives_with_pupil,
    same_request=SAME_DATES,
)
