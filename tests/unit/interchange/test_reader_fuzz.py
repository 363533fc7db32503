"""The readers of imports, fuzzed: any bytes give records or the reader's own error, never a crash.

Each CSV reader (pupils, contacts, marks) either returns its records or raises ImportFileError;
the CTF reader either returns a transfer or raises CTFError. Random bytes, random text after a
valid header, and random edits of the valid files of tests/data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from casework.interchange.csv_readers import (
    ImportFileError,
    column_numbers,
    read_contacts,
    read_marks,
    read_pupils,
)
from casework.interchange.ctf import CTFError, parse_ctf
from casework.interchange.records import Transfer
from tests.support.mutations import (
    CSV_TOKENS,
    FUZZ_SETTINGS,
    VALID,
    XML_TOKENS,
    mutated,
    random_csv,
    random_xml,
)

READERS: dict[str, Callable[[Path], list[tuple[int, Any]]]] = {
    "pupils": read_pupils,
    "contacts": read_contacts,
    "marks": read_marks,
}


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One file the examples overwrite (a module's fixture: hypothesis runs many per test)."""
    return tmp_path_factory.mktemp("fuzz") / "input.csv"


def read_csv(kind: str, path: Path, data: bytes) -> None:
    """The property: records with their line numbers, or ImportFileError, nothing else."""
    path.write_bytes(data)
    try:
        rows = READERS[kind](path)
    except ImportFileError as error:
        assert error.problems, "a refusal names at least one problem"
        return
    assert all(isinstance(line, int) and line >= 2 for line, _record in rows)
    column_numbers(path)  # what the import asks of a file that read well


def read_ctf(data: bytes) -> None:
    try:
        transfer = parse_ctf(data, "fuzz.xml")
    except CTFError as error:
        assert error.problems, "a refusal names at least one problem"
        return
    assert isinstance(transfer, Transfer)


@pytest.mark.parametrize("kind", list(READERS))
def test_the_valid_files_read(kind: str, scratch: Path) -> None:
    """The mutations start from files that read well."""
    scratch.write_bytes(VALID[kind])
    assert READERS[kind](scratch)
    assert parse_ctf(VALID["ctf"]).pupils


@pytest.mark.parametrize("kind", list(READERS))
@FUZZ_SETTINGS
@given(data=st.data())
def test_a_csv_reader_given_random_bytes_reads_or_refuses(
    kind: str, scratch: Path, data: st.DataObject
) -> None:
    header = VALID[kind].split(b"\n", 1)[0] + b"\n"
    read_csv(kind, scratch, data.draw(random_csv(header)))


@FUZZ_SETTINGS
@given(mutated(VALID["pupils"], CSV_TOKENS))
def test_the_pupils_reader_given_a_mutated_file_reads_or_refuses(
    scratch: Path, data: bytes
) -> None:
    read_csv("pupils", scratch, data)


@FUZZ_SETTINGS
@given(mutated(VALID["contacts"], CSV_TOKENS))
# A priority of 5,001 digits: more than int() reads at once.
@example(VALID["contacts"].replace(b",Y,1,07700", b",Y," + b"9" * 5001 + b",07700"))
def test_the_contacts_reader_given_a_mutated_file_reads_or_refuses(
    scratch: Path, data: bytes
) -> None:
    read_csv("contacts", scratch, data)


@FUZZ_SETTINGS
@given(mutated(VALID["marks"], CSV_TOKENS))
def test_the_marks_reader_given_a_mutated_file_reads_or_refuses(scratch: Path, data: bytes) -> None:
    read_csv("marks", scratch, data)


@FUZZ_SETTINGS
@given(random_xml())
def test_the_ctf_reader_given_random_bytes_reads_or_refuses(data: bytes) -> None:
    read_ctf(data)


@FUZZ_SETTINGS
@given(mutated(VALID["ctf"], XML_TOKENS, xml=True))
# An encoding that is not one (a letter lost), or is not text: expat asked Python's codecs.
@example(VALID["ctf"].replace(b'encoding="UTF-8"', b'encoding="TF-8"'))
@example(VALID["ctf"].replace(b'encoding="UTF-8"', b'encoding="rot13"'))
@example(VALID["ctf"].replace(b'encoding="UTF-8"', b'encoding="cp932"'))
# Marks from the last days of the calendar run past 9999-12-31.
@example(re.sub(rb"(<AttendanceStartDate>)[^<]*", rb"\g<1>9999-12-30", VALID["ctf"]))
# A file dated in year 1: six years before it there is no year.
@example(VALID["ctf"].replace(b"<DateTime>2024-09-20", b"<DateTime>0001-01-01"))
def test_the_ctf_reader_given_a_mutated_file_reads_or_refuses(data: bytes) -> None:
    read_ctf(data)
