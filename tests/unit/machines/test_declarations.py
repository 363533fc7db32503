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
