"""Kinds of evidence a case can hold, declared as data: their fields and who may record them."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from casework.drafting.catalogue import LETTERS as CATALOGUE
from casework.machines.roles import LA, SCHOOL_STAFF, SLT, Role

if TYPE_CHECKING:
    from casework.machines.lifecycle import CaseFacts

STAFF_AND_LA = SCHOOL_STAFF | LA


class EvidenceError(ValueError):
    """Evidence that does not fit its kind; the message names the field, and so does `field`
    (so that a form can show the message next to it)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: str = "text"  # text, date, flag, amount, choice, list
    choices: tuple[str, ...] = ()
    required: bool = True

    def parse(self, raw: Any) -> Any:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None  # blank is missing: a required field says so
        if self.kind == "list":
            return list(raw)
        if self.kind == "date":
            try:
                return (
                    raw.isoformat()
                    if isinstance(raw, date)
                    else date.fromisoformat(str(raw)).isoformat()
                )
            except ValueError:
                raise EvidenceError(
                    f"{self.name} {raw!r} is not a date in the form YYYY-MM-DD", self.name
                ) from None
        if self.kind == "flag":
            if str(raw).upper() in ("Y", "YES", "TRUE", "1"):
                return True
            if str(raw).upper() in ("N", "NO", "FALSE", "0"):
                return False
            raise EvidenceError(f"{self.name} must be Y or N, not {raw!r}", self.name)
        if self.kind == "amount":
            try:
                value = round(float(raw), 2)
            except (TypeError, ValueError):
                value = math.nan
            if not math.isfinite(value):  # nan and inf parse as floats but are not money
                raise EvidenceError(f"{self.name} {raw!r} is not an amount of money", self.name)
            if value < 0:
                raise EvidenceError(f"{self.name} cannot be negative", self.name)
            return value
        text = str(raw).strip()
        if self.kind == "choice" and text not in self.choices:
            raise EvidenceError(
                f"{self.name} must be one of {', '.join(self.choices)}, not {text!r}", self.name
            )
        return text


@dataclass(frozen=True, slots=True)
class EvidenceKind:
    name: str
    label: str
    fields: tuple[Field, ...]
    roles: frozenset[Role]
    check: Callable[[dict[str, Any]], None] | None = None  # rules across fields; raises
    # What the parsed details must also satisfy on the case as it stands (the policy's limits,
    # the evidence already on file): raises EvidenceError naming the field at fault.
    check_on_case: Callable[[dict[str, Any], CaseFacts], None] | None = None

    def parse(self, details: dict[str, Any]) -> dict[str, Any]:
        """Check and normalise details; unknown or missing fields are errors naming the field."""
        known = {f.name for f in self.fields}
        unknown = sorted(set(details) - known)
        if unknown:
            raise EvidenceError(
                f"{self.name} has no field {unknown[0]!r} (fields: {', '.join(sorted(known))})"
            )
        out: dict[str, Any] = {}
        for f in self.fields:
            value = f.parse(details.get(f.name))
            if value is None:
                if f.required:
                    raise EvidenceError(f"{self.name} needs {f.name}", f.name)
                continue
            out[f.name] = value
        if self.check is not None:
            self.check(out)
        return out


COURT_OUTCOMES = (
    "fine",
    "conditional_discharge",
    "parenting_order",
    "acquittal",
    "withdrawn",
    "adjourned",
)


# -- a school's D&V discretion (Copnor) ------------------------------------------------------


def dv_discretion(details: dict[str, Any], facts: CaseFacts) -> None:
    """A period of diarrhoea and vomiting authorised without medical evidence, within the
    school's discretion: for a pupil whose family was already asked for evidence, up to the
    policy's number of periods, each at most its number of school days."""
    rules = facts.policy.sections.get("dv_discretion")
    if not isinstance(rules, dict):
        raise EvidenceError(
            f"the school's policy ({facts.policy.id}) has no D&V discretion: "
            "illness absence needs evidence as usual",
            "first_day",
        )
    first, last = date.fromisoformat(details["first_day"]), date.fromisoformat(details["last_day"])
    if last < first:
        raise EvidenceError("last_day is before first_day", "last_day")
    days = len(facts.calendar.school_days(first, last))
    longest = int(facts.number("dv_discretion", "max_school_days"))
    if days > longest:
        raise EvidenceError(
            f"a D&V period authorised without evidence is at most {longest} school days; "
            f"{first.isoformat()} to {last.isoformat()} is {days}",
            "last_day",
        )
    used = facts.of_kind("dv_absence")
    allowed = int(facts.number("dv_discretion", "periods_per_pupil"))
    if len(used) >= allowed:
        dates = ", ".join(str(e.get("first_day")) for e in used)
        raise EvidenceError(
            f"this pupil has had the {allowed} D&V period(s) the school authorises without "
            f"evidence (from {dates})",
            "first_day",
        )
    asked = [
        e for e in facts.of_kind("letter_sent") if e.get("letter") == "medical_evidence_request"
    ]
    if not asked:
        raise EvidenceError(
            "no letter asking the family for medical evidence on file: the discretion is for a "
            "family already asked for evidence",
            "first_day",
        )


def meeting_time(details: dict[str, Any]) -> None:
    """A meeting's time as a clock time (24-hour, "15:30"), so that a letter can print it."""
    hours, _, minutes = str(details["time"]).partition(":")
    if not (
        hours.isdigit()
        and minutes.isdigit()
        and len(minutes) == 2
        and int(hours) < 24
        and int(minutes) < 60
    ):
        raise EvidenceError(f"time {details['time']!r} is not a time of day such as 15:30", "time")


# Why SLT may find a notice to improve not appropriate (National Framework for penalty
# notices, 2024): the route to a penalty notice without one.
NOT_APPROPRIATE_REASONS = (
    "term_time_holiday",
    "support_would_not_help",
    "notice_in_last_12_months",
)
# What a meeting with the family is for: the meeting arranged and the meeting held share them.
MEETING_PURPOSES = ("school_support", "plan_review", "formal_support", "attendance_panel")
PLANS = ("attendance_plan", "attendance_contract", "education_supervision_order")
# The letters a person may record as sent by hand: the catalogue's, and the older names that
# cases recorded before letters were drafted by Casework.
LETTERS = (
    *CATALOGUE,
    "attendance_concern",
    "support_meeting_invitation",
    "penalty_notice_warning",
    "leave_partly_granted",
    "leave_not_applied_for",
    "other",
)

EVIDENCE_KINDS: dict[str, EvidenceKind] = {
    k.name: k
    for k in (
        EvidenceKind(
            "contact_attempt",
            "Contact attempt",
            (
                Field("channel", "choice", ("phone", "text", "email", "letter", "in_person")),
                Field("contact"),
                Field(
                    "outcome", "choice", ("reached", "no_answer", "message_left", "wrong_details")
                ),
                Field("summary", required=False),
            ),
            STAFF_AND_LA,
        ),
        EvidenceKind(
            "home_visit",
            "Home visit",
            (
                Field(
                    "outcome", "choice", ("child_seen", "parent_seen", "no_answer", "moved_away")
                ),
                Field("summary", required=False),
            ),
            STAFF_AND_LA,
        ),
        EvidenceKind(
            "meeting",
            "Meeting",
            (
                Field("purpose", "choice", MEETING_PURPOSES),
                Field("attendees"),
                Field("outcome"),
            ),
            STAFF_AND_LA,
        ),
        # A meeting with the family still to come, as the invitation letters give it.
        EvidenceKind(
            "meeting_arranged",
            "Meeting arranged",
            (
                Field("date", "date"),
                Field("time"),  # as the family reads it, e.g. "15:30"
                Field("place"),
                Field("with"),  # who the family will meet
                Field("purpose", "choice", MEETING_PURPOSES),
            ),
            STAFF_AND_LA,
            check=meeting_time,
        ),
        EvidenceKind(
            "signed_plan",
            "Signed plan",
            (
                Field("plan", "choice", PLANS),
                Field("signed_on", "date"),
                Field("review_date", "date"),
                Field("summary", required=False),
                # What the plan letter sets out (optional: plans recorded before it was drafted
                # have none). Several targets or actions: one a line, or separated by ";".
                Field("target", required=False),
                Field("school_actions", required=False),
                Field("family_actions", required=False),
                Field("pupil_actions", required=False),
            ),
            STAFF_AND_LA,
        ),
        EvidenceKind(
            "letter_sent",
            "Letter sent",
            (
                Field("letter", "choice", LETTERS),
                Field("sent_on", "date"),
                Field("to", required=False),
                # Set when Casework drafted and sent it: the copy kept is this exact file.
                Field("channel", "choice", ("post", "hand", "email"), required=False),
                Field("letter_id", required=False),
                Field("sha256", required=False),
            ),
            STAFF_AND_LA,
        ),
        EvidenceKind(
            "medical_evidence",
            "Medical evidence",
            (
                Field("description"),
                Field("covers_from", "date", required=False),
                Field("covers_to", "date", required=False),
            ),
            SCHOOL_STAFF,
        ),
        EvidenceKind(
            "support_offered",
            "Support offered",
            (
                Field(
                    "support",
                    "choice",
                    (
                        "early_help",
                        "attendance_contract",
                        "mentoring",
                        "health",
                        "transport",
                        "other",
                    ),
                ),
                Field("accepted", "flag"),
                Field("summary", required=False),
            ),
            STAFF_AND_LA,
        ),
        EvidenceKind(
            "agencies",
            "Agencies involved",
            (Field("agencies"),),  # "none" is an answer too: the LA pack asks for it either way
            STAFF_AND_LA,
        ),
        EvidenceKind(
            "slt_approval",
            "Senior leader's decision",
            (
                Field("decision", "choice", ("approved", "refused")),
                Field("step"),  # the trigger approved, e.g. refer_formal_support
                Field("reason", required=False),
            ),
            SLT,
        ),
        EvidenceKind(
            "la_decision",
            "Local authority decision",
            (
                Field(
                    "decision",
                    "choice",
                    (
                        "accepted",
                        "returned",
                        "refused",
                        "prosecute",
                        "withdraw",
                        "located_elsewhere",
                    ),
                ),
                Field("reason", required=False),
            ),
            LA,
        ),
        EvidenceKind(
            "eso_considered",
            "Education supervision order considered",
            (Field("decision", "choice", ("applying", "not_appropriate")), Field("reason")),
            LA,  # s447 puts the duty to consider an order on the LA, not the school
        ),
        EvidenceKind(
            "welfare_check",
            "Police welfare check",
            (Field("requested_on", "date"), Field("outcome", required=False)),
            STAFF_AND_LA,
        ),
        EvidenceKind(
            "enquiry",
            "Enquiry",
            (
                Field(
                    "with",
                    "choice",
                    ("sibling_school", "la_cme_team", "other_la", "social_care", "police", "other"),
                ),
                Field("outcome"),
            ),
            STAFF_AND_LA,
        ),
        EvidenceKind(
            "payment",
            "Penalty payment",
            (Field("amount", "amount"), Field("paid_on", "date")),
            LA,
        ),
        # -- the penalty route (issue 8, item 3): SLT's judgements on the way to a notice --
        EvidenceKind(
            "no_notice_to_improve",
            "Reason a notice to improve is not appropriate",
            (Field("reason", "choice", NOT_APPROPRIATE_REASONS), Field("explanation")),
            SLT,
        ),
        EvidenceKind(
            "improvement_judgement",
            "Improvement after the notice to improve",
            (Field("improvement", "choice", ("not_sufficient", "sufficient")), Field("reason")),
            SLT,
        ),
        # -- parents (issue 8, item 11): the LA decides whether the named parent is liable --
        EvidenceKind(
            "liability_decision",
            "Local authority's decision on liability",
            (Field("liable", "flag"), Field("reason")),
            LA,
        ),
        EvidenceKind(
            "court_outcome",
            "Court outcome",
            (
                Field("outcome", "choice", COURT_OUTCOMES),
                Field("heard_on", "date"),
                Field("summary", required=False),
            ),
            LA,
        ),
        EvidenceKind(
            "dv_absence",
            "D&V absence authorised without evidence",
            (
                Field("first_day", "date"),
                Field("last_day", "date"),
                Field("summary", required=False),
            ),
            SCHOOL_STAFF,
            check_on_case=dv_discretion,
        ),
        EvidenceKind("note", "Note", (Field("text"),), STAFF_AND_LA | {Role.TEACHER}),
        EvidenceKind(
            "finding",
            "Sweep finding",
            (
                Field("rule"),
                Field("reason"),
                Field("staff_reason", required=False),  # the sentence staff read, naming the pupil
                Field("as_of", "date"),
                Field("began", "date", required=False),  # when this occurrence began
                Field("marks", "list", required=False),
                # Recorded on a concern closed as improved and sustained, in its cool-off,
                # instead of opening a new one; and the day the cool-off ends, if known.
                Field("in_cool_off", "flag", required=False),
                Field("cool_off_ends", "date", required=False),
            ),
            frozenset({Role.SYSTEM}),
        ),
    )
}

# Children missing education: what a deletion from roll rests on besides its ground (reg 9(1)
# of the 2024 pupil registration regulations): the school's statement that there are no
# reasonable grounds to think the child ill or prevented from attending, and the LA's
# confirmation, which only the LA records.
EVIDENCE_KINDS |= {
    k.name: k
    for k in (
        EvidenceKind(
            "not_ill_or_prevented",
            "No grounds to think the child ill or prevented",
            (Field("reason"),),  # why the school believes so (what the enquiries found)
            STAFF_AND_LA,
        ),
        EvidenceKind(
            "la_deletion_confirmation",
            "LA confirmation of the deletion from roll",
            (
                Field("decision", "choice", ("confirmed", "not_confirmed")),
                Field("reason", required=False),
            ),
            LA,
        ),
    )
}


# -- prosecution and formal support measures -------------------------------------------------

ESO_STAGES = ("applied", "granted", "breached")
REFERRAL_TO = ("early_help", "multi_agency", "social_care", "health", "other")


def _order_dates(details: dict[str, Any]) -> None:
    """A granted order has its end date, after the day it was granted; only a grant has one."""
    ends = details.get("ends_on")
    if details["stage"] == "granted" and not ends:
        raise EvidenceError("education_supervision_order granted needs ends_on", "ends_on")
    if details["stage"] != "granted" and ends:
        raise EvidenceError(
            f"education_supervision_order {details['stage']} takes no ends_on (only granted)",
            "ends_on",
        )
    if ends and ends <= details["stage_on"]:  # ISO dates compare as dates
        raise EvidenceError(
            f"education_supervision_order ends_on {ends} must be after stage_on "
            f"{details['stage_on']}",
            "ends_on",
        )


EVIDENCE_KINDS.update(
    (k.name, k)
    for k in (
        EvidenceKind(
            "prosecution_pack",
            "Prosecution evidence pack sent",
            (Field("sent_on", "date"), Field("sent_to"), Field("summary", required=False)),
            STAFF_AND_LA,
        ),
        # Formal support measures are evidence with deadlines rather than states: each runs
        # beside formal support (and may outlast it), so none is a place the case is in.
        EvidenceKind(
            "attendance_contract",
            "Attendance contract signed",
            (
                Field("signed_on", "date"),
                Field("parties"),
                Field("summary", required=False),
                # The terms the contract letter sets out (optional, as for older contracts):
                # what each side agrees to, one a line or separated by ";".
                Field("school_agrees", required=False),
                Field("family_agrees", required=False),
            ),
            STAFF_AND_LA,
        ),
        EvidenceKind(
            "support_referral",
            "Early help or multi-agency referral",
            (
                Field("referred_to", "choice", REFERRAL_TO),
                Field("referred_on", "date"),
                Field("outcome", required=False),
            ),
            STAFF_AND_LA,
        ),
        EvidenceKind(
            "education_supervision_order",
            "Education supervision order",
            (
                Field("stage", "choice", ESO_STAGES),
                Field("stage_on", "date"),
                Field("ends_on", "date", required=False),
                Field("summary", required=False),
            ),
            LA,  # the LA applies to the court for an order (s36 Children Act 1989)
            check=_order_dates,
        ),
    )
)


def evidence_kind(name: str) -> EvidenceKind:
    try:
        return EVIDENCE_KINDS[name]
    except KeyError:
        raise EvidenceError(
            f"unknown evidence kind {name!r} (kinds: {', '.join(sorted(EVIDENCE_KINDS))})"
        ) from None
