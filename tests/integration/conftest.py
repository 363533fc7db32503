"""Fixtures for the integration tests: whole-database snapshots, the example school, its world."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.register.school import load_school
from casework.services.register.schools import save_school
from casework.store.database import Database
from tests.support.rows import Snapshot, table_rows
from tests.support.world import World, make_world


@pytest.fixture
def snapshot() -> Snapshot:
    return table_rows


@pytest.fixture
def school(db: Database, data_dir: Path) -> int:
    """The example school (URN 100001) from tests/data/school.toml; returns its id."""
    school_id, created = save_school(db, load_school(data_dir / "school.toml"))
    assert created
    return school_id


@pytest.fixture
def world(db: Database, data_dir: Path) -> World:
    """The example school with its users (tests.support.world)."""
    return make_world(db, data_dir)
