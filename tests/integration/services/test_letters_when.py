"""Which letter, when: a rule's new finding drafts the letter the policy names, once; a step
drafts its letter, and stands when the letter cannot be drafted yet; a school's own template."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from casework.register.school import SchoolFileError, load_school
from casework.services.daily_sweep import daily_sweep
from casework.services.letters import drafts
from casework.services.register.schools import save_school
from casework.store.database import Database
from tests.support.actions import as_user
from tests.support.dates import d
from tests.support.letters import PARENTS, letter_text
from tests.support.rows import cases_of
from tests.support.world import AO, World

ABSENT = {d(f"2025-11-{day:02d}"): "O" for day in (3, 4, 5, 6, 7, 10, 11, 12, 13, 14)}


def absent_pupil(world: World, **pupil: object) -> str:
    upn = world.pupil(**{"contacts": PARENTS, **pupil})  # type: ignore[arg-type]
    world.marks(upn, d("2025-09-03"), d("2025-12-05"), ABSENT)
    return upn


def own_below_90(db: Database, data_dir: Path, tmp_path: Path, body: str) -> None:
    """The school's own below 90% letter, with this body."""
    own = tmp_path / "our-below-90.html"
    own.write_text('{% extends "layout.html" %}{% block body %}' + body + "{% endblock %}")
    school_file = tmp_path / "school.toml"
    school_file.write_text(
        (data_dir / "school.toml").read_text() + f'\n[letters]\nbelow_90 = "{own.name}"\n'
    )
    save_school(db, load_school(school_file))


def test_a_new_finding_drafts_the_letter_its_rule_names_once(db: Database, world: World) -> None:
    upn = absent_pupil(world)
    first = daily_sweep(db, d("2025-11-28"))
    (case,) = cases_of(db, upn, "attendance_concern")
    # persistent_absence names below_90: one letter to each parent with parental responsibility.
    (drafted,) = [row for row in first.letters_drafted if row["rule"] == "persistent_absence"]
    assert drafted["case"] == case["id"] and drafted["letter"] == "below_90"
    assert len(drafted["letters"]) == 2
    assert first.as_dict()["letters_drafted"] == first.letters_drafted
    letters = drafts.list_letters(db, who=as_user(db, AO), case_id=int(case["id"]))
    assert {x.template for x in letters} == {"below_90"}
    assert "attendance below 90%" in letter_text(db, letters[0].id, AO)
    # The same breach, still holding a week later: no second letter.
    again = daily_sweep(db, d("2025-12-05"))
    assert again.letters_drafted == []
    assert len(drafts.list_letters(db, who=as_user(db, AO))) == 2


def test_a_letter_the_sweep_cannot_draft_is_reported_and_the_sweep_goes_on(
    db: Database, world: World
) -> None:
    upn = absent_pupil(world, contacts=[("Nan Only", "Grandmother", False, False, "")])
    done = daily_sweep(db, d("2025-11-28"))
    assert cases_of(db, upn, "attendance_concern")  # the case work is done all the same
    (refused,) = [row for row in done.letters_refused if row["rule"] == "persistent_absence"]
    assert "no contact with parental responsibility for Pupil1 Generated" in refused["reason"]
    assert drafts.list_letters(db, who=as_user(db, AO)) == []


def test_a_school_may_use_its_own_template(
    db: Database, world: World, data_dir: Path, tmp_path: Path
) -> None:
    own_below_90(
        db,
        data_dir,
        tmp_path,
        "<p>Our own words for {{ pupil.forename }}: {{ attendance.year.rate | percent }}.</p>",
    )
    upn = absent_pupil(world)
    daily_sweep(db, d("2025-11-28"))
    (case,) = cases_of(db, upn, "attendance_concern")
    letter = drafts.list_letters(db, who=as_user(db, AO), case_id=int(case["id"]))[0]
    assert "Our own words for Pupil1: 82.8%." in letter_text(db, letter.id, AO)


def test_a_school_template_for_no_letter_or_with_a_mistake_is_refused(
    db: Database, world: World, data_dir: Path
) -> None:
    school = load_school(data_dir / "school.toml")
    unknown = {"letters": {"red": {"file": "red.html", "source": "x"}}}
    with pytest.raises(SchoolFileError, match=r"letters.red: no such letter \(letters: attendance"):
        save_school(db, replace(school, extra={**school.extra, **unknown}))
    broken = {"letters": {"rag_red": {"file": "red.html", "source": "line\n{% if %}"}}}
    with pytest.raises(SchoolFileError, match=r"letters.rag_red: red.html, line 2: "):
        save_school(db, replace(school, extra={**school.extra, **broken}))


def test_a_missing_template_file_is_named(tmp_path: Path, data_dir: Path) -> None:
    school_file = tmp_path / "school.toml"
    school_file.write_text(
        (data_dir / "school.toml").read_text() + '\n[letters]\nrag_red = "gone.html"\n'
    )
    with pytest.raises(SchoolFileError, match=r"letters.rag_red: no such file .*gone.html"):
        load_school(school_file)


def test_a_school_template_asking_for_a_missing_fact_is_refused_by_the_sweep_alone(
    db: Database, world: World, data_dir: Path, tmp_path: Path
) -> None:
    # The refusal comes after the letter was added (it is rendered once drafted): the letter
    # is taken out again, and the sweep's other letters and case work stand.
    own_below_90(
        db,
        data_dir,
        tmp_path,
        "<p>{{ pupil.forename }}: {{ case.details.no_such_fact.deeper }}</p>",
    )
    first, second = absent_pupil(world), absent_pupil(world)
    done = daily_sweep(db, d("2025-11-28"))
    refused = [row for row in done.letters_refused if row["letter"] == "below_90"]
    assert sorted(row["upn"] for row in refused) == sorted([first, second])
    assert "no_such_fact" in refused[0]["reason"]
    assert cases_of(db, first, "attendance_concern") and cases_of(db, second, "attendance_concern")
    assert [x.template for x in drafts.list_letters(db, who=as_user(db, AO))] == [
        x["letter"] for x in done.letters_drafted
    ]
    assert all(x["letter"] != "below_90" for x in done.letters_drafted)
