"""Test databases of their own: a migrated one at a URL, and scratch databases on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, event, make_url, text

from casework.store.database import Database

# The PostgreSQL server to test on, if any (otherwise every test database is SQLite).
POSTGRES_URL = os.environ.get("CASEWORK_TEST_DATABASE_URL")


def migrate(url: str) -> None:
    """Bring the (empty) database at url up to the current schema."""
    db = Database(url)
    db.migrate()
    db.dispose()


@contextmanager
def scratch_postgres(server_url: str, prefix: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server, dropped on leaving; yields its URL."""
    server = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """Every SQL statement the database is sent inside the block, in order."""
    seen: list[str] = []

    def count(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        seen.append(sql)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
