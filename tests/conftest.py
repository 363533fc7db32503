"""Shared fixtures: a migrated database per test, on SQLite or on PostgreSQL when configured."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from casework.store.database import Database
from casework.store.models import Base

DATA = Path(__file__).parent / "data"
POSTGRES_URL = os.environ.get("CASEWORK_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A database of this run's own on the PostgreSQL server (dropped afterwards), or None."""
    if not POSTGRES_URL:
        yield None
        return
    server = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"casework_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    db.migrate()
    db.dispose()
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url(postgres_database: str | None, tmp_path: Path) -> Iterator[str]:
    """URL of an empty, migrated database for one test."""
    if postgres_database is None:
        url = f"sqlite:///{tmp_path / 'casework.sqlite'}"
        db = Database(url)
        db.migrate()
        db.dispose()
        yield url
        return
    yield postgres_database
    engine = create_engine(postgres_database)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def data_dir() -> Path:
    return DATA
