"""The cool-off after a concern closes as improved and sustained: a national floor in school
weeks that a preset may lengthen, never shorten (issue 10, item 11)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from casework.machines.lifecycle import cool_off_end
from casework.policy.loader import load_policy, shipped_policies
from casework.policy.model import PolicyError
from tests.support.calendar import CALENDAR

NATIONAL = load_policy("national-2024")


def preset(tmp_path: Path, cool_off: str) -> str:
    path = tmp_path / "local.toml"
    path.write_text(
        f'[policy]\nid = "local"\nextends = "national-2024"\n\n[cool_off]\n{cool_off}\n'
    )
    return str(path)


def test_the_national_rules_give_a_cool_off_in_school_weeks() -> None:
    assert NATIONAL.cool_off_school_weeks == NATIONAL.section("cool_off")["school_weeks"]
    assert NATIONAL.cool_off_school_weeks is not None and NATIONAL.cool_off_school_weeks >= 1


def test_no_shipped_preset_cools_off_for_less_than_the_national_floor() -> None:
    floor = NATIONAL.cool_off_school_weeks
    assert floor is not None
    for name in shipped_policies():
        weeks = load_policy(name).cool_off_school_weeks
        assert weeks is not None and weeks >= floor, name


def test_a_preset_may_lengthen_the_cool_off(tmp_path: Path) -> None:
    assert NATIONAL.cool_off_school_weeks is not None
    longer = NATIONAL.cool_off_school_weeks + 3
    assert load_policy(preset(tmp_path, f"school_weeks = {longer}")).cool_off_school_weeks == longer


def test_a_preset_that_shortens_the_cool_off_is_refused_naming_it(tmp_path: Path) -> None:
    path = preset(tmp_path, "school_weeks = 2")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert str(caught.value) == (
        f"{path}: [cool_off] school_weeks = 2 is below national-2024's "
        f"{NATIONAL.cool_off_school_weeks}: a preset may lengthen it, never shorten it"
    )


def test_a_preset_may_not_make_the_cool_off_other_than_a_floor(tmp_path: Path) -> None:
    path = preset(tmp_path, "floor = false\nschool_weeks = 2")
    with pytest.raises(PolicyError, match=r"\[cool_off\] is a floor in national-2024: it stays"):
        load_policy(path)


@pytest.mark.parametrize("weeks", ['"eight"', "true", "7.5"])
def test_a_cool_off_that_is_not_a_whole_number_of_weeks_is_refused(
    tmp_path: Path, weeks: str
) -> None:
    with pytest.raises(PolicyError, match=r"\[cool_off\] school_weeks must be"):
        load_policy(preset(tmp_path, f"school_weeks = {weeks}"))


def test_a_policy_of_its_own_may_leave_the_cool_off_out(tmp_path: Path) -> None:
    path = tmp_path / "own.toml"
    path.write_text(
        '[policy]\nid = "own"\n\n[statistics]\n'
        "persistent_absence_at_least = 10\nsevere_absence_at_least = 50\n"
    )
    assert load_policy(str(path)).cool_off_school_weeks is None


def test_the_cool_off_ends_the_policys_school_weeks_on_holidays_not_counted() -> None:
    # Closed Monday 9 February 2026: six school weeks are 23 February to 23 March and 13 April
    # (the February half term and the Easter holidays are no school weeks).
    assert NATIONAL.cool_off_school_weeks == 6
    assert cool_off_end(NATIONAL, CALENDAR, date(2026, 2, 9)) == date(2026, 4, 13)


def test_a_cool_off_past_the_calendars_last_day_runs_on_with_no_end_known() -> None:
    assert cool_off_end(NATIONAL, CALENDAR, date(2026, 7, 6)) is None
