"""The demo school: stored through the services, repeatable, believable, and every rule fires."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from casework import demo
from casework.cli import app
from casework.policy.loader import load_policy, shipped_policies
from casework.policy.rules import evaluate_policy, lookback_start
from casework.register import upn
from casework.register.school import load_school
from casework.services.access import users
from casework.services.daily_sweep import daily_sweep
from casework.services.letters import drafts
from casework.services.register import schools, statistics
from casework.services.register.school_register import load_register
from casework.store.database import Database
from casework.store.models import Contact, MarkAmendment, Pupil, SessionMark
from tests.support.databases import POSTGRES_URL, scratch_postgres

SPRING = date(2026, 3, 20)  # school year 2025/26
AUTUMN = date(2026, 11, 20)  # school year 2026/27: the calendar holds 2025/26 and 2026/27
SEED = 7


@pytest.fixture(scope="module")
def spring_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of this module's own holding the demo built once as of SPRING.

    On PostgreSQL a database of its own, so that the per-test clean-up of the shared test
    database never empties it while this module still reads it.
    """
    if POSTGRES_URL:
        own = scratch_postgres(POSTGRES_URL, "casework_demo")
    else:
        own = nullcontext(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'casework.sqlite'}")
    with own as url:
        db = Database(url)
        db.migrate()
        demo.build_demo(db, SPRING, SEED)
        db.dispose()
        yield url


@pytest.fixture
def spring(spring_url: str) -> Iterator[Database]:
    database = Database(spring_url)
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def spring_missing(spring_url: str) -> dict[str, list[str]]:
    database = Database(spring_url)
    try:
        return rules_without_findings(database, SPRING)
    finally:
        database.dispose()


def snapshot(db: Database) -> dict[str, Any]:
    """Everything the demo stores about its pupils, in a comparable form."""
    with db.transaction() as session:
        pupils = sorted(
            (p.id, p.upn, p.surname, p.forename, p.date_of_birth, p.year_group, p.leaving_date)
            for p in session.scalars(select(Pupil))
        )
        contacts = sorted(
            (c.id, c.pupil_id, c.name, c.phone) for c in session.scalars(select(Contact))
        )
        marks = session.execute(
            select(func.count(), func.min(SessionMark.date), func.max(SessionMark.date))
        ).one()
        codes = dict(
            session.execute(select(SessionMark.code, func.count()).group_by(SessionMark.code)).all()
        )
        amendments = session.scalar(select(func.count()).select_from(MarkAmendment))
    return {
        "pupils": pupils,
        "contacts": contacts,
        "marks": tuple(marks),
        "codes": codes,
        "amendments": amendments,
    }


def rules_without_findings(db: Database, as_of: date) -> dict[str, list[str]]:
    """For each shipped policy, its rules with no finding over the demo school as of a day.

    As the sweep does, but the register is read once, from the earliest day any policy looks
    at (a rule's window is cut from the register's, so an earlier start changes nothing).
    """
    school = schools.get_school(db, demo.DEMO_URN)
    policies = {name: load_policy(name) for name in shipped_policies()}
    start = min(lookback_start(p, school.calendar, as_of) for p in policies.values())
    register = load_register(db, school, start, as_of, on_roll_at=as_of).register
    missing: dict[str, list[str]] = {}
    for name, policy in policies.items():
        fired = {f.rule for f in evaluate_policy(policy, register, as_of)}
        missing[name] = [rule for rule in policy.rules if rule not in fired]
    return missing


@cache
def spring_demo() -> demo.DemoSchool:
    return demo.generate(SPRING, SEED)


# -- the generator ---------------------------------------------------------------------------


def test_the_same_seed_and_day_give_the_same_school() -> None:
    first, again = spring_demo(), demo.generate(SPRING, SEED)
    assert first.pupils == again.pupils
    assert first.contacts == again.contacts
    assert first.marks == again.marks
    assert first.config == again.config


def test_a_pupils_history_does_not_change_from_one_day_to_the_next() -> None:
    today = demo.generate(SPRING - timedelta(days=7), SEED)
    week_later = spring_demo()
    earlier = {(m.upn, m.date, m.session): m.code for m in today.marks}
    same = sum(earlier.get((m.upn, m.date, m.session)) == m.code for m in week_later.marks)
    assert same > 0.95 * len(today.marks)


def test_the_generated_school_looks_like_a_primary_school() -> None:
    school = spring_demo()
    pupils = school.pupils
    assert 350 <= len(pupils) <= 450
    assert len({p.upn for p in pupils}) == len(pupils)
    assert all(upn.is_valid(p.upn) and p.upn[1:].isdigit() for p in pupils)
    assert {p.year_group for p in pupils} == {"R", "1", "2", "3", "4", "5", "6"}
    n = len(pupils)
    assert 0.2 * n <= sum(p.pupil_premium for p in pupils) <= 0.3 * n
    assert 0.1 * n <= sum(p.send or p.ehcp for p in pupils) <= 0.2 * n
    assert 1 <= sum(p.ehcp for p in pupils) <= 0.05 * n
    assert 1 <= sum(p.looked_after for p in pupils) <= 0.03 * n
    assert 1 <= sum(p.social_worker for p in pupils) <= 0.06 * n
    year_start = date(2025, 9, 3)
    assert any(p.admission_date and p.admission_date > year_start for p in pupils)
    assert 1 <= sum(p.leaving_date is not None for p in pupils) <= 2
    per_pupil: dict[str, list[Any]] = {}
    for contact in school.contacts:
        per_pupil.setdefault(contact.upn, []).append(contact)
        assert contact.email.endswith(("@example.org", "@example.com"))
    assert set(per_pupil) == {p.upn for p in pupils}
    assert all(1 <= len(c) <= 2 for c in per_pupil.values())
    assert all(any(c.parental_responsibility for c in cs) for cs in per_pupil.values())
    # Terms of two school years; marks from the previous summer term to the last school day.
    assert [t.name for t in school.config.terms] == [
        "Autumn 2024",
        "Spring 2025",
        "Summer 2025",
        "Autumn 2025",
        "Spring 2026",
        "Summer 2026",
    ]
    summer = school.config.terms[2]
    assert min(m.date for m in school.marks) == summer.start
    assert max(m.date for m in school.marks) == SPRING
    codes = {m.code for m in school.marks}
    assert {"I", "M", "L", "U", "O", "N", "G", "C", "V", "P", "X", "Y2"} <= codes
    assert all(m.minutes_late for m in school.marks if m.code in ("L", "U"))


def test_term_dates_follow_the_english_pattern() -> None:
    autumn, spring, summer = demo.academic_year_terms(2025)
    assert autumn.start == date(2025, 9, 1) and autumn.inset_days  # pupils back Wed 3rd
    assert autumn.half_term and autumn.half_term.start == date(2025, 10, 27)
    assert autumn.end == date(2025, 12, 19)
    assert spring.start == date(2026, 1, 5) and spring.inset_days == (date(2026, 1, 5),)
    assert spring.half_term and spring.half_term.start == date(2026, 2, 16)
    assert spring.end == date(2026, 3, 27)  # a week before Good Friday (3 April 2026)
    assert summer.start == date(2026, 4, 13)
    assert summer.half_term and summer.half_term.start == date(2026, 5, 25)
    assert summer.end == date(2026, 7, 22)
    assert demo.easter_sunday(2024) == date(2024, 3, 31)
    assert demo.easter_sunday(2025) == date(2025, 4, 20)


# -- stored through the services ---------------------------------------------------------


def test_the_demo_is_stored_through_the_services(spring: Database) -> None:
    generated = spring_demo()
    stored = snapshot(spring)
    assert len(stored["pupils"]) == len(generated.pupils)
    assert len(stored["contacts"]) == len(generated.contacts)
    assert stored["marks"][0] == len(generated.marks)
    assert stored["marks"][2] == SPRING
    assert stored["amendments"] == 0
    school = schools.get_school(spring, demo.DEMO_URN)
    assert school.name == demo.DEMO_NAME
    assert school.config.extra["demo"] == {"seed": SEED, "as_of": "2026-03-20", "version": 3}


def test_running_it_twice_changes_nothing(spring: Database) -> None:
    before = snapshot(spring)
    report = demo.build_demo(spring, SPRING, SEED)
    assert not report.rebuilt
    for part in (report.pupils, report.contacts, report.marks):
        assert (part.added, part.changed) == (0, 0)
        assert part.unchanged > 0
    assert snapshot(spring) == before


def test_whole_school_attendance_is_believable(spring: Database) -> None:
    report = statistics.cohort_statistics(
        spring, SPRING, urn=demo.DEMO_URN, who=users.system_actor(spring)
    )
    whole = report.cohorts["whole school"]
    assert whole.attendance_rate is not None and 92 <= whole.attendance_rate <= 97
    assert whole.persistent_absence_rate is not None
    assert 5 <= whole.persistent_absence_rate <= 20
    assert 2 <= whole.severe_absentees <= 5


@pytest.mark.parametrize("policy", shipped_policies())
def test_every_rule_of_every_policy_finds_something(
    spring_missing: dict[str, list[str]], policy: str
) -> None:
    assert spring_missing[policy] == []


def test_the_demo_command(spring_url: str) -> None:
    result = CliRunner().invoke(
        app, ["demo", "--as-of", SPRING.isoformat(), "--seed", str(SEED), "--database", spring_url]
    )
    assert result.exit_code == 0, result.output
    assert demo.DEMO_NAME in result.output
    assert "0 added, 0 changed" in result.output
    assert "persistent_absence" in result.output
    assert "Try next: casework stats" in result.output


# -- in the autumn: the calendar holds the last school year and this one -----------------------


def test_an_autumn_demo_on_the_test_database(db: Database) -> None:
    report = demo.build_demo(db, AUTUMN, SEED)
    school = schools.get_school(db, demo.DEMO_URN)
    assert [t.name for t in school.config.terms][::3] == ["Autumn 2025", "Autumn 2026"]
    stored = snapshot(db)
    summer_2026 = school.config.terms[2].start
    assert stored["marks"] == (len(report.demo.marks), summer_2026, AUTUMN)
    whole = statistics.cohort_statistics(
        db, AUTUMN, urn=demo.DEMO_URN, who=users.system_actor(db)
    ).cohorts["whole school"]
    assert whole.attendance_rate is not None and 92 <= whole.attendance_rate <= 97
    assert whole.persistent_absence_rate is not None
    assert 5 <= whole.persistent_absence_rate <= 20
    assert rules_without_findings(db, AUTUMN) == {name: [] for name in shipped_policies()}

    # A week later the marks are rebuilt, not added to or amended.
    later = AUTUMN + timedelta(days=7)
    rebuilt = demo.build_demo(db, later, SEED)
    assert rebuilt.rebuilt
    after = snapshot(db)
    assert after["marks"] == (len(rebuilt.demo.marks), summer_2026, later)
    assert after["amendments"] == 0
    assert len(after["pupils"]) == len(rebuilt.demo.pupils)
    assert len(after["contacts"]) == len(rebuilt.demo.contacts)


def test_a_school_the_demo_did_not_make_is_left_alone(db: Database, data_dir: Path) -> None:
    schools.save_school(db, replace(load_school(data_dir / "school.toml"), urn=demo.DEMO_URN))
    with pytest.raises(demo.NotADemoSchoolError):
        demo.build_demo(db, SPRING, SEED)
    assert snapshot(db)["pupils"] == []


def test_a_demo_with_letters_and_findings_can_be_rebuilt(db: Database) -> None:
    # The sweep drafts letters (to contacts) and keeps findings that open no case (of pupils):
    # rebuilding the demo for another day keeps both, where it used to break their links.
    demo.build_demo(db, AUTUMN, SEED)
    swept = daily_sweep(db, AUTUMN)
    assert swept.letters_drafted
    demo.build_demo(db, AUTUMN + timedelta(days=7), SEED)
    who = users.system_actor(db)
    letters = drafts.list_letters(db, who=who)
    assert len(letters) == sum(len(row["letters"]) for row in swept.letters_drafted)
