"""The shipped policy presets: every rule of every policy fires, and stops just short of firing.

Each rule has a case below: the marks that make it fire for one pupil (exactly the marks the
finding must cite as evidence), the marks that leave another pupil just short of the
threshold, and the day the rules are run. A rule added to a policy without a case fails
`test_every_rule_has_a_case`.

Registers use the 2025/26 calendar: every school session is a present mark unless a case says
otherwise. From 3 September to 18 November 2025 there are exactly 100 possible sessions, and
from 5 January to 20 March 2026 (the spring term so far) exactly 100 more, so a count of
absent sessions there is also the absence rate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from casework.policy.loader import load_policy, shipped_policies
from casework.policy.model import PolicyError
from casework.policy.rules import Finding, evaluate_policy, evaluate_rule
from casework.register.marks import Register
from tests.support.calendar import AUTUMN
from tests.support.calendar import CALENDAR_WITHOUT_INSET as CAL  # 5 January 2026 is a school day
from tests.support.calendar import SPRING_WITHOUT_INSET as SPRING

START = AUTUMN.start

NATIONAL = "national-2024"
PRESETS = ("cooper", "delius", "copnor", "woodlands")
SCHOOL_NAMES = {
    "cooper": "The Cooper School",
    "delius": "Co-op Academy Delius",
    "copnor": "Copnor Primary School",
    "woodlands": "Co-op Academy Woodlands",
}

AUT_100 = date(2025, 11, 18)  # 100 possible sessions in the year so far
SPR_100 = date(2026, 3, 20)  # 100 possible sessions in the spring term so far

MarkT = tuple[date, str, str]  # (day, "AM" or "PM", code)
NO_MARK = ""  # a session left with no mark at all


# -- building marks --------------------------------------------------------------------------


def school_days(start: date, end: date) -> list[date]:
    return CAL.school_days(start, end)


def last_days(as_of: date, n: int) -> list[date]:
    """The last n school days up to and including as_of."""
    index = CAL.index_on_or_before(as_of)
    return CAL.days[index - n + 1 : index + 1]


def whole_days(days: Iterable[date], code: str) -> list[MarkT]:
    return [(d, s, code) for d in days for s in ("AM", "PM")]


def sessions(start: date, n: int, code: str | Sequence[str]) -> list[MarkT]:
    """n sessions from the AM of `start` on, in register order; codes cycle if a list."""
    codes = [code] if isinstance(code, str) else list(code)
    out: list[MarkT] = []
    for d in CAL.school_days(start, CAL.last_day):
        for s in ("AM", "PM"):
            if len(out) == n:
                return out
            out.append((d, s, codes[len(out) % len(codes)]))
    return out


def mornings(start: date, n: int, code: str | Sequence[str]) -> list[MarkT]:
    """The AM sessions of n school days from `start` on."""
    codes = [code] if isinstance(code, str) else list(code)
    days = CAL.school_days(start, CAL.last_day)[:n]
    return [(d, "AM", codes[i % len(codes)]) for i, d in enumerate(days)]


def presence(start: date, end: date) -> list[MarkT]:
    return [
        (d, s, "/" if s == "AM" else "\\") for d in school_days(start, end) for s in ("AM", "PM")
    ]


def ordered(marks: Iterable[MarkT]) -> list[MarkT]:
    return sorted(marks, key=lambda m: (m[0], m[1]))


def as_marks(finding: Finding) -> list[MarkT]:
    return [(m.date, m.session.value, m.code) for m in finding.evidence]


def build(as_of: date, *rows: list[MarkT], start: date = START) -> Register:
    """A register from `start` to as_of: every session present, then each row's own marks."""
    marks = []
    for row, own in enumerate(rows):
        blank = {(d, s) for d, s, c in own if c == NO_MARK}
        marks += [(row, d, s, c) for d, s, c in presence(start, as_of) if (d, s) not in blank]
        marks += [(row, d, s, c) for d, s, c in own if c != NO_MARK]
    return Register.from_marks(CAL, start, as_of, [f"p{i}" for i in range(len(rows))], marks)


# -- cases -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    as_of: date
    fire: list[MarkT]  # the firing pupil's marks: exactly the evidence unless `evidence` is set
    miss: list[MarkT]  # the other pupil's marks: just short of the threshold
    numbers: tuple[str, ...]  # text the firing pupil's reason must contain
    context: list[MarkT] = field(default_factory=list)  # marks both pupils have, not evidence
    evidence: list[MarkT] | None = None

    def register(self) -> Register:
        return build(self.as_of, [*self.context, *self.fire], [*self.context, *self.miss])

    def expected_evidence(self) -> list[MarkT]:
        return ordered(self.fire if self.evidence is None else self.evidence)


def rate_case(
    as_of: date, fire_absent: int, miss_absent: int, numbers: tuple[str, ...], **kw: Any
) -> Case:
    """Absences (illness, with some unauthorised) from the window's first day."""
    first = date(2026, 1, 5) if as_of >= SPRING.start else START
    return Case(
        as_of,
        sessions(first, fire_absent, ["I", "I", "O"]),
        sessions(first, miss_absent, ["I", "I", "O"]),
        numbers,
        **kw,
    )


def run_case(
    as_of: date, fire_days: int, miss_days: int, codes: Sequence[str], numbers: tuple[str, ...]
) -> Case:
    """A run of whole days with the codes (cycling by day) ending on as_of."""

    def run(n: int) -> list[MarkT]:
        days = last_days(as_of, n)
        return [m for i, d in enumerate(days) for m in whole_days([d], codes[i % len(codes)])]

    return Case(as_of, run(fire_days), run(miss_days), numbers)


AUTUMN_EXTRA_ABSENCE = sessions(date(2025, 9, 15), 20, "O")  # outside a spring-term window
NOV_10 = date(2025, 11, 10)
LEAVE = school_days(date(2026, 2, 2), date(2026, 2, 4))  # Monday to Wednesday, three days of C

CASES: dict[str, Case] = {
    # -- national rules (every preset inherits them) --
    "persistent_absence": rate_case(
        AUT_100, 10, 9, ("missed 10 of 100 possible sessions (10%)", "Missing 10% or more")
    ),
    "severe_absence": rate_case(
        AUT_100, 50, 49, ("missed 50 of 100 possible sessions (50%)", "50% or more")
    ),
    "penalty_threshold": Case(
        AUT_100,
        fire=mornings(date(2025, 9, 8), 10, ["G", "N", "O", "U"]),
        miss=mornings(date(2025, 9, 8), 9, ["G", "N", "O", "U"]),
        numbers=(
            "10 sessions of unauthorised absence in the last 10 school weeks",
            "At 10 or more",
        ),
        # 3-5 September are in the 11th school week back: outside the window.
        context=whole_days(school_days(date(2025, 9, 3), date(2025, 9, 5)), "O"),
    ),
    "n_code_overdue": Case(
        AUT_100,
        fire=whole_days([NOV_10], "N"),  # 6 school days before 18 November: overdue
        miss=whole_days([date(2025, 11, 11)], "N"),  # 5 school days before: not yet
        numbers=(
            "no reason for 2 absent sessions, the earliest on 10 November 2025",
            "within 5 school days",
        ),
    ),
    "cme_continuous_absence": run_case(
        AUT_100,
        20,
        19,
        ["N", "O", "G", "O"],
        ("from 15 October 2025 to 18 November 2025: 20 school days",),
    ),
    "cme_not_returned_after_leave": Case(
        date(2026, 2, 25),
        fire=whole_days(LEAVE, "C")
        + whole_days(school_days(date(2026, 2, 5), date(2026, 2, 25)), "O"),
        miss=whole_days([*LEAVE, date(2026, 2, 5)], "C")
        + whole_days(school_days(date(2026, 2, 6), date(2026, 2, 25)), "O"),
        numbers=("ended on 4 February 2026", "the 10 school days since"),
        evidence=whole_days([date(2026, 2, 4)], "C")
        + whole_days(school_days(date(2026, 2, 5), date(2026, 2, 25)), "O"),
    ),
    # statutory notifications and the register's completeness
    "notify_la_absent_10_days": run_case(
        AUT_100,
        10,
        9,
        ["G", "N", "O", "U"],
        ("from 5 November 2025 to 18 November 2025: 10 school days in a row", "for 10 school"),
    ),
    "notify_la_illness_15_days": Case(
        AUT_100,
        fire=sessions(START, 30, "I"),
        miss=sessions(START, 29, "I"),  # 14 and a half school days
        numbers=("missed 15 school days through illness (30 sessions)", "15 school days or more"),
    ),
    "register_incomplete": Case(
        AUT_100,
        fire=[(date(2025, 11, 17), "PM", NO_MARK)],
        # The sweep day's own registers may not be taken yet.
        miss=[(AUT_100, "AM", NO_MARK)],
        numbers=("since 3 September 2025", "17 November 2025 PM"),
        evidence=[],  # no mark to cite: the sentence names the sessions
    ),
    # -- The Cooper School --
    "cooper.below_target": rate_case(
        AUT_100,
        4,
        3,
        ("since 3 September 2025", "attended 96 of 100 possible sessions, which is 96%", "97%"),
    ),
    # -- Co-op Academy Delius --
    "delius.first_day_contact": Case(
        AUT_100,
        fire=whole_days([AUT_100], "N"),
        miss=whole_days([date(2025, 11, 17)], "N"),  # back in school today
        numbers=("not in school on 18 November 2025",),
    ),
    "delius.home_visit_day_4": run_case(
        AUT_100,
        4,
        3,
        ["N"],  # unexplained: no reason given, not O
        ("4 school days in a row, from 13 November 2025 to 18 November 2025", "day 4"),
    ),
    "delius.cme_day_5": run_case(
        AUT_100,
        5,
        4,
        ["N"],  # unexplained: no reason given, not O
        ("5 school days in a row, from 12 November 2025 to 18 November 2025", "day 5"),
    ),
    "delius.below_90": rate_case(
        AUT_100,
        10,
        9,
        (
            "attended 90 of 100 possible sessions (90%)",
            "missed 10 sessions (10%)",
            "10% of sessions",
        ),
    ),
    "delius.below_85": rate_case(
        AUT_100, 16, 15, ("attended 84 of 100 possible sessions, which is 84%: below 85%",)
    ),
    "delius.below_80": rate_case(
        AUT_100, 21, 20, ("attended 79 of 100 possible sessions, which is 79%: below 80%",)
    ),
    # -- Copnor Primary School (termly letters over the spring term so far) --
    "copnor.green_letter": rate_case(
        SPR_100,
        4,
        5,
        (
            "since 5 January 2026",
            "attended 96 of 100 possible sessions, which is 96%",
            "96% or more",
        ),
        context=AUTUMN_EXTRA_ABSENCE,
    ),
    "copnor.amber_letter": rate_case(
        SPR_100,
        9,
        10,  # exactly 90.0% is persistent absence: the red letter, not amber
        ("attended 91 of 100 possible sessions, which is 91%", "below the 96%", "90% line"),
        context=AUTUMN_EXTRA_ABSENCE,
    ),
    "copnor.red_letter": rate_case(
        SPR_100,
        10,
        9,
        (
            "since 5 January 2026",
            "attended 90 of 100 possible sessions, which is 90%",
            "10% of sessions or more",
        ),
        context=AUTUMN_EXTRA_ABSENCE,
    ),
    "copnor.punctuality_letter": Case(
        SPR_100,
        fire=mornings(date(2025, 12, 18), 4, "U"),  # two in the autumn term, two in spring
        miss=mornings(date(2025, 12, 18), 3, "U"),
        numbers=("since 3 September 2025", "after the register closed 4 times", "more than 3"),
        context=mornings(date(2026, 3, 2), 5, "L"),  # late before the register closed: present
    ),
    "copnor.medical_1": Case(
        SPR_100,
        fire=sessions(date(2026, 2, 2), 8, "I"),
        miss=sessions(date(2026, 2, 2), 7, "I"),
        numbers=("since 5 January 2026", "illness for 8 sessions", "From 8 sessions"),
        context=sessions(date(2025, 12, 1), 6, "I"),  # last term's illness does not count
    ),
    "copnor.absence_12_sessions": Case(
        SPR_100,
        fire=mornings(date(2025, 11, 3), 12, ["I", "M", "O", "G", "U", "N"]),
        miss=mornings(date(2025, 11, 3), 11, ["I", "M", "O", "G", "U", "N"]),
        numbers=("since 3 September 2025", "absent for 12 sessions", "reaches 12 sessions"),
        context=mornings(date(2026, 3, 2), 5, "L") + whole_days([date(2026, 3, 10)], "V"),
    ),
    "copnor.illness_evidence": run_case(
        SPR_100,
        5,
        4,
        ["I"],
        ("illness on 5 school days in a row, from 16 March 2026 to 20 March 2026", "5 days"),
    ),
    "copnor.leave_around_leave": Case(
        date(2026, 2, 13),
        fire=[*whole_days([date(2026, 1, 30)], "I"), (date(2026, 2, 5), "AM", "O")],
        miss=[*whole_days([date(2026, 1, 29)], "I"), (date(2026, 2, 6), "AM", "O")],  # a day apart
        numbers=("absent for 3 sessions right before or after", "the first on 30 January 2026"),
        context=whole_days(LEAVE, "C"),
    ),
    # -- Co-op Academy Woodlands --
    "woodlands.first_day_contact": Case(
        AUT_100,
        fire=[(AUT_100, "AM", "O"), (AUT_100, "PM", "N")],
        miss=whole_days([date(2025, 11, 14)], "N"),
        numbers=("not in school on 18 November 2025",),
    ),
    "woodlands.police_welfare_check": run_case(
        AUT_100,
        5,
        4,
        ["N"],  # unexplained: no reason given, not O
        ("5 school days in a row, from 12 November 2025 to 18 November 2025", "5 days"),
    ),
    "woodlands.late_letter": Case(
        SPR_100,
        fire=mornings(date(2026, 2, 23), 3, ["L", "L", "U"]),
        miss=mornings(date(2026, 2, 23), 2, "L"),
        numbers=("late 3 times this half term (since 23 February 2026)", "From 3 lates"),
        context=mornings(date(2026, 2, 2), 4, "L"),  # the last half term's lates do not count
    ),
    "woodlands.late_meeting": Case(
        SPR_100,
        fire=mornings(date(2026, 2, 23), 5, ["L", "U"]),
        miss=mornings(date(2026, 2, 23), 4, ["L", "U"]),
        numbers=("late 5 times this half term (since 23 February 2026)", "From 5 lates"),
        context=mornings(date(2026, 2, 2), 4, "L"),
    ),
    "woodlands.late_head_meeting": Case(
        SPR_100,
        fire=mornings(date(2026, 2, 23), 10, ["L", "U"]),
        miss=mornings(date(2026, 2, 23), 9, ["L", "U"]),
        numbers=("late 10 times this half term (since 23 February 2026)", "From 10 lates"),
        context=mornings(date(2026, 2, 2), 4, "L"),
    ),
    "woodlands.unauthorised_letter": Case(
        SPR_100,
        fire=mornings(date(2025, 12, 8), 1, "O") + mornings(date(2026, 3, 2), 3, ["N", "G", "U"]),
        miss=mornings(date(2025, 12, 8), 1, "O") + mornings(date(2026, 3, 2), 2, ["N", "G"]),
        numbers=("4 sessions of unauthorised absence in the last 12 school weeks", "From 4"),
        # 1-5 December is the 13th school week back: outside the window.
        context=whole_days([date(2025, 12, 5)], "O"),
    ),
    "woodlands.unauthorised_meeting": Case(
        SPR_100,
        fire=mornings(date(2025, 12, 8), 1, "O") + mornings(date(2026, 3, 2), 4, ["N", "G", "U"]),
        miss=mornings(date(2025, 12, 8), 1, "O") + mornings(date(2026, 3, 2), 3, ["N", "G", "U"]),
        numbers=("5 sessions of unauthorised absence in the last 12 school weeks", "From 5"),
        context=whole_days([date(2025, 12, 5)], "O"),
    ),
    "woodlands.fine_warning": Case(
        SPR_100,
        # The older local trigger: two in December are in the 11th and 12th school weeks back.
        fire=mornings(date(2025, 12, 8), 2, "O")
        + mornings(date(2026, 2, 2), 9, ["G", "N", "O", "U"]),
        miss=mornings(date(2025, 12, 8), 2, "O")
        + mornings(date(2026, 2, 2), 8, ["G", "N", "O", "U"]),
        numbers=("11 sessions of unauthorised absence in the last 12 school weeks", "More than 10"),
        context=whole_days([date(2025, 12, 5)], "O"),
    ),
    "woodlands.religious_observance_limit": Case(
        SPR_100,
        # Two and a half days of R across the year: more than the two days (4 sessions).
        fire=whole_days([date(2025, 10, 1), date(2026, 3, 3)], "R") + mornings(NOV_10, 1, "R"),
        miss=whole_days([date(2025, 10, 1), date(2026, 3, 3)], "R"),
        numbers=("5 sessions have been recorded as religious observance", "up to 4 sessions"),
    ),
}

# Inherited rules whose numbers or sentence a preset changes get a case of their own.
# (None today: the statutory rules cannot be changed, and the rest keep their numbers.)
OVERRIDE_CASES: dict[tuple[str, str], Case] = {}

ALL_POLICIES = shipped_policies()
ALL_RULES = [(name, rule_id) for name in ALL_POLICIES for rule_id in load_policy(name).rules]


def case_for(policy_name: str, rule_id: str) -> Case:
    return OVERRIDE_CASES.get((policy_name, rule_id)) or CASES[rule_id]


def findings_for(
    policy_name: str, rule_id: str, register: Register, as_of: date, pupil: str
) -> list[Finding]:
    found = evaluate_policy(load_policy(policy_name), register, as_of)
    return [f for f in found if f.rule == rule_id and f.pupil == pupil]


# -- loading ---------------------------------------------------------------------------------


def test_all_five_policies_ship_and_load() -> None:
    assert set(ALL_POLICIES) == {NATIONAL, *PRESETS}
    for name in ALL_POLICIES:
        policy = load_policy(name)
        assert policy.id == name
        assert policy.title and policy.source
        assert policy.rules


@pytest.mark.parametrize("name", PRESETS)
def test_preset_rules_are_prefixed_and_national_rules_inherited(name: str) -> None:
    policy = load_policy(name)
    national = load_policy(NATIONAL)
    own = {rule_id for rule_id in policy.rules if rule_id not in national.rules}
    assert own, f"{name} has no rules of its own"
    assert all(rule_id.startswith(f"{name}.") for rule_id in own)
    assert set(national.rules) <= set(policy.rules)
    assert policy.persistent_absence_at_least == national.persistent_absence_at_least == 10
    assert policy.severe_absence_at_least == national.severe_absence_at_least == 50
    for rule_id, spec in national.rules.items():
        assert policy.rules[rule_id].kind == spec.kind


@pytest.mark.parametrize("name", PRESETS)
def test_preset_rules_cite_the_school_and_say_what_they_start(name: str) -> None:
    policy = load_policy(name)
    assert SCHOOL_NAMES[name] in policy.source
    for rule_id, spec in policy.rules.items():
        assert spec.action, rule_id
        if rule_id.startswith(f"{name}."):
            assert SCHOOL_NAMES[name] in spec.source, rule_id


def test_every_rule_has_a_case() -> None:
    rule_ids = {rule_id for _name, rule_id in ALL_RULES}
    assert set(CASES) == rule_ids
    national = load_policy(NATIONAL).rules
    changed = set()
    for name in PRESETS:
        for rule_id, spec in load_policy(name).rules.items():
            base = national.get(rule_id)
            if base and (spec.kind, spec.params, spec.reason) != (
                base.kind,
                base.params,
                base.reason,
            ):
                changed.add((name, rule_id))
    assert changed == set(OVERRIDE_CASES)


# -- every rule fires, and does not fire just short of its threshold ------------------------


@pytest.mark.parametrize(
    ("policy_name", "rule_id"), ALL_RULES, ids=[f"{p}:{r}" for p, r in ALL_RULES]
)
def test_rule_fires_and_stops_just_short(policy_name: str, rule_id: str) -> None:
    case = case_for(policy_name, rule_id)
    register = case.register()

    fired = findings_for(policy_name, rule_id, register, case.as_of, "p0")
    assert len(fired) == 1, f"{rule_id} did not fire"
    finding = fired[0]
    for text in case.numbers:
        assert text in finding.reason, f"{text!r} not in {finding.reason!r}"
    assert "{" not in finding.reason and "}" not in finding.reason
    assert "{" not in finding.staff_reason and "}" not in finding.staff_reason
    assert finding.staff_reason.startswith("p0")  # the staff sentence names the pupil
    assert as_marks(finding) == case.expected_evidence()

    assert findings_for(policy_name, rule_id, register, case.as_of, "p1") == []


# -- the boundaries the seeds care about -----------------------------------------------------


def test_exactly_90_percent_attendance_is_persistent_absence_everywhere() -> None:
    register = build(AUT_100, sessions(START, 10, "O"), sessions(START, 9, "O"))
    for name in ALL_POLICIES:
        found = {
            f.rule for f in evaluate_policy(load_policy(name), register, AUT_100) if f.pupil == "p0"
        }
        assert "persistent_absence" in found, name
    delius = {
        f.rule for f in evaluate_policy(load_policy("delius"), register, AUT_100) if f.pupil == "p0"
    }
    assert "delius.below_90" in delius
    assert "delius.below_85" not in delius
    for name in ALL_POLICIES:
        policy = load_policy(name)
        assert policy.band_for(90.0) != policy.band_for(90.5), name
    assert load_policy(NATIONAL).band_for(90.0) == "persistent absence"
    assert load_policy("copnor").band_for(90.0) == "red"
    assert load_policy("copnor").band_for(90.5) == "amber"
    assert load_policy("delius").band_for(90.0) == "below 90%"
    assert load_policy("woodlands").band_for(90.0) == "inadequate"
    assert load_policy("cooper").band_for(90.0) == "persistent absence"


def test_preset_bands() -> None:
    cooper = load_policy("cooper")
    assert [cooper.band_for(r) for r in (100, 97, 96.9, 50.1, 50)] == [
        "excellent",
        "on target",
        "below target",
        "persistent absence",
        "severe absence",
    ]
    delius = load_policy("delius")
    assert [delius.band_for(r) for r in (95, 94.9, 85, 84.9, 80, 79.9, 50)] == [
        "regular",
        "below regular",
        "below 90%",
        "below 85%",
        "below 85%",
        "below 80%",
        "severe absence",
    ]
    copnor = load_policy("copnor")
    assert [copnor.band_for(r) for r in (100, 96, 95.9, 80, 79.9, 50)] == [
        "green",
        "green",
        "amber",
        "red",
        "red (below 80%)",
        "severe absence",
    ]
    woodlands = load_policy("woodlands")
    assert [woodlands.band_for(r) for r in (100, 96, 95.9, 90.1, 0)] == [
        "outstanding",
        "good",
        "requires improvement",
        "requires improvement",
        "inadequate",
    ]


def test_copnor_sends_exactly_one_termly_letter_per_pupil() -> None:
    policy = load_policy("copnor")
    rows = [sessions(SPRING.start, n, "I") for n in range(21)]  # 100% down to 80% this term
    rows.append([])  # and 100% with no absence at all
    register = build(SPR_100, *rows)
    letters = ("copnor.green_letter", "copnor.amber_letter", "copnor.red_letter")
    found = [f for f in evaluate_policy(policy, register, SPR_100) if f.rule in letters]
    by_pupil = {f.pupil: f.rule for f in found}
    assert len(found) == len(by_pupil) == len(rows)
    expected = {
        f"p{n}": "copnor.green_letter"
        if n <= 4
        else "copnor.amber_letter"
        if n <= 9
        else "copnor.red_letter"
        for n in range(21)
    }
    expected[f"p{len(rows) - 1}"] = "copnor.green_letter"
    assert by_pupil == expected


def test_copnor_letters_are_termly() -> None:
    """Autumn absence (missing 20 of 146 sessions) does not make the spring letter red."""
    policy = load_policy("copnor")
    register = build(SPR_100, AUTUMN_EXTRA_ABSENCE)
    found = {f.rule for f in evaluate_policy(policy, register, SPR_100)}
    assert "copnor.green_letter" in found
    assert "copnor.red_letter" not in found
    autumn = build(date(2025, 12, 19), AUTUMN_EXTRA_ABSENCE)
    assert "copnor.red_letter" in {
        f.rule for f in evaluate_policy(policy, autumn, date(2025, 12, 19))
    }


def test_more_than_and_at_least() -> None:
    # Copnor: "more than 3" unauthorised lates, so 3 is not enough and 4 is.
    copnor = load_policy("copnor").rules["copnor.punctuality_letter"]
    register = build(AUT_100, mornings(START, 3, "U"), mornings(START, 4, "U"))
    assert [f.pupil for f in evaluate_rule(copnor, register, AUT_100)] == ["p1"]
    # Woodlands: a letter at 3 lates ("3 lates in a half term"), so 3 is enough.
    late = load_policy("woodlands").rules["woodlands.late_letter"]
    register = build(
        AUT_100, mornings(date(2025, 11, 3), 2, "L"), mornings(date(2025, 11, 3), 3, "L")
    )
    assert [f.pupil for f in evaluate_rule(late, register, AUT_100)] == ["p1"]
    # Penalty threshold: 10 in 10 weeks is the national, statutory rule, at Woodlands too; the
    # school's older "more than 10 in 12 weeks" is a warning letter of its own.
    register = build(
        AUT_100, mornings(date(2025, 9, 8), 10, "O"), mornings(date(2025, 9, 8), 11, "O")
    )
    national = load_policy(NATIONAL).rules["penalty_threshold"]
    woodlands = load_policy("woodlands").rules["penalty_threshold"]
    warning = load_policy("woodlands").rules["woodlands.fine_warning"]
    assert [f.pupil for f in evaluate_rule(national, register, AUT_100)] == ["p0", "p1"]
    assert [f.pupil for f in evaluate_rule(woodlands, register, AUT_100)] == ["p0", "p1"]
    assert [f.pupil for f in evaluate_rule(warning, register, AUT_100)] == ["p1"]


def test_woodlands_gets_the_national_penalty_threshold_and_its_old_trigger_as_a_letter() -> None:
    spec = load_policy("woodlands").rules["penalty_threshold"]
    assert spec == load_policy(NATIONAL).rules["penalty_threshold"]
    assert spec.statutory
    warning = load_policy("woodlands").rules["woodlands.fine_warning"]
    assert warning.params == {"codes": ["G", "N", "O", "U"], "school_weeks": 12, "more_than": 10}
    assert warning.opens == "none"  # a letter: it opens no case
    assert "Woodlands" in warning.source


@pytest.mark.parametrize(
    "rule",
    [
        "persistent_absence",
        "severe_absence",
        "penalty_threshold",
        "cme_continuous_absence",
        "notify_la_absent_10_days",
        "notify_la_illness_15_days",
        "register_incomplete",
    ],
)
def test_a_preset_that_changes_a_statutory_rule_is_refused_naming_the_rule(
    tmp_path: Path, rule: str
) -> None:
    preset = tmp_path / "weaker.toml"
    preset.write_text(
        '[policy]\nid = "weaker"\nextends = "national-2024"\n\n'
        f"[overrides.{rule}]\nschool_weeks = 12\n"
    )
    with pytest.raises(
        PolicyError,
        match=rf"overrides\.{rule} changes school_weeks of {rule}, a "
        "statutory rule of national-2024",
    ):
        load_policy(str(preset))


def test_a_preset_may_give_a_statutory_rule_its_own_next_step() -> None:
    cooper = load_policy("cooper").rules["persistent_absence"]
    national = load_policy(NATIONAL).rules["persistent_absence"]
    assert cooper.params == national.params and cooper.reason == national.reason
    assert cooper.action != national.action


def test_half_term_windows_reset_at_a_new_half_term() -> None:
    late = load_policy("woodlands").rules["woodlands.late_letter"]
    # Two lates at the end of Autumn 1 and two at the start of Autumn 2: never 3 in a half term.
    split = mornings(date(2025, 10, 23), 4, "L")
    assert [m[0] for m in split] == [
        date(2025, 10, 23),
        date(2025, 10, 24),
        date(2025, 11, 3),
        date(2025, 11, 4),
    ]
    register = build(date(2025, 11, 4), split)
    assert evaluate_rule(late, register, date(2025, 11, 4)) == []
    # Three lates in Autumn 1: the letter is due in the break, and no longer once Autumn 2 starts.
    three = mornings(date(2025, 10, 22), 3, "L")
    register = build(date(2025, 11, 3), three)
    (during_break,) = evaluate_rule(late, register, date(2025, 10, 29))
    assert as_marks(during_break) == three
    assert "since 3 September 2025" in during_break.reason
    assert evaluate_rule(late, register, date(2025, 11, 3)) == []


def test_half_term_window_names_the_first_school_day() -> None:
    late = load_policy("woodlands").rules["woodlands.late_letter"]
    register = build(date(2025, 11, 5), mornings(date(2025, 11, 3), 3, "U"))
    (finding,) = evaluate_rule(late, register, date(2025, 11, 5))
    assert "this half term (since 3 November 2025)" in finding.reason


def test_copnor_illness_sessions_reset_at_a_new_term() -> None:
    medical = load_policy("copnor").rules["copnor.medical_1"]
    both = sessions(date(2025, 12, 16), 8, "I")  # 16-19 December: last term
    register = build(date(2026, 1, 9), both)
    assert evaluate_rule(medical, register, date(2025, 12, 19)) != []
    assert evaluate_rule(medical, register, date(2026, 1, 9)) == []


def test_staged_rules_fire_one_stage_at_a_time() -> None:
    policy = load_policy("woodlands")
    stages = ("woodlands.late_letter", "woodlands.late_meeting", "woodlands.late_head_meeting")
    counts = (2, 3, 4, 5, 9, 10, 14)
    register = build(SPR_100, *(mornings(date(2026, 2, 23), n, "L") for n in counts))
    found = {
        (f.pupil, f.rule) for f in evaluate_policy(policy, register, SPR_100) if f.rule in stages
    }
    assert found == {
        ("p1", stages[0]),
        ("p2", stages[0]),
        ("p3", stages[1]),
        ("p4", stages[1]),
        ("p5", stages[2]),
        ("p6", stages[2]),
    }
    letter, meeting = "woodlands.unauthorised_letter", "woodlands.unauthorised_meeting"
    register = build(SPR_100, *(mornings(date(2026, 3, 2), n, "O") for n in (3, 4, 5, 6)))
    found = {
        (f.pupil, f.rule)
        for f in evaluate_policy(policy, register, SPR_100)
        if f.rule in (letter, meeting)
    }
    # The letter from the 4th session on (not only at exactly 4: a jump from 3 to 5 must still
    # send it), the meeting from the 5th.
    assert found == {
        ("p1", letter),
        ("p2", letter),
        ("p2", meeting),
        ("p3", letter),
        ("p3", meeting),
    }


def test_consecutive_day_rules_need_the_run_to_be_ongoing() -> None:
    """Delius visits on day 4 of an absence that is still going on, not one that has ended."""
    visit = load_policy("delius").rules["delius.home_visit_day_4"]
    ended = whole_days(school_days(date(2025, 11, 10), date(2025, 11, 14)), "N")
    register = build(AUT_100, ended)
    assert evaluate_rule(visit, register, AUT_100) == []
    assert len(evaluate_rule(visit, register, date(2025, 11, 14))) == 1


@pytest.mark.parametrize(
    ("policy_name", "rule_id", "days"),
    [
        ("delius", "delius.home_visit_day_4", 4),
        ("delius", "delius.cme_day_5", 5),
        ("woodlands", "woodlands.police_welfare_check", 5),
    ],
)
def test_unexplained_means_no_reason_given_not_o(policy_name: str, rule_id: str, days: int) -> None:
    """An O is an absence whose reason was given and refused: the family is known to the
    school, so a run of O is not an unexplained absence (N, no reason yet, is)."""
    spec = load_policy(policy_name).rules[rule_id]
    refused = whole_days(last_days(AUT_100, days), "O")
    assert evaluate_rule(spec, build(AUT_100, refused), AUT_100) == []
    mixed = whole_days(last_days(AUT_100, days)[:1], "O") + whole_days(
        last_days(AUT_100, days - 1), "N"
    )
    assert evaluate_rule(spec, build(AUT_100, mixed), AUT_100) == []
    unexplained = whole_days(last_days(AUT_100, days), "N")
    assert len(evaluate_rule(spec, build(AUT_100, unexplained), AUT_100)) == 1


# -- the rule settings the presets rely on ---------------------------------------------------


def write_policy(tmp_path: Path, rule: str) -> Path:
    path = tmp_path / "local.toml"
    path.write_text(f'[policy]\nid = "local"\nextends = "national-2024"\n\n[rules.band]\n{rule}\n')
    return path


def test_attendance_rate_band_edges(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        'kind = "attendance_rate"\nabove = 90\nbelow = 96\n'
        'reason = "{attendance_rate}%"\nsource = "test"',
    )
    spec = load_policy(str(path)).rules["local.band"]
    # 96% is not below 96; 95% and 91% are in the band; exactly 90% is not above 90.
    rows = [sessions(START, n, "O") for n in (4, 5, 9, 10)]
    register = build(AUT_100, *rows)
    assert [f.pupil for f in evaluate_rule(spec, register, AUT_100)] == ["p1", "p2"]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ('kind = "attendance_rate"\nperiod = "term"', "below, at_least or above"),
        ('kind = "attendance_rate"\nat_least = 90\nabove = 90', "both at_least and above"),
        ('kind = "attendance_rate"\nabove = "90"', "must be a number"),
        (
            'kind = "session_count"\ncodes = ["U"]\nat_least = 3\nmore_than = 3',
            "both at_least and more_than",
        ),
    ],
)
def test_conflicting_or_missing_bounds_are_refused(tmp_path: Path, rule: str, message: str) -> None:
    path = write_policy(tmp_path, f'{rule}\nreason = "x"\nsource = "test"')
    with pytest.raises(PolicyError, match=message):
        load_policy(str(path))


def test_a_policy_file_with_the_old_cme_deadline_settings_is_refused_naming_the_new_one(
    tmp_path: Path,
) -> None:
    # They counted school days from the opening of the case; the new ones name a day of the
    # absence, so reading the old number as the new would move every deadline.
    local = tmp_path / "old.toml"
    local.write_text(
        '[policy]\nid = "old"\nextends = "national-2024"\n\n'
        "[missing_education]\nhome_visit_school_days = 3\n"
    )
    with pytest.raises(
        PolicyError,
        match=r"home_visit_school_days is no longer read: give "
        r"home_visit_day instead",
    ):
        load_policy(str(local))
