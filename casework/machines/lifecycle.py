"""Case lifecycles declared as data, run on one shared `transitions` machine per case kind."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from transitions import Machine

from casework.machines.roles import (
    NO_STANDING,
    Role,
    Standing,
    decision_words,
    may,
    may_take,
    role_words,
    roles_text,
    with_article,
)
from casework.policy.model import Policy, PolicyError
from casework.policy.rules import Finding
from casework.register.calendar import SchoolCalendar
from casework.register.marks import Register

# -- facts a guard reads ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """A piece of evidence on a case, as guards see it (superseded items are left out)."""

    id: int
    kind: str
    recorded_on: date
    details: dict[str, Any]
    recorded_by_role: str = ""

    def get(self, key: str, default: Any = None) -> Any:
        return self.details.get(key, default)


@dataclass(frozen=True, slots=True)
class ContactFacts:
    name: str
    relationship: str
    parental_responsibility: bool
    lives_with_pupil: bool = False  # has care of the child (a parent under s576); applies for leave


@dataclass(frozen=True, slots=True)
class PupilFacts:
    upn: str
    vulnerable: bool  # social worker, looked after or a safeguarding concern: faster deadlines
    leaving_date: date | None
    contacts: tuple[ContactFacts, ...] = ()
    date_of_birth: date | None = None  # compulsory school age is counted from it

    @property
    def parents(self) -> tuple[ContactFacts, ...]:
        """Contacts with parental responsibility."""
        return tuple(c for c in self.contacts if c.parental_responsibility)

    @property
    def parents_s576(self) -> tuple[ContactFacts, ...]:
        """Parents in the sense of s576 Education Act 1996: anyone with parental
        responsibility or who has care of the child (a contact the pupil lives with)."""
        return tuple(c for c in self.contacts if c.parental_responsibility or c.lives_with_pupil)


@dataclass(frozen=True, slots=True)
class PriorNotice:
    """A penalty notice issued earlier to the same parent for the same child."""

    issued_on: date
    state: str


@dataclass(frozen=True, slots=True)
class OtherCase:
    """Another case of the same pupil, as the facts of this one are drawn from it."""

    kind: str
    state: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RelatedFacts:
    """Facts from the pupil's other cases that a guard may need."""

    penalty_notice_states: tuple[str, ...] = ()  # states of this child's penalty notice cases
    prior_notices: tuple[PriorNotice, ...] = ()  # this parent's earlier notices for this child
    case_states: tuple[tuple[str, str], ...] = ()  # (kind, state) of the pupil's other cases
    started_states: tuple[tuple[str, str], ...] = ()  # (kind, state) of the cases this started
    barred_parents: tuple[str, ...] = ()  # parents who may not be given another notice now


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """Everything a guard may read: the case, its evidence and the world as of `today`."""

    kind: str
    state: str
    today: date
    calendar: SchoolCalendar
    policy: Policy
    pupil: PupilFacts
    evidence: tuple[EvidenceItem, ...] = ()
    entered_state_on: date | None = None
    details: dict[str, Any] = field(default_factory=dict)  # the case's own data (leave dates...)
    related: RelatedFacts = RelatedFacts()
    params: dict[str, Any] = field(default_factory=dict)  # what the person firing supplied

    def of_kind(self, kind: str) -> list[EvidenceItem]:
        return [e for e in self.evidence if e.kind == kind]

    def latest(self, kind: str) -> EvidenceItem | None:
        items = self.of_kind(kind)
        return max(items, key=lambda e: (e.recorded_on, e.id)) if items else None

    def number(self, section: str, key: str) -> Any:
        """A number from the policy; a missing one is a policy error, never a default here."""
        table = self.policy.section(section)
        if key not in table:
            raise PolicyError(f"policy {self.policy.id}: [{section}] has no {key}")
        return table[key]


Guard = Callable[[CaseFacts], str | None]
"""A guard returns None when the transition may go ahead, else the reason it may not."""


# -- deadlines -------------------------------------------------------------------------------


class Unit(StrEnum):
    SCHOOL_DAYS = "school_days"
    SCHOOL_WEEKS = "school_weeks"
    DAYS = "days"


def add_period(calendar: SchoolCalendar, start: date, amount: int, unit: Unit) -> date:
    """The day `amount` units after `start`, counted as the unit says."""
    if unit is Unit.DAYS:
        return start + timedelta(days=amount)
    if unit is Unit.SCHOOL_DAYS:
        return calendar.nth_school_day_after(start, amount)
    # School weeks: the same weekday `amount` school weeks on, skipping weeks with no school
    # (half terms, holidays); if that day has no school, the next school day.
    weeks = calendar.school_weeks
    first = bisect.bisect_right(weeks, start - timedelta(days=start.weekday()))
    if first + amount - 1 >= len(weeks):
        raise ValueError(f"the calendar has fewer than {amount} school weeks after {start}")
    day = weeks[first + amount - 1] + timedelta(days=start.weekday())
    index = calendar.index_on_or_after(day)
    if index >= len(calendar.days):
        raise ValueError(f"the calendar has no school day on or after {day}")
    return calendar.days[index]


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineRule:
    """A deadline set when a transition enters its state; the numbers come from the policy."""

    name: str
    label: str  # "plan review due", in the words a worklist shows
    section: str  # policy table holding the amount
    key: str  # its key there
    unit: Unit
    start_param: str | None = None  # a date supplied with the transition, else the day fired
    fires: str | None = None  # trigger the sweep fires when the deadline passes
    vulnerable_key: str | None = None  # key for the shorter deadline of a vulnerable pupil
    start_detail: str | None = None  # a date held on the case (e.g. the leave's first day)
    before: bool = False  # count back from the start (a decision due before leave starts)
    day_of: bool = False  # the amount is a day number, the start being day 1 ("day 4 of absence")
    # The day the case itself sets (a plan's own review date), if any: then the policy's
    # amount is only the default.
    sets_date: Callable[[CaseFacts], date | None] | None = None
    start_from: Callable[[CaseFacts], date] | None = None  # a start the facts decide (service)

    def due(self, facts: CaseFacts) -> date:
        if self.sets_date and (day := self.sets_date(facts)):
            return day
        key = self.vulnerable_key if self.vulnerable_key and facts.pupil.vulnerable else self.key
        amount = int(facts.number(self.section, key))
        start = facts.today
        if self.start_from is not None:
            start = self.start_from(facts)
        elif self.start_param and facts.params.get(self.start_param):
            start = as_date(facts.params[self.start_param])
        elif self.start_detail and facts.details.get(self.start_detail):
            start = as_date(facts.details[self.start_detail])
        if self.day_of:
            if self.unit is not Unit.SCHOOL_DAYS or amount < 1:
                raise ValueError(f"deadline {self.name}: a day number counts school days from 1")
            index = facts.calendar.index_on_or_after(start) + amount - 1
            if index >= len(facts.calendar.days):
                raise ValueError(f"the calendar has no school day {amount} from {start}")
            return facts.calendar.days[index]
        if self.before:
            if self.unit is not Unit.SCHOOL_DAYS:
                raise ValueError(f"deadline {self.name}: only school days count back")
            return facts.calendar.nth_school_day_before(start, amount)
        return add_period(facts.calendar, start, amount, self.unit)


def cool_off_end(policy: Policy, calendar: SchoolCalendar, closed_on: date) -> date | None:
    """The first day after the cool-off of a case closed on `closed_on`: the policy's school
    weeks on, as a deadline counts them. None when the calendar does not reach that day yet,
    so the cool-off runs on (a school file that lists next year's terms tells the end)."""
    if policy.cool_off_school_weeks is None:
        return closed_on  # no cool-off: a finding opens a new case from the day it closed
    try:
        return add_period(calendar, closed_on, policy.cool_off_school_weeks, Unit.SCHOOL_WEEKS)
    except ValueError:
        return None


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# -- what a step does besides moving the state -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Changes:
    """What a step's effect changes on its case: details set, deadlines it does not set."""

    details: dict[str, Any] = field(default_factory=dict)
    skip_deadlines: tuple[str, ...] = ()  # names of the step's deadlines that do not apply
    before_stamps: bool = False  # set ahead of the step's stamps (keeps the case's key order)


Effect = Callable[[CaseFacts], Changes]
"""A pure function of the facts as the step is taken: amounts fixed, an agreed end date."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowOn:
    """A case a step starts for the same pupil, declared with the step that starts it."""

    kind: str
    note: str  # why it was opened, for the audit trail; {case} is the starting case's id
    per_parent: bool = False  # one case per parent (s576: responsibility or care of the child)
    # With per_parent: whether a parent (by name) gets a case (a parent barred from another
    # notice does not); None: every one.
    for_parent: Callable[[CaseFacts, str], bool] | None = None
    details: Callable[[CaseFacts], dict[str, Any]] | None = None  # the new case's own data
    if_open: str = "open"  # when the pupil has an open case of the kind: "open", "skip", "flag"
    flag: dict[str, Any] = field(default_factory=dict)  # details set on that case with "flag"


@dataclass(frozen=True, slots=True, kw_only=True)
class LeavesRoll:
    """A step that takes the pupil off roll: the pupil's leaving date is set to a date supplied
    with the step (off roll from that day), and the pupil's other open cases close."""

    on_param: str  # the step's parameter holding the leaving date
    note: str  # why the other cases closed, for their audit trails; {case} and {on} filled in


@dataclass(frozen=True, slots=True)
class MeasureContext:
    """What a live measure may read besides the register: the case's data and the day."""

    today: date  # today, or the calendar's last day once the calendar has run out
    calendar: SchoolCalendar
    policy: Policy
    details: dict[str, Any]
    state: str = ""  # the case's state: a measure may apply only in some


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveMeasure:
    """Figures from the register as it is today that a kind's guards quote.

    `window` says which days of the pupil's register to read (None: nothing to measure);
    the service reads them, and `measure` does the arithmetic on that register.
    """

    window: Callable[[MeasureContext], tuple[date, date] | None]
    measure: Callable[[Register, MeasureContext], dict[str, Any]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Records:
    """Evidence a step records as it is taken (the LA's decision on a referral), so that the
    decision and its reason are on file like any other evidence."""

    kind: str
    details: dict[str, Any]  # fixed details, e.g. {"decision": "returned"}
    from_params: dict[str, str] = field(default_factory=dict)  # detail <- what was supplied

    def evidence(self, facts: CaseFacts) -> dict[str, Any]:
        supplied = {k: facts.params[p] for k, p in self.from_params.items() if facts.params.get(p)}
        return self.details | supplied


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceDeadline:
    """A deadline that recording an item of evidence sets on its case (an attendance contract's
    review, the end of an education supervision order): a policy period from one of the
    item's dates, or a date the item gives. A later such item replaces it; it stays open
    across the case's steps (the measure runs beside them) until the case closes."""

    kind: str  # the evidence kind
    name: str
    label: str
    when: dict[str, str] = field(default_factory=dict)  # the details it applies to
    rule: DeadlineRule | None = None  # a policy period from the item's rule.start_param date
    on_field: str | None = None  # or the date the item gives

    def due(self, facts: CaseFacts, details: dict[str, Any]) -> date | None:
        """When it falls due for this item (None: the item sets no such deadline)."""
        if any(details.get(k) != v for k, v in self.when.items()):
            return None
        if self.rule is not None:
            return self.rule.due(replace(facts, params=details))
        value = details.get(self.on_field) if self.on_field else None
        return as_date(value) if value else None


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeLimit:
    """A date a case must act by that moves with the register, so it is drawn from the facts
    whenever the case is shown rather than stored (the last day a prosecution may start)."""

    name: str
    label: str
    due: Callable[[CaseFacts], date | None]  # None: the limit does not apply in this state


@dataclass(frozen=True, slots=True)
class FindingFacts:
    """Case details a sweep finding establishes, and the sentence the audit trail records."""

    details: dict[str, Any]
    note: str
    earliest: bool = False  # the case keeps each date at its earliest (a first day of absence)


@dataclass(frozen=True, slots=True, kw_only=True)
class SameRequest:
    """When a new case of a kind repeats one the pupil has: the same values of `details` (a
    leave request's dates), while that case is in none of the states `free_in` (withdrawn, or
    over without the leave granted). Opening it again is refused, naming the existing case."""

    details: tuple[str, ...]
    free_in: tuple[str, ...]
    words: Callable[[dict[str, Any]], str]  # the shared values in a sentence ("for 2 March ...")

    def repeats(self, new: dict[str, Any], state: str, existing: dict[str, Any]) -> bool:
        if state in self.free_in:
            return False
        return all(new.get(key) == existing.get(key) for key in self.details)


# -- transitions ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One transition: its trigger, where from and to, who may fire it and what must hold."""

    trigger: str
    source: tuple[str, ...]
    dest: str
    label: str
    roles: frozenset[Role]
    guards: tuple[Guard, ...] = ()
    needs: tuple[str, ...] = ()  # what the person must supply (a note, an outcome, a date)
    accepts: tuple[str, ...] = ()  # what the person may supply (a date the policy defaults)
    # The values a supplied parameter may take, where they are few (how a notice was served):
    # forms and `case show` list them; a guard of the step refuses any other.
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    deadlines: tuple[DeadlineRule, ...] = ()
    automatic: bool = False  # the sweep fires it when its guards allow
    stamps: tuple[str, ...] = ()  # case details set to the day the step is taken
    effect: Effect | None = None  # what else the step changes on the case (amounts, dates)
    opens: tuple[FollowOn, ...] = ()  # cases the step starts
    leaves_roll: LeavesRoll | None = None  # the step takes the pupil off roll
    # A decision the law gives the head ("leave"): beyond the role, only the head or a
    # delegate the school file names (`leave_delegates`) may take it.
    decided_by: str | None = None
    records: tuple[Records, ...] = ()  # evidence the step records as it is taken
    letter: str | None = None  # the letter the step drafts (an id of the letters' catalogue)

    def blocked_by(self, facts: CaseFacts) -> list[str]:
        """Every reason this step may not be taken now (empty when it may)."""
        return self.missing(facts) + self.refused_by(facts)

    def missing(self, facts: CaseFacts) -> list[str]:
        """What the person has yet to supply (`needs note`): a form asks for it."""
        return [
            f"needs {need.replace('_', ' ')}" for need in self.needs if not facts.params.get(need)
        ]

    def refused_by(
        self, facts: CaseFacts, unless: Callable[[Guard], bool] | None = None
    ) -> list[str]:
        """The reasons the step's guards give: what the case itself lacks now (leaving out
        the guards `unless` picks, such as the SLT approval a queue is asking for)."""
        reasons = []
        for guard in self.guards:
            if unless is not None and unless(guard):
                continue
            try:
                reason = guard(facts)
            except ValueError as error:  # e.g. a period running past the school calendar
                reason = f"cannot be checked yet: {error}"
            if reason:
                reasons.append(reason)
        return reasons


@dataclass(frozen=True, slots=True)
class State:
    name: str
    label: str
    final: bool = False
    la_visible: bool = False  # the case is with the LA from this state on (data minimisation)


class _Token:
    """The object a shared machine moves: just a state attribute, nothing per case."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


class OpeningError(ValueError):
    """Details a case cannot be opened with; the message names the detail and why."""


class TriggerError(Exception):
    """A trigger that cannot be fired; `reasons` says why, in words a user can act on."""

    def __init__(self, message: str, reasons: Sequence[str] = ()) -> None:
        super().__init__(message if not reasons else f"{message}: {'; '.join(reasons)}")
        self.reasons = list(reasons)


class UnknownTriggerError(TriggerError):
    pass


class NotPermittedError(TriggerError):
    pass


class BlockedError(TriggerError):
    pass


@dataclass(frozen=True, slots=True)
class NextStep:
    """A transition from the current state, as the case page and `case show` list it."""

    trigger: str
    label: str
    dest: str
    allowed: bool
    reasons: tuple[str, ...]
    roles: tuple[str, ...]
    permitted: bool  # may this user's role fire it
    automatic: bool
    needs: tuple[str, ...] = ()  # what the person must supply to take it
    accepts: tuple[str, ...] = ()  # what they may supply besides
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # allowed values

    def as_dict(self) -> dict[str, Any]:
        return {
            "trigger": self.trigger,
            "label": self.label,
            "to": self.dest,
            "allowed": self.allowed,
            "reasons": list(self.reasons),
            "roles": list(self.roles),
            "permitted": self.permitted,
            "automatic": self.automatic,
        }


@dataclass(frozen=True, slots=True)
class Fired:
    """A step taken: from and to, the deadlines it sets and what else it changes."""

    step: Step
    from_state: str
    to_state: str
    deadlines: tuple[tuple[DeadlineRule, date], ...]  # every deadline the step declares
    details: dict[str, Any] = field(default_factory=dict)  # case details the step sets
    skipped: tuple[str, ...] = ()  # deadlines its effect says do not apply this time
    recorded: tuple[tuple[str, dict[str, Any]], ...] = ()  # (kind, details) of its evidence

    @property
    def scheduled(self) -> tuple[tuple[DeadlineRule, date], ...]:
        """The deadlines the step sets on this case."""
        return tuple(d for d in self.deadlines if d[0].name not in self.skipped)


class Lifecycle:
    """A case kind: its states and steps as data, and the one machine that enforces them."""

    def __init__(
        self,
        *,
        kind: str,
        title: str,
        states: Iterable[State],
        initial: str,
        steps: Iterable[Step],
        opened_by: frozenset[Role] = frozenset(),
        opening_details: tuple[str, ...] = (),
        one_open_per_pupil: bool = False,
        measures: tuple[LiveMeasure, ...] = (),
        prepare: Callable[[dict[str, Any], SchoolCalendar, date], dict[str, Any]] | None = None,
        opening_refusal: str = "",
        from_finding: Callable[[Finding], FindingFacts | None] | None = None,
        opening_check: Callable[[dict[str, Any], PupilFacts], dict[str, Any]] | None = None,
        time_limits: tuple[TimeLimit, ...] = (),
        evidence_deadlines: tuple[EvidenceDeadline, ...] = (),
        cool_off_after: tuple[str, ...] = (),
        same_request: SameRequest | None = None,
    ) -> None:
        self.kind = kind
        self.title = title
        self.states: dict[str, State] = {s.name: s for s in states}
        self.initial = initial
        self.steps: tuple[Step, ...] = tuple(steps)
        # Who may open a case of this kind by hand (none: only another case's step opens it),
        # and the details they may give: everything else a case holds is set by its steps
        # (dates stamped, amounts, the holiday flag) and guards rely on it.
        self.opened_by = opened_by
        self.opening_details = opening_details
        self.one_open_per_pupil = one_open_per_pupil
        self.measures = measures
        self.prepare = prepare  # checks and completes the details a case is opened with
        self.opening_refusal = opening_refusal  # why it is never opened by hand, if it is not
        # What a sweep finding tells a case of this kind about itself (a term-time holiday).
        self.from_finding = from_finding
        # Checks the details against the pupil and completes them (the parent who applied for
        # leave lives with them); raises OpeningError naming what is wrong.
        self.opening_check = opening_check
        self.time_limits = time_limits  # dates drawn from the facts, shown with the deadlines
        self.evidence_deadlines = evidence_deadlines  # deadlines recording evidence sets
        # The outcomes of a close (the case's `close_outcome` detail) after which the case
        # cools off: for the policy's school weeks a finding of a rule already on it is
        # recorded on the closed case instead of opening a new one (see `cool_off_end`).
        self.cool_off_after = cool_off_after
        self.same_request = same_request  # a second, identical case of the kind is refused
        for step in self.steps:
            if not step.roles:
                raise ValueError(f"{kind}: step {step.trigger} says no role may take it")
            for name in (*step.source, step.dest):
                if name not in self.states:
                    raise ValueError(f"{kind}: step {step.trigger} names unknown state {name}")
        self.machine = Machine(
            model=None,
            states=list(self.states),
            initial=initial,
            transitions=[self._declare(step) for step in self.steps],
            auto_transitions=False,
            send_event=True,
            model_attribute="state",
        )

    @staticmethod
    def _declare(step: Step) -> dict[str, Any]:
        def guards_pass(event: Any) -> bool:
            # Only the steps this person may take count: twin steps with the same trigger
            # between the same states differ in who takes them and what that needs.
            allowed = event.kwargs.get("allowed")
            if allowed is not None and not any(step is s for s in allowed):
                return False
            return not step.blocked_by(event.kwargs["facts"])

        return {
            "trigger": step.trigger,
            "source": list(step.source),
            "dest": step.dest,
            "conditions": [guards_pass],
        }

    @property
    def triggers(self) -> list[str]:
        return list(dict.fromkeys(step.trigger for step in self.steps))

    def steps_from(self, state: str) -> list[Step]:
        return [step for step in self.steps if state in step.source]

    def is_final(self, state: str) -> bool:
        return self.states[state].final

    def next_steps(
        self, facts: CaseFacts, role: Role | str | None, standing: Standing = NO_STANDING
    ) -> list[NextStep]:
        """Each step from the current state: allowed or blocked with reasons, and permitted.

        Of twin steps (one trigger, the same roles, different destinations, such as returning
        a referral to where it came from), those whose guards refuse are left out while one of
        them is open: a person sees the one that applies, not its blocked twins.
        """
        steps = self.steps_from(facts.state)
        refused = {id(step): step.refused_by(facts) for step in steps}
        open_twins = {(s.trigger, s.roles) for s in steps if not refused[id(s)]}
        out = []
        for step in steps:
            if (step.trigger, step.roles) in open_twins and refused[id(step)]:
                continue
            reasons = tuple(step.missing(facts) + refused[id(step)])
            out.append(
                NextStep(
                    trigger=step.trigger,
                    label=step.label,
                    dest=step.dest,
                    allowed=not reasons,
                    reasons=reasons,
                    roles=tuple(sorted(r.value for r in step.roles)),
                    permitted=may_take(role, step.roles, step.decided_by, standing),
                    automatic=step.automatic,
                    needs=step.needs,
                    accepts=step.accepts,
                    choices=step.choices,
                )
            )
        return out

    def fire(
        self,
        facts: CaseFacts,
        trigger: str,
        role: Role | str,
        standing: Standing = NO_STANDING,
    ) -> Fired:
        """Take the transition `trigger` from the case's state, or raise why it cannot be."""
        candidates = [s for s in self.steps_from(facts.state) if s.trigger == trigger]
        if not candidates:
            triggers = dict.fromkeys(s.trigger for s in self.steps_from(facts.state))
            possible = ", ".join(triggers) or "none"
            raise UnknownTriggerError(
                f"{trigger!r} is not a step from {facts.state!r} (possible: {possible})"
            )
        permitted = [s for s in candidates if may(role, s.roles)]
        if not permitted:
            roles = frozenset(r for s in candidates for r in s.roles)
            raise NotPermittedError(
                f"{with_article(role_words(role))} may not {trigger.replace('_', ' ')}",
                [f"needs the role {roles_text(roles)}"],
            )
        held = [s for s in permitted if standing.decides(s.decided_by)]
        if not held:
            decision = next(s.decided_by for s in permitted if s.decided_by)
            raise NotPermittedError(
                f"{with_article(role_words(role))} may not {trigger.replace('_', ' ')}",
                [f"needs {decision_words(decision)}"],
            )
        permitted = held
        token = _Token(facts.state)
        # The shared machine checks the source and runs the declared guards (its conditions).
        if not self.machine.events[trigger].trigger(token, facts=facts, allowed=permitted):
            reasons = [r for s in permitted for r in s.blocked_by(facts)]
            raise BlockedError(f"cannot {trigger.replace('_', ' ')} now", reasons)
        taken = next(s for s in permitted if s.dest == token.state and not s.blocked_by(facts))
        changes = taken.effect(facts) if taken.effect else Changes()
        stamped = {key: facts.today.isoformat() for key in taken.stamps}
        details = changes.details | stamped if changes.before_stamps else stamped | changes.details
        deadlines = tuple((rule, rule.due(facts)) for rule in taken.deadlines)
        recorded = tuple((r.kind, r.evidence(facts)) for r in taken.records)
        return Fired(
            taken, facts.state, token.state, deadlines, details, changes.skip_deadlines, recorded
        )

    def may_open(self, role: Role | str) -> bool:
        """Whether a person in `role` may open a case of this kind by hand."""
        return may(role, self.opened_by)

    def replay(self, moves: Iterable[tuple[str, str, str]]) -> str:
        """The state after (trigger, from, to) moves from the initial state; checks each one."""
        state = self.initial
        for trigger, source, dest in moves:
            if source != state:
                raise ValueError(f"event from {source} but the case was in {state}")
            if not any(s.trigger == trigger and s.dest == dest for s in self.steps_from(state)):
                raise ValueError(f"{trigger} does not lead from {state} to {dest}")
            state = dest
        return state
