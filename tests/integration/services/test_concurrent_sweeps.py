"""Two sweeps at once record each finding once: the second waits for the first, then sees what
it recorded (and, on a new database, finds the system user the first made)."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter

import pytest
from sqlalchemy import event, text

from casework.services.access import users
from casework.services.daily_sweep import daily_sweep
from casework.store.database import Database
from tests.support.dates import d
from tests.support.world import World

ABSENT = {d(f"2025-11-{day:02d}"): "O" for day in (3, 4, 5, 6, 7, 10, 11, 12, 13, 14)}


@pytest.mark.parametrize("database", ["new", "swept before"])
def test_two_sweeps_at_once_record_every_finding_once(
    db: Database, world: World, database_url: str, database: str
) -> None:
    if database == "swept before":
        users.system_actor(db)  # its user exists: nothing else holds the second sweep back
    pupils = [world.pupil() for _ in range(6)]
    for upn in pupils:
        world.marks(upn, d("2025-09-03"), d("2025-11-28"), ABSENT)
    start = threading.Barrier(2)
    # Each sweep pauses once it has read the findings already on cases, until the other has
    # read them too: without a lock both would go on to record the same findings. With one,
    # the second cannot read before the first commits, so the first stops waiting after a while.
    read_both = threading.Barrier(2, timeout=3)
    failures: list[BaseException] = []

    def after_reading_findings(
        _conn: object, _cursor: object, statement: str, parameters: object, *_: object
    ) -> None:
        if (
            statement.lstrip().upper().startswith("SELECT")
            and "case_evidence" in statement
            and "finding" in str(parameters)
            and "as_of" in statement + str(parameters)
        ):
            with contextlib.suppress(threading.BrokenBarrierError):
                read_both.wait()

    def sweep() -> None:
        own = Database(database_url)  # a connection of its own, as a second process has
        event.listen(own.engine, "after_cursor_execute", after_reading_findings)
        try:
            start.wait()
            daily_sweep(own, d("2025-11-28"))
        except BaseException as error:  # reported below, not lost in the thread
            failures.append(error)
        finally:
            own.dispose()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with db.transaction() as session:
        findings = Counter(
            (case_id, rule)
            for case_id, rule in session.execute(
                text("SELECT case_id, details FROM case_evidence WHERE kind = 'finding'")
            ).all()
            for rule in [_rule(rule)]
        )
        cases = session.execute(text("SELECT count(*) FROM casefile")).scalar_one()
        letters = session.execute(
            text("SELECT pupil_id, template, count(*) FROM letter GROUP BY pupil_id, template")
        ).all()
        system_users = session.execute(
            text("SELECT count(*) FROM app_user WHERE username = 'casework-sweep'")
        ).scalar_one()
    assert cases == len(pupils)
    assert findings and set(findings.values()) == {1}
    assert {count for _, _, count in letters} == {3}  # mother, father, grandmother: once each
    assert system_users == 1


def _rule(details: object) -> str:
    import json

    value = json.loads(details) if isinstance(details, str) else details
    assert isinstance(value, dict)
    return str(value["rule"])
