"""Guards the lifecycles share: each returns None when a step may go ahead, else the reason."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from casework.machines.lifecycle import (
    CaseFacts,
    EvidenceItem,
    Guard,
    PriorNotice,
    Unit,
    add_period,
    as_date,
)
from casework.register.school_age import (
    compulsory_from,
    compulsory_until,
    of_compulsory_school_age,
)
from casework.text import long_date


def _since_entering(facts: CaseFacts, items: list[EvidenceItem]) -> list[EvidenceItem]:
    if facts.entered_state_on is None:
        return items
    return [e for e in items if e.recorded_on >= facts.entered_state_on]


# -- evidence -------------------------------------------------------------------------------


def family_contacted(facts: CaseFacts) -> str | None:
    """A contact with the family (call, text, email, letter or meeting) is on file."""
    if facts.of_kind("contact_attempt") or facts.of_kind("letter_sent") or facts.of_kind("meeting"):
        return None
    return "no contact with the family recorded yet"


def support_meeting_held(facts: CaseFacts) -> str | None:
    """School-led support was offered: a support meeting with the family is on file."""
    if any(e.get("purpose") == "school_support" for e in facts.of_kind("meeting")):
        return None
    return "no school-led support meeting with the family recorded"


def signed_plan(plan: str, section: str) -> Guard:
    """A signed plan of this kind whose review date falls in the policy's review window."""
    name = plan.replace("_", " ")

    def guard(facts: CaseFacts) -> str | None:
        plans = [e for e in facts.of_kind("signed_plan") if e.get("plan") == plan]
        if not plans:
            return f"no signed {name} on file"
        latest = max(plans, key=lambda e: (e.recorded_on, e.id))
        signed = as_date(latest.get("signed_on"))
        review = as_date(latest.get("review_date"))
        earliest = add_period(
            facts.calendar,
            signed,
            int(facts.number(section, "review_min_school_weeks")),
            Unit.SCHOOL_WEEKS,
        )
        latest_ok = add_period(
            facts.calendar,
            signed,
            int(facts.number(section, "review_max_school_weeks")),
            Unit.SCHOOL_WEEKS,
        )
        if review < earliest or review > latest_ok:
            return (
                f"the {name} review date {long_date(review)} must fall between "
                f"{long_date(earliest)} and {long_date(latest_ok)}"
            )
        return None

    guard.__doc__ = f"A signed {name} with a review date in the policy's window."
    return guard


# -- a plan's own review date ----------------------------------------------------------------


def _latest_plan(facts: CaseFacts, plan: str) -> EvidenceItem | None:
    plans = [e for e in facts.of_kind("signed_plan") if e.get("plan") == plan]
    return max(plans, key=lambda e: (e.recorded_on, e.id)) if plans else None


def plan_review_date(plan: str) -> Callable[[CaseFacts], date | None]:
    """The review date a plan sets: the one given with the step, else the signed plan's."""

    def review_date(facts: CaseFacts) -> date | None:
        if facts.params.get("review_date"):
            return as_date(facts.params["review_date"])
        latest = _latest_plan(facts, plan)
        return as_date(latest.get("review_date")) if latest and latest.get("review_date") else None

    return review_date


def review_date_in_window(section: str) -> Guard:
    """A review date given with the step falls in the policy's review window from today."""

    def guard(facts: CaseFacts) -> str | None:
        given = facts.params.get("review_date")
        if not given:
            return None  # the signed plan's date, which signed_plan checks, or the default
        review = as_date(given)
        earliest, latest = (
            add_period(
                facts.calendar, facts.today, int(facts.number(section, key)), Unit.SCHOOL_WEEKS
            )
            for key in ("review_min_school_weeks", "review_max_school_weeks")
        )
        if earliest <= review <= latest:
            return None
        return (
            f"the review date {long_date(review)} must fall between {long_date(earliest)} "
            f"and {long_date(latest)}"
        )

    guard.__doc__ = "A review date given with the step falls in the policy's review window."
    return guard


# The attribute that marks a guard made by slt_approved with the step it approves, so that a
# queue of what awaits SLT approval is read from the lifecycles' data.
APPROVES = "approves"


def slt_decision(facts: CaseFacts, step: str) -> EvidenceItem | None:
    """The latest SLT decision on this step since the case entered its current state."""
    decisions = [e for e in facts.of_kind("slt_approval") if e.get("step") == step]
    decisions = _since_entering(facts, decisions)
    return max(decisions, key=lambda e: (e.recorded_on, e.id)) if decisions else None


def approved_step(guard: Guard) -> str | None:
    """The step a guard made by slt_approved approves (None for any other guard)."""
    step = getattr(guard, APPROVES, None)
    return step if isinstance(step, str) else None


def slt_approved(step: str) -> Guard:
    """A senior leader approved this step since the case entered its current state."""

    def guard(facts: CaseFacts) -> str | None:
        latest = slt_decision(facts, step)
        if latest is None:
            return "needs SLT approval"
        if latest.get("decision") != "approved":
            return f"SLT refused on {long_date(latest.recorded_on)}"
        return None

    guard.__doc__ = f"SLT approval for {step}."
    setattr(guard, APPROVES, step)
    return guard


def formal_support_offered(facts: CaseFacts) -> str | None:
    """Formal support was offered: an attendance contract, early help or similar."""
    offers = [
        e
        for e in facts.of_kind("support_offered")
        if e.get("support") in ("attendance_contract", "early_help")
    ]
    contracts = [e for e in facts.of_kind("signed_plan") if e.get("plan") == "attendance_contract"]
    contracts += facts.of_kind("attendance_contract")
    offers += [
        e
        for e in facts.of_kind("support_referral")
        if e.get("referred_to") in ("early_help", "multi_agency")
    ]
    if offers or contracts:
        return None
    return "no attendance contract or early help offered"


def letter_sent(letter: str) -> Guard:
    name = letter.replace("_", " ")

    def guard(facts: CaseFacts) -> str | None:
        sent = [e for e in facts.of_kind("letter_sent") if e.get("letter") == letter]
        if _since_entering(facts, sent) or (sent and facts.entered_state_on is None):
            return None
        return f"no {name} letter sent"

    guard.__doc__ = f"A {name} letter was sent."
    return guard


def eso_considered(facts: CaseFacts) -> str | None:
    """The LA considered an education supervision order before prosecution (s447): its
    recorded consideration, or an order it applied for (both kinds only the LA records)."""
    if facts.of_kind("eso_considered") or facts.of_kind("education_supervision_order"):
        return None
    return (
        "the LA must record its consideration of an education supervision order first "
        "(s447 Education Act 1996)"
    )


def la_decided(decision: str) -> Guard:
    name = decision.replace("_", " ")

    def guard(facts: CaseFacts) -> str | None:
        latest = facts.latest("la_decision")
        if latest is not None and latest.get("decision") == decision:
            return None
        return f"needs the local authority's decision: {name}"

    guard.__doc__ = f"The LA decided: {name}."
    return guard


# -- parents and the pupil -----------------------------------------------------------------


def parents_named(facts: CaseFacts) -> str | None:
    """At least one contact with parental responsibility is recorded."""
    if facts.pupil.parents:
        return None
    return "no parent with parental responsibility named"


def pupil_left_roll(facts: CaseFacts) -> str | None:
    """Closing as left roll needs the pupil's leaving date, on or before today."""
    if facts.params.get("outcome") != "left_roll":
        return None
    if facts.pupil.leaving_date is None:
        return "the pupil has no leaving date recorded"
    if facts.pupil.leaving_date > facts.today:
        return f"the pupil leaves on {long_date(facts.pupil.leaving_date)}, after today"
    return None


def outcome_in(*outcomes: str) -> Guard:
    def guard(facts: CaseFacts) -> str | None:
        outcome = facts.params.get("outcome")
        if outcome is None or outcome in outcomes:
            return None  # a missing outcome is reported by the step's needs
        return f"outcome must be one of {', '.join(outcomes)}, not {outcome!r}"

    guard.__doc__ = f"The outcome is one of {', '.join(outcomes)}."
    return guard


# -- thresholds and periods ----------------------------------------------------------------


def compulsory_school_age(facts: CaseFacts) -> str | None:
    """Enforcement applies only to a child of compulsory school age (s8 Education Act 1996)."""
    born = facts.pupil.date_of_birth
    if born is None:
        return "no date of birth on record: compulsory school age cannot be checked"
    if of_compulsory_school_age(born, facts.today):
        return None
    starts = compulsory_from(born)
    if facts.today < starts:
        return f"not of compulsory school age until {long_date(starts)}: enforcement does not apply"
    ended = compulsory_until(born)
    return f"past compulsory school age since {long_date(ended)}: enforcement does not apply"


def holiday_case(facts: CaseFacts) -> bool:
    return bool(facts.details.get("holiday"))


def not_holiday(facts: CaseFacts) -> str | None:
    """A notice to improve is not used for term-time holidays."""
    if holiday_case(facts):
        return "a notice to improve is not used for a term-time holiday"
    return None


def penalty_threshold_met(facts: CaseFacts) -> str | None:
    """The national threshold is met by the offence the step is for, a term-time holiday
    included: its window ends on the offence's day (pinned by a notice to improve), not today."""
    measure = facts.details.get("penalty_threshold")
    if not measure:
        return "threshold not checked: no register data for the penalty window"
    count, needed, window = measure["count"], measure["threshold"], measure["window"]
    if count >= needed:
        return None
    as_of = f" up to {long_date(as_date(measure['as_of']))}" if measure.get("as_of") else ""
    return f"threshold not met: {count} of {needed} sessions {window}{as_of}"


def notice_period_end(facts: CaseFacts, issued: date) -> date:
    """The last day of a notice to improve's period (school weeks, a local choice)."""
    weeks = int(facts.number("notice_to_improve", "period_school_weeks"))
    return add_period(facts.calendar, issued, weeks, Unit.SCHOOL_WEEKS)


def notice_period_over(facts: CaseFacts) -> str | None:
    """A notice to improve was issued and its period has ended."""
    issued = facts.details.get("notice_to_improve_issued")
    if not issued:
        return "no notice to improve issued"
    ends = notice_period_end(facts, as_date(issued))
    if facts.today <= ends:
        return f"notice-to-improve period ends {long_date(ends)}"
    return None


# -- prosecution ----------------------------------------------------------------------------


def months_after(day: date, months: int) -> date:
    """The same day `months` calendar months on (the month's last day when it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def prosecution_starts_by(facts: CaseFacts) -> date | None:
    """The last day a prosecution may be started: the policy's months (s127 Magistrates'
    Courts Act 1980) from the last unauthorised absence it relies on, if there is one."""
    measure = facts.details.get("prosecution_time_limit") or {}
    last = measure.get("last_absence")
    if not last:
        return None
    return months_after(as_date(last), int(facts.number("prosecution", "time_limit_months")))


def within_prosecution_time_limit(facts: CaseFacts) -> str | None:
    """A prosecution starts within the policy's months of the last absence it relies on."""
    months = int(facts.number("prosecution", "time_limit_months"))
    by = prosecution_starts_by(facts)
    if by is None or facts.today > by:
        return (
            f"no unauthorised absence in the last {months} months: too late to prosecute "
            "(s127 Magistrates' Courts Act 1980)"
        )
    return None


def prosecution_pack_sent(facts: CaseFacts) -> str | None:
    """The evidence pack for the prosecution was assembled and sent (recorded as evidence)."""
    if facts.of_kind("prosecution_pack"):
        return None
    return "no prosecution evidence pack recorded as sent"


def referral_pack_complete(facts: CaseFacts) -> str | None:
    """The evidence an LA asks for with a referral is all on the case."""
    missing = []
    if not (facts.of_kind("letter_sent")):
        missing.append("letters sent")
    if not facts.of_kind("home_visit"):
        missing.append("home visit outcome")
    if not facts.of_kind("signed_plan"):
        missing.append("support plan")
    if not facts.of_kind("agencies"):
        missing.append("agencies involved")
    if not facts.pupil.parents:
        missing.append("parents with parental responsibility")
    if missing:
        return "LA referral pack is missing: " + ", ".join(missing)
    return None


def within_notice_limit(facts: CaseFacts) -> str | None:
    """No more penalty notices to this parent for this child within the repeat window."""
    years = int(facts.number("penalty_notice", "repeat_window_years"))
    most = int(facts.number("penalty_notice", "max_notices_in_window"))
    since = years_before(facts.today, years)
    counts_from = as_date(facts.number("penalty_notice", "counts_from"))
    recent = counted_notices(facts.related.prior_notices, since, counts_from=counts_from)
    if len(recent) >= most:
        return (
            f"this parent already had {len(recent)} penalty notices for this child since "
            f"{long_date(since)}: no further notice within {years} years; use another route"
        )
    return None


# States of a notice that does not count towards the repeat limit: a withdrawn notice does
# not (National Framework 2024), and a refused request was never a notice.
NOT_COUNTED = ("withdrawn", "refused")


def counted_notices(
    notices: Iterable[PriorNotice], since: date, before: date | None = None, *, counts_from: date
) -> list[PriorNotice]:
    """Penalty notices that count towards the repeat limit: issued after `since` (and before
    `before`, when given), on or after `counts_from` (the 2024 framework's start: earlier
    notices never count) and not withdrawn."""
    return [
        n
        for n in notices
        if n.issued_on > since
        and n.issued_on >= counts_from
        and (before is None or n.issued_on < before)
        and n.state not in NOT_COUNTED
    ]


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# -- the penalty route (issue 8, item 3) -----------------------------------------------------

HOLIDAY_CODE = "G"  # leave of absence in term time not granted


def _since_back_to_support(facts: CaseFacts, items: list[EvidenceItem]) -> list[EvidenceItem]:
    """Items recorded since the concern last came back to support from a penalty notice: a
    judgement about an earlier offence does not carry over to the next one."""
    back = facts.details.get("returned_to_support")
    return [e for e in items if not back or e.recorded_on >= as_date(back)]


def support_offered_before_enforcement(facts: CaseFacts) -> str | None:
    """Enforcement comes only after support was offered: a school-led support meeting, a
    signed plan or support offered is on file."""
    if (
        support_meeting_held(facts) is None
        or facts.of_kind("signed_plan")
        or facts.of_kind("support_offered")
    ):
        return None
    return "no support offered to the family yet (a support meeting, a plan or other support)"


def no_notice_to_improve(facts: CaseFacts) -> str | None:
    """SLT recorded why a notice to improve is not appropriate, which opens the direct route;
    a term-time holiday must be in the offence (sessions coded G)."""
    items = _since_back_to_support(facts, facts.of_kind("no_notice_to_improve"))
    if not items:
        return (
            "needs a notice to improve first, or SLT's recorded reason why one is not "
            "appropriate (a term-time holiday; support would not help; a notice to this "
            "parent in the last 12 months)"
        )
    latest = max(items, key=lambda e: (e.recorded_on, e.id))
    measure = facts.details.get("penalty_threshold") or {}
    if latest.get("reason") == "term_time_holiday" and HOLIDAY_CODE not in measure.get(
        "codes", [HOLIDAY_CODE]
    ):
        return (
            "SLT recorded a term-time holiday, but the offence has no session coded "
            f"{HOLIDAY_CODE} (leave not granted)"
        )
    return None


def improvement_not_sufficient(facts: CaseFacts) -> str | None:
    """After a notice to improve, SLT judged (once its period ended) that attendance did not
    improve enough: the request rests on that judgement and the original offence."""
    items = _since_entering(facts, facts.of_kind("improvement_judgement"))
    if not items:
        return "needs SLT's judgement that improvement was not sufficient"
    latest = max(items, key=lambda e: (e.recorded_on, e.id))
    issued = facts.details.get("notice_to_improve_issued")
    if issued:
        ends = notice_period_end(facts, as_date(issued))
        if latest.recorded_on <= ends:
            return (
                f"SLT's judgement of {long_date(latest.recorded_on)} came before the "
                f"notice-to-improve period ended on {long_date(ends)}"
            )
    if latest.get("improvement") != "not_sufficient":
        return (
            f"SLT judged the improvement sufficient on {long_date(latest.recorded_on)}: "
            "step down instead"
        )
    return None


# -- penalty notice dates and limits (issue 8, item 5) ---------------------------------------


def no_third_notice(facts: CaseFacts) -> str | None:
    """The third-notice bar, checked when the concern asks: refused when every parent already
    had as many notices for this child as the repeat window allows (a parent who has not
    still gets one)."""
    parents = [p.name for p in facts.pupil.parents_s576]
    barred = [name for name in parents if name in facts.related.barred_parents]
    if not parents or len(barred) < len(parents):
        return None
    years = int(facts.number("penalty_notice", "repeat_window_years"))
    most = int(facts.number("penalty_notice", "max_notices_in_window"))
    return (
        f"{' and '.join(barred)} already had {most} penalty notices for this child within "
        f"{years} years: a third is barred; use another route"
    )
