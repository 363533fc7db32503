"""Lifecycles are refused when declared wrongly, before any case runs on them."""

from __future__ import annotations

import pytest

from casework.machines import LIFECYCLES
from casework.machines.lifecycle import Lifecycle, State, Step
from casework.machines.roles import SCHOOL_STAFF


def test_a_step_declared_with_no_roles_is_refused_when_the_lifecycle_is_built() -> None:
    with pytest.raises(ValueError, match="step go says no role may take it"):
        Lifecycle(
            kind="example",
            title="Example",
            states=(State("a", "A"), State("b", "B")),
            initial="a",
            steps=(Step(trigger="go", source=("a",), dest="b", label="Go", roles=frozenset()),),
        )


def test_a_step_to_an_unknown_state_is_refused_when_the_lifecycle_is_built() -> None:
    with pytest.raises(ValueError, match="names unknown state c"):
        Lifecycle(
            kind="example",
            title="Example",
            states=(State("a", "A"),),
            initial="a",
            steps=(Step(trigger="go", source=("a",), dest="c", label="Go", roles=SCHOOL_STAFF),),
        )


def test_steps_take_keyword_arguments_only() -> None:
    with pytest.raises(TypeError):
        Step("go", ("a",), "b", "Go", SCHOOL_STAFF)  # type: ignore[misc]


def test_every_shipped_step_says_who_may_take_it() -> None:
    assert all(step.roles for machine in LIFECYCLES.values() for step in machine.steps)


def test_every_follow_on_case_is_of_a_known_kind() -> None:
    kinds = {follow.kind for m in LIFECYCLES.values() for s in m.steps for follow in s.opens}
    assert kinds == {"penalty_notice", "missing_education", "attendance_concern"}


def test_every_allowed_value_list_belongs_to_something_the_step_takes() -> None:
    declared = {
        (machine.kind, step.trigger, name): values
        for machine in LIFECYCLES.values()
        for step in machine.steps
        for name, values in step.choices.items()
        if name in (*step.needs, *step.accepts) and values
    }
    every = {
        (machine.kind, step.trigger, name)
        for machine in LIFECYCLES.values()
        for step in machine.steps
        for name in step.choices
    }
    assert set(declared) == every
    # The steps whose guards refuse any other value say which values they take.
    assert declared[("penalty_notice", "record_service", "service")] == ("hand", "post")
    assert "improved_sustained" in declared[("attendance_concern", "close", "outcome")]
    assert (
        "home_education" in declared[("missing_education", "record_located_elsewhere", "outcome")]
    )
