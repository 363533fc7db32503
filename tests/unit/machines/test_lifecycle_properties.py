"""Random walks through every lifecycle with random evidence, on the pure machines.

Thousands of steps a run, where the database property tests can afford a few: the state is
always declared, a refused step changes nothing, `next_steps` says exactly what `fire` does,
nothing leaves a final state, and replaying the moves gives the state.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from casework.machines import LIFECYCLES
from casework.machines.lifecycle import EvidenceItem, TriggerError
from casework.machines.roles import Role
from tests.support.facts import (
    CALENDAR,
    MUM,
    THE_HEAD,
    Case,
    agencies,
    contact,
    enquiry,
    eso,
    finding,
    home_visit,
    la,
    letter,
    meeting,
    payment,
    plan,
    slt,
    support,
    threshold,
    welfare_check,
)

START = date(2025, 11, 3)
ROLES = [Role.ATTENDANCE_OFFICER, Role.SENIOR_LEADER, Role.LA_OFFICER, Role.TEACHER, Role.SYSTEM]
ALL_TRIGGERS = sorted({t for lc in LIFECYCLES.values() for t in lc.triggers})


def _on(day: date) -> str:
    return day.isoformat()


def _evidence(choice: int, day: date, step: str) -> EvidenceItem | list[EvidenceItem]:
    """One of the pieces of evidence the guards read, dated `day`."""
    on = _on(day)
    review = CALENDAR.days[min(CALENDAR.index_on_or_after(day) + 27, len(CALENDAR.days) - 1)]
    makers = [
        lambda: contact(on),
        lambda: meeting(on),
        lambda: plan(on, _on(review)),
        lambda: plan(on, _on(review), "attendance_contract"),
        lambda: letter(on),
        lambda: home_visit(on),
        lambda: agencies(on),
        lambda: slt(on, step),
        lambda: slt(on, step, "refused"),
        lambda: la(on, "prosecute"),
        lambda: la(on, "withdraw"),
        lambda: support(on),
        lambda: eso(on),
        lambda: payment(on, 80),
        lambda: payment(on, 160),
        lambda: welfare_check(on),
        lambda: enquiry(on),
        lambda: finding(on),
    ]
    return makers[choice % len(makers)]()


def _case(kind: str, holiday: bool, count: int, start_in: int) -> Case:
    details: dict[str, Any] = {}
    if kind == "attendance_concern":
        details = {"holiday": holiday, "penalty_threshold": threshold(count)}
    elif kind == "penalty_notice":
        details = {"parent": MUM.name}
    elif kind == "leave_request":
        details = {
            "start": "2025-11-17",
            "end": "2025-11-21",
            "requested_on": "2025-11-03",
            "school_days_requested": 5,
            "applicant": MUM.name,
            "absent_days_in_leave": count % 6,
            "absent_days_after_leave": count,
        }
    lifecycle = LIFECYCLES[kind]
    # Half the walks start where a case starts; the rest in any open state, to reach every guard.
    open_states = [name for name, state in lifecycle.states.items() if not state.final]
    state = lifecycle.initial if start_in % 2 else open_states[start_in // 2 % len(open_states)]
    if kind == "penalty_notice" and state in ("issued", "served", "unpaid"):
        details["issued_on"] = _on(START)  # stamped when a notice is issued
    if kind == "penalty_notice" and state in ("served", "unpaid"):
        details["served_on"] = _on(START)  # set when its service is recorded
    return Case(kind, _on(START), state=state, details=details)


ACTION = st.tuples(
    st.integers(0, 6),  # days that pass first
    st.integers(0, 2),  # how many pieces of evidence to add before the step
    st.integers(0, 10_000),  # which evidence
    st.integers(0, 9),  # which trigger: mostly one from the current state
    st.integers(0, 9),  # which role: mostly one that may take the step
    st.integers(0, 63),  # which params
)


def _params(bits: int, today: date) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if bits & 1:
        params["note"] = "as discussed"
    if bits & 2:
        params["outcome"] = ("improved_sustained", "other", "new_school", "moved_away")[bits % 4]
    if bits & 4:
        params["reason"] = "exceptional circumstances"
    if bits & 8:
        params["days_granted"] = 1 + bits % 5
    if bits & 16:
        params["effective_on"] = _on(today + timedelta(days=(bits % 3) - 1))
    if bits & 32:
        params["further_reasons"] = "a letter from the hospital"
        if bits & 8:  # the days granted named by date: the 2nd and the 4th requested days
            params["days_granted"] = "2025-11-18, 2025-11-20"
        params["service"] = ("hand", "post")[bits % 2]
        params["sent_on"] = _on(today - timedelta(days=bits % 3))
    return params


@pytest.mark.parametrize("kind", sorted(LIFECYCLES))
@settings(max_examples=150, deadline=None)
@given(
    holiday=st.booleans(),
    count=st.integers(0, 14),
    start_in=st.integers(0, 99),
    actions=st.lists(ACTION, max_size=40),
)
def test_random_walks_keep_the_machine_honest(
    kind: str, holiday: bool, count: int, start_in: int, actions: list[tuple[int, ...]]
) -> None:
    lifecycle = LIFECYCLES[kind]
    case = _case(kind, holiday, count, start_in)
    first = case.state
    today = START
    for wait, add, which_evidence, which_trigger, which_role, bits in actions:
        today = min(today + timedelta(days=wait), CALENDAR.last_day)
        here = sorted({s.trigger for s in lifecycle.steps_from(case.state)})
        trigger = (
            here[which_trigger % len(here)]
            if here and which_trigger < 8
            else ALL_TRIGGERS[which_trigger * 7 % len(ALL_TRIGGERS)]
        )
        for n in range(add):
            case.add(_evidence(which_evidence // (n + 1), today, trigger))
        allowed = sorted(
            {r for s in lifecycle.steps_from(case.state) if s.trigger == trigger for r in s.roles}
        )
        role = (
            allowed[which_role % len(allowed)]
            if allowed and which_role < 8
            else ROLES[which_role % 5]
        )
        params = _params(bits, today)
        facts = case.facts(today, **params)
        offered = {
            # Case.fire takes a senior leader's steps as the head's.
            s.trigger
            for s in lifecycle.next_steps(facts, role, THE_HEAD)
            if s.allowed and s.permitted
        }
        before = (case.state, dict(case.details), list(case.moves))
        try:
            fired = case.fire(trigger, role, today, **params)
        except TriggerError:
            assert trigger not in offered, (case.state, trigger, role)
            assert (case.state, case.details, case.moves) == before
        else:
            assert trigger in offered, (before[0], trigger, role)
            assert not lifecycle.is_final(fired.from_state)
        assert case.state in lifecycle.states
    if first == lifecycle.initial:
        assert lifecycle.replay(case.moves) == case.state
    # Each move starts where the one before it ended.
    ends = [first, *[m[2] for m in case.moves]]
    assert [m[1] for m in case.moves] == ends[: len(case.moves)]
    event(f"ended in {case.state}")
    if lifecycle.is_final(case.state):
        assert not lifecycle.steps_from(case.state)
