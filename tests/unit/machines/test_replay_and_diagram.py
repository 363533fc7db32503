"""Replaying moves gives the state; diagrams show every state, the current one and what is next."""

from __future__ import annotations

import re
import runpy

import pytest

from casework.machines import LIFECYCLES, lifecycle_of
from casework.machines.diagram import mermaid
from tests.support.data import REPO

AC = LIFECYCLES["attendance_concern"]
ESCALATION = [
    ("offer_support", "monitoring", "school_support"),
    ("agree_plan", "school_support", "attendance_plan"),
    ("refer_formal_support", "attendance_plan", "formal_support"),
    ("issue_notice_to_improve", "formal_support", "notice_to_improve"),
    ("step_down", "notice_to_improve", "attendance_plan"),
    ("step_down", "attendance_plan", "school_support"),
    ("request_penalty_notice", "school_support", "penalty_notice"),
    ("close", "penalty_notice", "closed"),
]


def test_replay_gives_the_state_after_each_move() -> None:
    assert AC.replay([]) == "monitoring"
    for n in range(1, len(ESCALATION) + 1):
        assert AC.replay(ESCALATION[:n]) == ESCALATION[n - 1][2]


@pytest.mark.parametrize(
    ("moves", "message"),
    [
        (
            [("agree_plan", "school_support", "attendance_plan")],
            "event from school_support but the case was in monitoring",
        ),
        (
            [("offer_support", "monitoring", "attendance_plan")],
            "offer_support does not lead from monitoring to attendance_plan",
        ),
        ([("fly", "monitoring", "closed")], "fly does not lead from monitoring to closed"),
        (
            [*ESCALATION[:2], ("step_down", "attendance_plan", "monitoring")],
            "step_down does not lead from attendance_plan to monitoring",
        ),
        ([*ESCALATION, ("close", "closed", "closed")], "close does not lead from closed to closed"),
    ],
)
def test_replay_refuses_an_inconsistent_history(
    moves: list[tuple[str, str, str]], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        AC.replay(moves)


def test_every_lifecycle_replays_a_path_to_a_final_state() -> None:
    paths = {
        "penalty_notice": [
            ("approve", "requested", "approved"),
            ("issue", "approved", "issued"),
            ("record_service", "issued", "served"),
            ("expire", "served", "unpaid"),
            ("withdraw", "unpaid", "withdrawn"),
        ],
        "missing_education": [
            ("start_enquiries", "unexplained_absence", "enquiries"),
            ("refer_to_la", "enquiries", "referred"),
            ("record_located_elsewhere", "referred", "located_elsewhere"),
        ],
        "leave_request": [
            ("review", "submitted", "under_review"),
            ("grant_in_part", "under_review", "partially_granted"),
            ("record_overstay", "partially_granted", "overstayed"),
            ("record_not_returned", "overstayed", "not_returned"),
        ],
    }
    for kind, moves in paths.items():
        state = LIFECYCLES[kind].replay(moves)
        assert LIFECYCLES[kind].is_final(state)


def test_lifecycle_lookup() -> None:
    assert lifecycle_of("penalty_notice") is LIFECYCLES["penalty_notice"]
    with pytest.raises(ValueError, match="unknown case kind 'truancy'"):
        lifecycle_of("truancy")


def test_every_state_is_reachable_and_every_open_state_has_a_way_on() -> None:
    for machine in LIFECYCLES.values():
        reached = {machine.initial}
        frontier = [machine.initial]
        while frontier:
            for step in machine.steps_from(frontier.pop()):
                if step.dest not in reached:
                    reached.add(step.dest)
                    frontier.append(step.dest)
        assert reached == set(machine.states), machine.kind
        for name, state in machine.states.items():
            assert bool(machine.steps_from(name)) != state.final, (machine.kind, name)


# -- diagrams --------------------------------------------------------------------------------

CASES = [(kind, state) for kind, lc in LIFECYCLES.items() for state in lc.states]


def classes(text: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for name, cls in re.findall(r"^\s*Class (\w+) (\w+)$", text, re.MULTILINE):
        out.setdefault(name, set()).add(cls)
    return out


@pytest.mark.parametrize(("kind", "current"), CASES, ids=[f"{k}:{s}" for k, s in CASES])
def test_diagram_marks_the_current_state_and_its_next_states(kind: str, current: str) -> None:
    machine = LIFECYCLES[kind]
    text = mermaid(machine, current)
    assert text.startswith("---\n" + machine.title + "\n---\nstateDiagram-v2")
    for name in machine.states:
        assert f'state "{name}" as {name}' in text
    marks = classes(text)
    assert marks[current] == {"s_active"}
    reachable = {s.dest for s in machine.steps_from(current)} - {current}
    assert {name for name, cls in marks.items() if "s_next" in cls} == reachable
    if reachable:
        assert "classDef s_next" in text
    # Steps between the same two states share an edge: `a --> b: return_referral | step_down`.
    edges = {
        tuple(edge.split(": ", 1)[0].split(" --> ")): edge.split(": ", 1)[1].split(" | ")
        for edge in (line.strip() for line in text.splitlines())
        if " --> " in edge and ": " in edge
    }
    for step in machine.steps:
        for source in step.source:
            assert step.trigger in edges[(source, step.dest)]


def test_diagram_without_a_case_marks_nothing_next() -> None:
    text = mermaid(LIFECYCLES["leave_request"])
    assert "s_next" not in text
    assert text == mermaid(LIFECYCLES["leave_request"], None)
    assert classes(text)["submitted"] == {"s_active"}  # the initial state


def test_the_readme_diagrams_are_what_the_machines_draw() -> None:
    script = runpy.run_path(str(REPO / "scripts" / "readme_diagrams.py"))
    readme = (REPO / "README.md").read_text()
    assert script["redrawn"](readme) == readme, "run python scripts/readme_diagrams.py"
