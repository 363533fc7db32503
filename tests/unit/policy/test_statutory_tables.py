"""Numbered tables the law fixes (the prosecution time limit): a preset keeps them as they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.policy.loader import load_policy, shipped_policies
from casework.policy.model import PolicyError


def test_every_policy_has_the_six_month_prosecution_time_limit() -> None:
    for name in shipped_policies():
        assert load_policy(name).section("prosecution")["time_limit_months"] == 6


def test_a_preset_that_changes_a_statutory_table_is_refused_naming_it(tmp_path: Path) -> None:
    preset = tmp_path / "longer.toml"
    preset.write_text(
        '[policy]\nid = "longer"\nextends = "national-2024"\n\n'
        "[prosecution]\ntime_limit_months = 12\n"
    )
    with pytest.raises(
        PolicyError,
        match=r"longer\.toml: \[prosecution\] changes time_limit_months, statutory in "
        r"national-2024: a preset may not change it",
    ):
        load_policy(str(preset))


def test_a_preset_may_repeat_a_statutory_table_unchanged(tmp_path: Path) -> None:
    preset = tmp_path / "same.toml"
    preset.write_text(
        '[policy]\nid = "same"\nextends = "national-2024"\n\n[prosecution]\ntime_limit_months = 6\n'
    )
    assert load_policy(str(preset)).section("prosecution")["time_limit_months"] == 6
