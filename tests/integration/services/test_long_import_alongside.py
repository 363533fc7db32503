"""A long import locks no one out: while it is open, another connection reads at once, and a
small write (a sweep, a new user) waits for it and then succeeds, never "database is locked"."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import text

from casework.interchange.records import MarkRecord
from casework.services.access import users
from casework.services.daily_sweep import daily_sweep
from casework.services.register.importing import store_marks
from casework.services.register.statistics import cohort_statistics
from casework.store.database import Database
from tests.support.actions import as_user
from tests.support.dates import d
from tests.support.rows import stored_marks
from tests.support.world import AO, URN, World

AS_OF = d("2025-11-28")
WRITES: dict[str, Callable[[Database], object]] = {
    "casework user add": lambda db: users.add_user(
        db, username="new-clerk", name="New Clerk", position="Clerk", role="teacher"
    ),
    "casework sweep": lambda db: daily_sweep(db, AS_OF),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_while_a_long_import_is_open_a_read_goes_ahead_and_a_write_waits_then_succeeds(
    db: Database, world: World, database_url: str, write: str
) -> None:
    pupil = world.pupil()
    world.marks(pupil, d("2025-09-03"), d("2025-10-24"))
    new_marks = [
        MarkRecord(pupil, day, session, "/" if session == "AM" else "\\")
        for day in world.calendar.school_days(d("2025-11-03"), AS_OF)
        for session in ("AM", "PM")
    ]
    holding = threading.Event()  # the import has written and has not committed
    release = threading.Event()
    committed = threading.Event()
    failures: list[BaseException] = []

    def step(description: str) -> None:
        if description.endswith("marks stored") and not holding.is_set():
            holding.set()
            assert release.wait(30), "the test never let the import go on"

    def long_import() -> None:
        own = Database(database_url)  # a connection of its own, as `casework import` has
        try:
            store_marks(own, new_marks, URN, progress=step)
            committed.set()
        except BaseException as error:  # reported below, not lost in the thread
            failures.append(error)
        finally:
            holding.set()
            own.dispose()

    importer = threading.Thread(target=long_import)
    importer.start()
    try:
        assert holding.wait(30)
        # A read: straight away, and without the import's uncommitted marks.
        stats = cohort_statistics(db, AS_OF, who=as_user(db, AO))
        assert stats and not committed.is_set()
        assert (pupil, d("2025-11-03"), "AM") not in stored_marks(db)
        # A write: the import goes on in a moment; the write waits for it rather than failing.
        threading.Timer(0.5, release.set).start()
        WRITES[write](db)
    finally:
        release.set()
        importer.join(60)
    assert failures == []
    assert committed.is_set()
    if db.dialect == "sqlite":  # what lets them: WAL, and a wait for the writer
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 30_000
    assert (pupil, d("2025-11-03"), "AM") in stored_marks(db)
    if write == "casework user add":
        assert "new-clerk" in {u.username for u in users.list_users(db)}
