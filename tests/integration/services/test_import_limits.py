"""What PostgreSQL would refuse with a bare database error, the readers refuse first, with the
file, line and column, the same on both databases: lengths, year groups, NULs, priorities."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from casework.interchange.csv_readers import ImportFileError
from casework.services.register.importing import import_contacts, import_marks, import_pupils
from casework.store.database import Database
from casework.store.models import Contact, Pupil, SessionMark
from tests.support.files import write_csv
from tests.support.world import URN, World, generated_upn

PUPILS = (
    "upn,surname,forename,date_of_birth,sex,year_group,pupil_premium,send,ehcp,looked_after,"
    "social_worker,admission_date,leaving_date"
)
CONTACTS = (
    "upn,name,relationship,parental_responsibility,lives_with_pupil,priority,phone,email,address"
)


def pupil_line(surname: str = "Smith", year: str = "4", n: int = 1) -> str:
    return f"{generated_upn(n)},{surname},Sam,2016-01-01,F,{year},N,N,N,N,N,2025-09-03,"


@pytest.mark.parametrize(
    ("surname", "year", "expected"),
    [
        ("S" * 10_000, "4", ":2:2 (surname): is 10,000 characters long; at most 100 fit"),
        ("Smith", "Reception", ":2:6 (year_group): 'Reception' is not a year group"),
        ("Sm\x00ith", "4", ":2:2 (surname): contains a NUL character"),
    ],
)
def test_a_pupil_the_database_could_not_keep_is_refused_by_line_and_column(
    db: Database, world: World, tmp_path: Path, surname: str, year: str, expected: str
) -> None:
    path = write_csv(tmp_path / "pupils.csv", PUPILS, [pupil_line(surname, year)])
    with pytest.raises(ImportFileError) as refused:
        import_pupils(db, path, URN)
    assert expected in str(refused.value)
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Pupil)) == 0


def test_reception_is_r(db: Database, world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "pupils.csv", PUPILS, [pupil_line(year="r")])
    import_pupils(db, path, URN)
    with db.transaction() as session:
        assert session.scalars(select(Pupil.year_group)).all() == ["R"]


@pytest.mark.parametrize(
    ("priority", "name", "expected"),
    [
        ("99999", "Ann Parent", ":2:6 (priority): '99999' must be a whole number from 1 to 99"),
        ("²", "Ann Parent", ":2:6 (priority): '²' must be a whole number from 1 to 99"),
        ("1", "Ann\x00Parent", ":2:2 (name): contains a NUL character"),
    ],
)
def test_a_contact_the_database_could_not_keep_is_refused(
    db: Database, world: World, tmp_path: Path, priority: str, name: str, expected: str
) -> None:
    upn = world.pupil(contacts=[])
    line = f"{upn},{name},Mother,Y,Y,{priority},,,"
    path = write_csv(tmp_path / "contacts.csv", CONTACTS, [line])
    with pytest.raises(ImportFileError) as refused:
        import_contacts(db, path, URN)
    assert expected in str(refused.value)
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0


@pytest.mark.parametrize(
    ("code", "minutes", "comment", "expected"),
    [
        ("L", "²", "", ":2:5 (minutes_late): '²' must be a whole number of minutes"),
        ("L", "9" * 5000, "", ":2:5 (minutes_late): '99999999999999999999' must be a whole"),
        ("/", "5", "", ":2:5 (minutes_late): is only for a late mark (L or U), not /"),
        ("L", "5", "on\x00time", ":2:6 (comment): contains a NUL character"),
    ],
)
def test_a_mark_the_database_could_not_keep_is_refused(
    db: Database, world: World, tmp_path: Path, code: str, minutes: str, comment: str, expected: str
) -> None:
    upn = world.pupil(contacts=[])
    line = f"{upn},2025-11-03,AM,{code},{minutes},{comment}"
    path = write_csv(tmp_path / "marks.csv", "upn,date,session,code,minutes_late,comment", [line])
    with pytest.raises(ImportFileError) as refused:
        import_marks(db, path, URN)
    assert expected in str(refused.value)
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SessionMark)) == 0


def test_a_column_given_twice_is_refused(db: Database, world: World, tmp_path: Path) -> None:
    upn = world.pupil(contacts=[])
    header = "upn,date,session,code,minutes_late,comment,code"
    path = write_csv(tmp_path / "marks.csv", header, [f"{upn},2025-11-03,AM,/,,,O"])
    with pytest.raises(ImportFileError) as refused:
        import_marks(db, path, URN)
    assert ":1:7 (code): column 'code' is also column 4" in str(refused.value)
