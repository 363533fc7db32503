"""Fixtures for the integration tests: whole-database snapshots and the example school."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from casework.register.school import load_school
from casework.services.schools import save_school
from casework.store.database import Database
from casework.store.models import Base

Snapshot = dict[str, list[tuple[Any, ...]]]


def table_rows(db: Database) -> Snapshot:
    """Every row of every table, each table ordered by its primary key."""
    with db.engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


@pytest.fixture
def snapshot() -> Callable[[Database], Snapshot]:
    return table_rows


@pytest.fixture
def school(db: Database, data_dir: Path) -> int:
    """The example school (URN 100001) from tests/data/school.toml; returns its id."""
    school_id, created = save_school(db, load_school(data_dir / "school.toml"))
    assert created
    return school_id
