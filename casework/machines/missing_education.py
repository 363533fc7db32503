"""Children missing education: enquiries after unexplained absence, LA referral and outcome."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from casework.machines import guards
from casework.machines.evidence import EvidenceError, Field
from casework.machines.lifecycle import (
    CaseFacts,
    DeadlineRule,
    Lifecycle,
    OpeningError,
    State,
    Step,
    Unit,
    as_date,
)
from casework.machines.roles import LA, SCHOOL_STAFF, SYSTEM
from casework.register.calendar import SchoolCalendar
from casework.text import long_date

KIND = "missing_education"
DELETION_GROUNDS = ("cme_continuous_absence", "cme_not_returned_after_leave")
ELSEWHERE = ("new_school", "home_education", "moved_away", "other")

STATES = (
    State("unexplained_absence", "Unexplained absence"),
    State("enquiries", "Reasonable enquiries"),
    State("referred", "Referred to the LA children missing education team", la_visible=True),
    State("returned", "Located and back in school", final=True),
    State("located_elsewhere", "Located elsewhere", final=True, la_visible=True),
    State("deleted", "Deleted from roll", final=True, la_visible=True),
)


def first_day_contact(facts: CaseFacts) -> str | None:
    """A first contact attempt with the family is on file."""
    if facts.of_kind("contact_attempt"):
        return None
    return "no contact attempt recorded yet"


def every_contact_tried(facts: CaseFacts) -> str | None:
    """Every contact on record has been tried at least once."""
    tried = {e.get("contact") for e in facts.of_kind("contact_attempt")}
    missing = [c.name for c in facts.pupil.contacts if c.name not in tried]
    if missing:
        return "no contact attempt recorded with " + ", ".join(missing)
    if not facts.pupil.contacts:
        return "the pupil has no contacts on record to try"
    return None


def home_visit_made(facts: CaseFacts) -> str | None:
    if facts.of_kind("home_visit"):
        return None
    return "no home visit recorded"


def welfare_check_if_due(facts: CaseFacts) -> str | None:
    """A police welfare check was requested once the policy's day for it has come."""
    if facts.of_kind("welfare_check"):
        return None
    due = facts.details.get("welfare_check_due")
    if not due and facts.state == "enquiries" and facts.entered_state_on is not None:
        # The day the welfare-check deadline was set for when the enquiries started.
        due = WELFARE_CHECK_DUE.due(replace(facts, today=facts.entered_state_on, params={}))
    if due and facts.today >= as_date(due):
        return f"a police welfare check was due by {long_date(as_date(due))}"
    return None


def enquiries_made(facts: CaseFacts) -> str | None:
    """Enquiries with others who may know where the child is (sibling schools, LA, agencies)."""
    if facts.of_kind("enquiry"):
        return None
    return "no enquiries recorded with sibling schools, the LA or other agencies"


def deletion_ground_on_file(facts: CaseFacts) -> str | None:
    """A deletion ground of the registration regulations is met, vulnerable pupil or not."""
    rules = {e.get("rule", "").rsplit(".", 1)[-1] for e in facts.of_kind("finding")}
    if rules & set(DELETION_GROUNDS):
        return None
    return f"no deletion ground met yet ({_grounds_text(facts)})"


def _grounds_text(facts: CaseFacts) -> str:
    """The policy's deletion grounds in words, with its numbers."""
    parts = []
    continuous = facts.policy.rules.get("cme_continuous_absence")
    if continuous is not None:
        parts.append(f"{continuous.params['days']} school days absent without reason")
    after_leave = facts.policy.rules.get("cme_not_returned_after_leave")
    if after_leave is not None:
        parts.append(f"not back {after_leave.params['school_days']} school days after leave")
    return ", or ".join(parts) or "none in the policy"


def deletion_ground_met(facts: CaseFacts) -> str | None:
    """A deletion ground of the registration regulations is met (or the pupil is vulnerable)."""
    if facts.pupil.vulnerable:
        return None  # vulnerable pupils are referred without waiting for a ground
    return deletion_ground_on_file(facts)


def not_backdated(facts: CaseFacts) -> str | None:
    """A deletion takes effect today or later, never earlier."""
    effective = facts.params.get("effective_on")
    if not effective:
        return None
    when = as_date(effective)
    if when < facts.today:
        return (
            f"a deletion cannot be backdated: {long_date(when)} is before today "
            f"({long_date(facts.today)})"
        )
    return None


def referred_to_la(facts: CaseFacts) -> str | None:
    if facts.details.get("referred_on"):
        return None
    return "the LA has not been told"


HOME_VISIT_DUE = DeadlineRule(
    name="home_visit",
    label="home visit due",
    section="missing_education",
    key="home_visit_school_days",
    unit=Unit.SCHOOL_DAYS,
    vulnerable_key="home_visit_school_days_vulnerable",
)
WELFARE_CHECK_DUE = DeadlineRule(
    name="welfare_check",
    label="police welfare check due",
    section="missing_education",
    key="welfare_check_school_days",
    unit=Unit.SCHOOL_DAYS,
    vulnerable_key="welfare_check_school_days_vulnerable",
)

STEPS = (
    Step(
        trigger="start_enquiries",
        source=("unexplained_absence",),
        dest="enquiries",
        label="Start reasonable enquiries",
        roles=SCHOOL_STAFF,
        guards=(first_day_contact,),
        deadlines=(HOME_VISIT_DUE, WELFARE_CHECK_DUE),
    ),
    Step(
        trigger="refer_to_la",
        source=("enquiries",),
        dest="referred",
        label="Refer to the LA children missing education team",
        roles=SCHOOL_STAFF,
        guards=(
            every_contact_tried,
            home_visit_made,
            welfare_check_if_due,
            enquiries_made,
            deletion_ground_met,
        ),
        stamps=("referred_on",),
    ),
    Step(
        trigger="record_return",
        source=("unexplained_absence", "enquiries", "referred"),
        dest="returned",
        label="Record that the child is back",
        roles=SCHOOL_STAFF | LA,
        needs=("note",),
    ),
    Step(
        trigger="record_located_elsewhere",
        source=("referred",),
        dest="located_elsewhere",
        label="Record where the child is now",
        roles=LA,
        guards=(guards.outcome_in(*ELSEWHERE),),
        needs=("outcome", "note"),
    ),
    Step(
        trigger="delete_from_roll",
        source=("referred",),
        dest="deleted",
        label="Delete from roll",
        roles=SCHOOL_STAFF,
        guards=(
            referred_to_la,
            deletion_ground_on_file,
            not_backdated,
            guards.slt_approved("delete_from_roll"),
        ),
        needs=("effective_on",),
    ),
)


def opening_details(
    details: dict[str, Any], calendar: SchoolCalendar, today: date
) -> dict[str, Any]:
    """An enquiry opened by hand may say the child is a safeguarding concern (Y or N)."""
    if "safeguarding" not in details:
        return details
    try:
        flag = bool(Field("safeguarding", "flag").parse(details["safeguarding"]))
    except EvidenceError as error:
        raise OpeningError(str(error)) from None
    return {**details, "safeguarding": flag}


LIFECYCLE = Lifecycle(
    kind=KIND,
    title="Child missing education",
    states=STATES,
    initial="unexplained_absence",
    steps=STEPS,
    opened_by=SCHOOL_STAFF | SYSTEM,
    opening_details=("safeguarding",),
    one_open_per_pupil=True,
    prepare=opening_details,
)
