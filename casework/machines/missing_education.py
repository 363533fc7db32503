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
    FindingFacts,
    LeavesRoll,
    Lifecycle,
    LiveMeasure,
    MeasureContext,
    OpeningError,
    State,
    Step,
    Unit,
    as_date,
)
from casework.machines.roles import LA, SCHOOL_STAFF, SYSTEM
from casework.policy.model import Policy, RuleSpec
from casework.policy.rules import Finding, evaluate_rule, rule_lookback
from casework.register.calendar import SchoolCalendar
from casework.register.marks import Register
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


def joint_enquiries_made(facts: CaseFacts) -> str | None:
    """School and LA made their reasonable enquiries jointly: an enquiry with the LA children
    missing education team is on file."""
    if any(e.get("with") == "la_cme_team" for e in facts.of_kind("enquiry")):
        return None
    return "no joint enquiries with the LA children missing education team recorded"


def deletion_ground_holds(facts: CaseFacts) -> str | None:
    """A deletion ground of the registration regulations holds on the day, re-checked against
    the register as it is now (a child back for a day since the finding breaks the run)."""
    if facts.details.get(GROUND_NOW):
        return None
    return f"no deletion ground holds on {long_date(facts.today)} ({_grounds_text(facts)})"


def not_ill_or_prevented(facts: CaseFacts) -> str | None:
    """A recorded statement that there are no reasonable grounds to think the child is ill or
    prevented from attending (a condition of both deletion grounds)."""
    if facts.of_kind("not_ill_or_prevented"):
        return None
    return (
        "no statement recorded that there are no reasonable grounds to think the child ill "
        "or prevented from attending"
    )


def la_confirmed_deletion(facts: CaseFacts) -> str | None:
    """The LA confirmed the deletion after the joint enquiries failed to find the child."""
    latest = facts.latest("la_deletion_confirmation")
    if latest is None:
        return "needs the LA's confirmation of the deletion"
    if latest.get("decision") != "confirmed":
        return f"the LA did not confirm the deletion on {long_date(latest.recorded_on)}"
    return None


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


# -- the deletion ground as it stands today ---------------------------------------------------

GROUND_NOW = "deletion_ground"  # the case detail the live measure sets while a ground holds


def _ground_rules(policy: Policy) -> list[RuleSpec]:
    return [spec for rule_id, spec in policy.rules.items() if rule_id in DELETION_GROUNDS]


def _grounds_window(context: MeasureContext) -> tuple[date, date] | None:
    rules = _ground_rules(context.policy)
    if not rules:
        return None
    start = min(rule_lookback(spec, context.calendar, context.today) for spec in rules)
    return start, context.today


def _grounds_now(register: Register, context: MeasureContext) -> dict[str, Any]:
    for spec in _ground_rules(context.policy):
        found = evaluate_rule(spec, register, context.today)
        if found:
            return {GROUND_NOW: found[0].reason}
    return {}


DELETION_GROUND_NOW = LiveMeasure(window=_grounds_window, measure=_grounds_now)


# -- deadlines: days of the absence, counted from its first day --------------------------------

FIRST_ABSENT = "first_absent_on"  # the case detail: the first day of the absence

HOME_VISIT_DUE = DeadlineRule(
    name="home_visit",
    label="home visit due",
    section="missing_education",
    key="home_visit_day",
    unit=Unit.SCHOOL_DAYS,
    vulnerable_key="home_visit_day_vulnerable",
    start_detail=FIRST_ABSENT,
    day_of=True,
)
WELFARE_CHECK_DUE = DeadlineRule(
    name="welfare_check",
    label="police welfare check due",
    section="missing_education",
    key="welfare_check_day",
    unit=Unit.SCHOOL_DAYS,
    vulnerable_key="welfare_check_day_vulnerable",
    start_detail=FIRST_ABSENT,
    day_of=True,
)
LA_REFERRAL_DUE = DeadlineRule(
    name="la_referral",
    label="LA children missing education team to be told",
    section="missing_education",
    key="refer_day",
    unit=Unit.SCHOOL_DAYS,
    start_detail=FIRST_ABSENT,
    day_of=True,
)

STEPS = (
    Step(
        trigger="start_enquiries",
        source=("unexplained_absence",),
        dest="enquiries",
        label="Start reasonable enquiries",
        roles=SCHOOL_STAFF,
        guards=(first_day_contact,),
        deadlines=(HOME_VISIT_DUE, WELFARE_CHECK_DUE, LA_REFERRAL_DUE),
    ),
    Step(
        trigger="refer_to_la",
        source=("enquiries",),
        dest="referred",
        label="Refer to the LA children missing education team",
        roles=SCHOOL_STAFF,
        letter="cme_referral",
        # The LA is told early (by the policy's day), so that school and LA make their
        # enquiries jointly: the referral does not wait for a deletion ground.
        guards=(every_contact_tried, home_visit_made, welfare_check_if_due),
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
        choices={"outcome": ELSEWHERE},
    ),
    Step(
        trigger="delete_from_roll",
        source=("referred",),
        dest="deleted",
        label="Delete from roll",
        roles=SCHOOL_STAFF,
        guards=(
            referred_to_la,
            deletion_ground_holds,
            joint_enquiries_made,
            not_ill_or_prevented,
            la_confirmed_deletion,
            not_backdated,
            guards.slt_approved("delete_from_roll"),
        ),
        needs=("effective_on",),
        leaves_roll=LeavesRoll(
            on_param="effective_on",
            note="closed: the pupil is deleted from roll from {on} (missing education case {case})",
        ),
    ),
)


def opening_details(
    details: dict[str, Any], calendar: SchoolCalendar, today: date
) -> dict[str, Any]:
    """An enquiry opened by hand may say the child is a safeguarding concern (Y or N) and the
    first day of the absence (today if not given), from which its deadlines count."""
    out = dict(details)
    try:
        if "safeguarding" in details:
            out["safeguarding"] = bool(Field("safeguarding", "flag").parse(details["safeguarding"]))
        first = Field(FIRST_ABSENT, "date", required=False).parse(details.get(FIRST_ABSENT))
    except EvidenceError as error:
        raise OpeningError(str(error)) from None
    first_day = as_date(first) if first else today
    if first_day > today:
        raise OpeningError(
            f"{FIRST_ABSENT} {first_day.isoformat()} is after today: an absence that has not "
            "started yet is not an enquiry"
        )
    out[FIRST_ABSENT] = first_day.isoformat()
    return out


def first_day_of_absence(finding: Finding) -> FindingFacts | None:
    """A finding of a run of absence tells the case its first day, from which the home-visit,
    welfare-check and referral deadlines count (the earliest such day is kept)."""
    first = finding.facts.get("run_from")
    if not first:
        return None
    return FindingFacts(
        {FIRST_ABSENT: first},
        f"the first day of absence is {long_date(as_date(first))} ({finding.rule})",
        earliest=True,
    )


LIFECYCLE = Lifecycle(
    kind=KIND,
    title="Child missing education",
    states=STATES,
    initial="unexplained_absence",
    steps=STEPS,
    opened_by=SCHOOL_STAFF | SYSTEM,
    opening_details=("safeguarding", FIRST_ABSENT),
    one_open_per_pupil=True,
    measures=(DELETION_GROUND_NOW,),
    prepare=opening_details,
    from_finding=first_day_of_absence,
)
