"""The letters' catalogue against the policies and the templates that name and render them."""

from __future__ import annotations

import pytest

from casework.drafting.catalogue import LETTERS
from casework.drafting.render import LETTERS_DIR
from casework.machines import LIFECYCLES
from casework.policy.loader import POLICY_DIR, load_policy


@pytest.mark.parametrize("preset", sorted(p.stem for p in POLICY_DIR.glob("*.toml")))
def test_every_letter_a_rule_names_is_in_the_catalogue(preset: str) -> None:
    named = {rule.letter for rule in load_policy(preset).rules.values() if rule.letter}
    assert named <= set(LETTERS)


def test_every_letter_a_step_names_is_in_the_catalogue() -> None:
    named = {s.letter for m in LIFECYCLES.values() for s in m.steps if s.letter}
    assert named <= set(LETTERS)
    assert {"notice_to_improve", "penalty_notice_request", "cme_referral"} <= named


def test_every_letter_has_its_template() -> None:
    files = {path.stem for path in LETTERS_DIR.glob("*.html")}
    assert set(LETTERS) <= files
