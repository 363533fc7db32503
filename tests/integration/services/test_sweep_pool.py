"""Schools swept on a pool of worker processes, each in its own transaction, report and record
what one process sweeping them in turn does (issue 11, item 4)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from casework.interchange.records import MarkRecord, PupilRecord
from casework.register.calendar import SchoolCalendar
from casework.register.school import load_school
from casework.services import sweep_pool
from casework.services.daily_sweep import daily_sweep
from casework.services.register.importing import store_marks, store_pupils
from casework.services.register.schools import save_school
from casework.store.database import Database
from casework.store.models import Case, CaseEvidence, Pupil
from tests.support.databases import POSTGRES_URL, migrate, scratch_postgres
from tests.support.world import generated_upn

URNS = ["100011", "100012", "100013", "100014", "100015"]
AS_OF = date(2025, 10, 20)
FIRST = date(2025, 9, 3)


def build_la(db: Database, data_dir: Path, tmp_path: Path) -> None:
    """Five schools of four pupils each: one persistently absent, one away for weeks."""
    template = (data_dir / "school.toml").read_text()
    tmp_path.mkdir(parents=True, exist_ok=True)
    n = 0
    for urn in URNS:
        path = tmp_path / f"school-{urn}.toml"
        path.write_text(template.replace('urn = "100001"', f'urn = "{urn}"'))
        school = load_school(path)
        save_school(db, school)
        upns = []
        for _ in range(4):
            n += 1
            upns.append(generated_upn(n))
        store_pupils(
            db,
            [
                PupilRecord(
                    u, "Generated", f"Pupil{i}", date(2016, 1, 1), "F", "4", admission_date=FIRST
                )
                for i, u in enumerate(upns)
            ],
            urn,
        )
        days = SchoolCalendar(school.terms).school_days(date(2025, 9, 3), date(2025, 10, 17))
        records = []
        for i, upn in enumerate(upns):
            for k, day in enumerate(days):
                for session in ("AM", "PM"):
                    code = "/" if session == "AM" else "\\"
                    if i == 0 and k % 4 == 0:
                        code = "O"
                    if i == 1 and k >= 10:
                        code = "N"
                    records.append(MarkRecord(upn, day, session, code))
        store_marks(db, records, urn)


@pytest.fixture
def second_db(tmp_path: Path) -> Iterator[Database]:
    """Another empty, migrated database on the same kind of server."""
    if POSTGRES_URL:
        with scratch_postgres(POSTGRES_URL, "casework_pool") as url:
            migrate(url)
            database = Database(url)
            yield database
            database.dispose()
        return
    url = f"sqlite:///{tmp_path / 'second.sqlite'}"
    migrate(url)
    database = Database(url)
    yield database
    database.dispose()


def without_case_ids(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Workers open their schools' cases side by side: the ids interleave, the rest is the same.
    return [{k: v for k, v in e.items() if k not in ("case", "letters")} for e in entries]


def recorded(db: Database) -> list[tuple[str, str, str, int]]:
    with db.transaction() as session:
        rows = session.execute(
            select(Pupil.upn, Case.kind, Case.state, CaseEvidence.id)
            .join(Case, Case.pupil_id == Pupil.id)
            .join(CaseEvidence, CaseEvidence.case_id == Case.id)
        )
        counted: dict[tuple[str, str, str], int] = {}
        for upn, kind, state, _evidence in rows:
            counted[(upn, kind, state)] = counted.get((upn, kind, state), 0) + 1
    return sorted((*key, n) for key, n in counted.items())


def test_a_pool_of_workers_sweeps_as_one_process_does(
    db: Database, second_db: Database, data_dir: Path, tmp_path: Path
) -> None:
    build_la(db, data_dir, tmp_path / "a")
    build_la(second_db, data_dir, tmp_path / "b")
    assert sweep_pool.pool_fits(second_db, len(URNS), 2)
    one = daily_sweep(db, AS_OF, workers=1)
    seen: list[str] = []
    pooled = daily_sweep(second_db, AS_OF, workers=2, progress=seen.append)
    assert sorted(seen) == URNS  # every school reported as it finished
    assert pooled.findings.as_dict() == one.findings.as_dict()
    assert one.findings.findings and one.cases_opened
    assert pooled.findings.pupils == one.findings.pupils == 20
    for key in ("cases_opened", "evidence_added", "notices_recorded", "letters_refused"):
        assert without_case_ids(getattr(pooled, key)) == without_case_ids(getattr(one, key))
    assert len(pooled.letters_drafted) == len(one.letters_drafted)
    assert recorded(second_db) == recorded(db)
    # The next day's pooled sweep finds the same occurrences already on the cases.
    again = daily_sweep(second_db, AS_OF, workers=2)
    assert again.cases_opened == [] and again.evidence_added == []


def test_a_pool_needs_a_database_another_process_can_open() -> None:
    memory = Database("sqlite://")
    assert not sweep_pool.pool_fits(memory, 10, 4)
    memory.dispose()
