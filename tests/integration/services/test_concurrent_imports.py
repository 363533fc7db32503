"""Two imports of the same new marks at once: the second waits for the first, then finds the
marks stored and changes nothing (no duplicate-key error, nothing half written). A mark
written meanwhile by someone who takes no import lock is a clear conflict, and nothing of the
import is stored."""

from __future__ import annotations

import contextlib
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event, func, insert, select

from casework.services.errors import ImportConflictError
from casework.services.register.importing import ImportReport, import_marks
from casework.store.database import Database
from casework.store.models import MarkAmendment, Pupil, SessionMark
from tests.support.files import write_csv
from tests.support.world import URN, World

HEADER = "upn,date,session,code,minutes_late,comment"


def marks_file(world: World, tmp_path: Path, pupils: int = 5) -> tuple[Path, int]:
    upns = [world.pupil(contacts=[]) for _ in range(pupils)]
    days = world.calendar.school_days(world.calendar.first_day, world.calendar.days[19])
    lines = [
        f"{upn},{day.isoformat()},{session},{code},,"
        for upn in upns
        for day in days
        for session, code in (("AM", "/"), ("PM", "\\"))
    ]
    return write_csv(tmp_path / "marks.csv", HEADER, lines), len(lines)


def test_two_imports_of_the_same_new_marks_at_once_store_them_once(
    db: Database, world: World, database_url: str, tmp_path: Path
) -> None:
    path, count = marks_file(world, tmp_path)
    start = threading.Barrier(2)
    # Each import pauses once it has read the marks already stored, until the other has read
    # them too: without a lock both would find none and both add them. With one, the second
    # cannot read before the first commits, so the first stops waiting after a while.
    read_both = threading.Barrier(2, timeout=3)
    reports: list[ImportReport] = []
    failures: list[BaseException] = []

    def after_reading_marks(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM session_mark" in statement:
            with contextlib.suppress(threading.BrokenBarrierError):
                read_both.wait()

    def run_import() -> None:
        own = Database(database_url)  # a connection of its own, as a second process has
        event.listen(own.engine, "after_cursor_execute", after_reading_marks)
        try:
            start.wait()
            reports.append(import_marks(own, path, URN))
        except BaseException as error:  # reported below, not lost in the thread
            failures.append(error)
        finally:
            own.dispose()

    threads = [threading.Thread(target=run_import) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted((r.added, r.changed, r.unchanged) for r in reports) == [
        (0, 0, count),
        (count, 0, 0),
    ]
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SessionMark)) == count
        assert session.scalar(select(func.count()).select_from(MarkAmendment)) == 0


def test_a_mark_written_meanwhile_by_someone_else_is_a_clear_conflict_and_nothing_is_stored(
    db: Database, world: World, database_url: str, tmp_path: Path
) -> None:
    path, _count = marks_file(world, tmp_path, pupils=2)
    upn, day = path.read_text().splitlines()[1].split(",")[:2]
    with db.transaction() as session:
        pupil_id = session.scalar(select(Pupil.id).where(Pupil.upn == upn))
    own = Database(database_url)
    written = False

    def write_one_meanwhile(conn: Connection, _cursor: object, statement: str, *_: Any) -> None:
        # Once the import has read what is stored, one of its marks appears (a person amending
        # the register takes no import lock; written here on the import's own connection, the
        # one way to put it between the import's read and its write on SQLite too).
        nonlocal written
        if written or "FROM session_mark" not in statement:
            return
        written = True
        conn.execute(
            insert(SessionMark).values(
                pupil_id=pupil_id, date=date.fromisoformat(day), session="AM", code="M"
            )
        )

    event.listen(own.engine, "after_cursor_execute", write_one_meanwhile)
    try:
        with pytest.raises(ImportConflictError) as conflict:
            import_marks(own, path, URN)
    finally:
        own.dispose()
    assert written
    assert str(conflict.value) == (
        f"{path}: some of its rows were written by another import meanwhile; nothing from "
        "this file was stored: import it again (what is already there is left as it is)"
    )
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SessionMark)) == 0
