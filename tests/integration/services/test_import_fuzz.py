"""Imports of mutated files through the services: stored, or refused with nothing written.

Random edits of the valid files of tests/data, imported into the example school (which already
has those pupils, contacts and marks, so that edits also change and amend rows): the import
either succeeds or raises the import's refusal (ImportFileError, CTFError), and a refusal
leaves every row of every table as it was. No database error, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings

from casework.interchange.csv_readers import ImportFileError
from casework.interchange.ctf import CTFError
from casework.services.register.importing import (
    import_contacts,
    import_ctf,
    import_marks,
    import_pupils,
)
from casework.store.database import Database
from tests.support.mutations import CSV_TOKENS, VALID, XML_TOKENS, mutated
from tests.support.rows import Snapshot

IMPORTS: dict[str, Callable[[Database, Path], Any]] = {
    "pupils": import_pupils,
    "contacts": import_contacts,
    "marks": import_marks,
    "ctf": import_ctf,
}

# Each example imports into a database: fewer of them than the readers' own fuzz tests.
IMPORT_FUZZ_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def stocked(db: Database, school: int, tmp_path: Path) -> Path:
    """The example school with the pupils, contacts and marks of the valid files; returns a
    folder for the mutated files."""
    for kind in ("pupils", "contacts", "marks"):
        path = tmp_path / f"valid-{kind}.csv"
        path.write_bytes(VALID[kind])
        IMPORTS[kind](db, path)
    return tmp_path


def stored_or_refused(
    kind: str, db: Database, folder: Path, snapshot: Snapshot, data: bytes
) -> None:
    """The property: the import succeeds, or is refused and every table is as it was."""
    path = folder / ("input.xml" if kind == "ctf" else "input.csv")
    path.write_bytes(data)
    before = snapshot(db)
    try:
        IMPORTS[kind](db, path)
    except (ImportFileError, CTFError):
        event("refused")
        assert snapshot(db) == before
    else:
        event("stored")


@IMPORT_FUZZ_SETTINGS
@given(mutated(VALID["pupils"], CSV_TOKENS))
def test_a_pupils_import_of_a_mutated_file_is_stored_or_refused_with_nothing_written(
    db: Database, stocked: Path, snapshot: Snapshot, data: bytes
) -> None:
    stored_or_refused("pupils", db, stocked, snapshot, data)


@IMPORT_FUZZ_SETTINGS
@given(mutated(VALID["contacts"], CSV_TOKENS))
def test_a_contacts_import_of_a_mutated_file_is_stored_or_refused_with_nothing_written(
    db: Database, stocked: Path, snapshot: Snapshot, data: bytes
) -> None:
    stored_or_refused("contacts", db, stocked, snapshot, data)


@IMPORT_FUZZ_SETTINGS
@given(mutated(VALID["marks"], CSV_TOKENS))
def test_a_marks_import_of_a_mutated_file_is_stored_or_refused_with_nothing_written(
    db: Database, stocked: Path, snapshot: Snapshot, data: bytes
) -> None:
    stored_or_refused("marks", db, stocked, snapshot, data)


CTF = VALID["ctf"]
FIRST_CONTACT = re.search(rb"<Contact>.*?</Contact>", CTF, re.DOTALL)
assert FIRST_CONTACT is not None
# The first contact twice, under a name no other example stores (examples share a database).
TWICE = FIRST_CONTACT.group().replace(b"<Forename>Carol<", b"<Forename>Twice<") * 2


@IMPORT_FUZZ_SETTINGS
@given(mutated(CTF, XML_TOKENS, xml=True))
# What the CSV readers refuse and PostgreSQL cannot keep (SQLite stores it): a year group that
# is not one, a surname or an email longer than its column, a priority beyond a smallint.
@example(CTF.replace(b"<NCyearActual>5<", b"<NCyearActual>Reception<", 1))
@example(CTF.replace(b"<Surname>Testpupil<", b"<Surname>" + b"x" * 1200 + b"<", 1))
@example(re.sub(rb"<Email>[^<]*<", b"<Email>" + b"e" * 1200 + b"<", CTF, count=1))
@example(re.sub(rb"<Order>\d+<", b"<Order>99999<", CTF, count=1))
# A contact given twice (or two without a name): one name per pupil, on every database.
@example(CTF[: FIRST_CONTACT.start()] + TWICE + CTF[FIRST_CONTACT.end() :])
def test_a_ctf_import_of_a_mutated_file_is_stored_or_refused_with_nothing_written(
    db: Database, stocked: Path, snapshot: Snapshot, data: bytes
) -> None:
    stored_or_refused("ctf", db, stocked, snapshot, data)
