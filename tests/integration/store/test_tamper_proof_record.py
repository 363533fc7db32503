"""The case record cannot be tampered with: evidence and events are neither changed, deleted,
replaced nor emptied, on either database (and the application's role cannot turn that off)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from casework.services import cases
from casework.store.database import Database, RoleError, grant_application_role
from tests.support.actions import as_user, evidence
from tests.support.dates import d
from tests.support.rows import cases_of
from tests.support.world import AO, MOTHER, World

SQLITE_ONLY = [
    "REPLACE INTO case_event SELECT * FROM case_event WHERE id = 1",
    "REPLACE INTO case_evidence SELECT * FROM case_evidence WHERE id = 1",
    "INSERT OR REPLACE INTO case_event SELECT * FROM case_event WHERE id = 1",
]
POSTGRES_ONLY = [
    "TRUNCATE case_event CASCADE",
    "TRUNCATE case_evidence CASCADE",
    "TRUNCATE letter_pdf CASCADE",
]
EVERYWHERE = [
    "UPDATE case_evidence SET details = '{}'",
    "DELETE FROM case_evidence",
    "UPDATE case_event SET note = 'rewritten'",
    "DELETE FROM case_event",
]


def a_case_with_evidence(db: Database, world: World) -> None:
    upn = world.pupil()
    case = cases.open_case(
        db, upn=upn, kind="attendance_concern", who=as_user(db, AO), today=d("2025-11-28")
    )
    evidence(db, case.id, "contact_attempt", AO, "2025-11-28", channel="phone", contact=MOTHER,
             outcome="reached")  # fmt: skip
    assert cases_of(db, upn, "attendance_concern")


def test_each_tampering_statement_is_refused(db: Database, world: World) -> None:
    a_case_with_evidence(db, world)
    statements = EVERYWHERE + (POSTGRES_ONLY if db.dialect == "postgresql" else SQLITE_ONLY)
    with db.transaction() as session:
        before = session.execute(text("SELECT count(*), max(id) FROM case_event")).one()
    for statement in statements:
        with (
            pytest.raises(DBAPIError, match=r"written once|append only"),
            db.transaction() as session,
        ):
            session.execute(text(statement))
    with db.transaction() as session:
        after = session.execute(text("SELECT count(*), max(id) FROM case_event")).one()
        notes = session.execute(text("SELECT count(*) FROM case_event WHERE note = 'rewritten'"))
        assert notes.scalar_one() == 0
    assert after == before


def test_the_application_role_may_only_add_to_the_record(
    db: Database, world: World, database_url: str
) -> None:
    if db.dialect != "postgresql":
        with pytest.raises(RoleError, match="roles are PostgreSQL's"):
            grant_application_role(db.engine)
        return
    a_case_with_evidence(db, world)
    role = f"casework_app_test_{os.getpid()}"
    grant_application_role(db.engine, role)
    url = make_url(database_url).set(username=role, password=None)
    app = create_engine(url.render_as_string(hide_password=False))
    try:
        with app.begin() as connection:  # the app's own work: reads, adds, and changes a case
            connection.execute(text("SELECT count(*) FROM case_event")).scalar_one()
            connection.execute(text("UPDATE casefile SET version = version"))
        for statement in [
            *EVERYWHERE,
            *POSTGRES_ONLY,
            "ALTER TABLE case_event DISABLE TRIGGER USER",
            "DROP TRIGGER case_evidence_written_once ON case_evidence",
        ]:
            with (
                pytest.raises(DBAPIError, match=r"permission denied|must be owner"),
                app.begin() as c,
            ):
                c.execute(text(statement))
    finally:
        app.dispose()
        with db.engine.begin() as connection:
            connection.execute(text(f'DROP OWNED BY "{role}"'))
            connection.execute(text(f'DROP ROLE "{role}"'))
