"""Shared fixtures: a migrated database per test, on SQLite or on PostgreSQL when configured."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from casework.store.database import Database
from casework.store.models import Base
from tests.support.data import DATA
from tests.support.databases import POSTGRES_URL, migrate, scratch_postgres


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A database of this run's own on the PostgreSQL server (dropped afterwards), or None."""
    if not POSTGRES_URL:
        yield None
        return
    with scratch_postgres(POSTGRES_URL, "casework_test") as url:
        migrate(url)
        yield url


@pytest.fixture
def database_url(postgres_database: str | None, tmp_path: Path) -> Iterator[str]:
    """URL of an empty, migrated database for one test."""
    if postgres_database is None:
        url = f"sqlite:///{tmp_path / 'casework.sqlite'}"
        migrate(url)
        yield url
        return
    yield postgres_database
    engine = create_engine(postgres_database)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        # Emptying the scratch database between tests: the tables that refuse to be emptied
        # (a sent letter's PDF) let the test harness, a superuser, do it with triggers off.
        connection.execute(text("SET LOCAL session_replication_role = replica"))
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
