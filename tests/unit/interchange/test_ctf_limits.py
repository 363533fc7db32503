"""A CTF with dates outside any register, 10 MB of marks or deeply nested elements is refused
with one clear problem naming the file, the line and the element, never a traceback."""

from __future__ import annotations

import time

import pytest

from casework.interchange.ctf import CTFError, parse_ctf
from tests.support.data import ALEX
from tests.unit.interchange.test_ctf import ctf, pupil

SOURCE = "transfer.xml"


def marks(start: str, text: str = "/\\/\\") -> str:
    return (
        "<Attendance><YearData><AttendSessions>"
        f"<AttendanceStartDate>{start}</AttendanceStartDate>"
        f"<AttendanceMarks>{text}</AttendanceMarks>"
        "</AttendSessions></YearData></Attendance>"
    )


def refused(document: str) -> str:
    with pytest.raises(CTFError) as error:
        parse_ctf(document, SOURCE)
    assert len(error.value.problems) == 1, error.value.problems
    return error.value.problems[0]


@pytest.mark.parametrize(
    ("inner", "expected"),
    [
        (marks("9999-12-30"), "AttendanceStartDate '9999-12-30' is outside the years 1900 to 2100"),
        (marks("0001-01-01"), "AttendanceStartDate '0001-01-01' is outside the years 1900 to 2100"),
        (marks("2024-02-30"), "AttendanceStartDate '2024-02-30' is not a date"),
        (marks("2100-12-20", "/" * 100), "AttendanceMarks from 2100-12-20 run past 2100-12-31"),
        (
            "<FSMhistory><FSMinstance><FSMstartDate>2020-01-01</FSMstartDate>"
            "<FSMendDate>9999-12-31</FSMendDate></FSMinstance></FSMhistory>",
            "FSMendDate '9999-12-31' is outside the years 1900 to 2100",
        ),
    ],
)
def test_an_extreme_or_invalid_date_is_refused_naming_the_element_and_file(
    inner: str, expected: str
) -> None:
    problem = refused(ctf(pupil(ALEX, inner)))
    assert problem.startswith(f"{SOURCE}: line 15: pupil {ALEX}")
    assert expected in problem


def test_an_extreme_date_of_birth_is_refused() -> None:
    document = ctf(pupil(ALEX).replace("2015-03-14", "0001-01-01"))
    assert refused(document) == (
        f"{SOURCE}: line 15: pupil {ALEX}: DOB '0001-01-01' is outside the years 1900 to 2100"
    )


def test_an_extreme_header_date_is_refused() -> None:
    document = ctf(pupil(ALEX), when="0001-01-01T00:00:00")
    assert refused(document) == (
        f"{SOURCE}: line 5: header: DateTime '0001-01-01T00:00:00' is outside the years "
        "1900 to 2100"
    )


@pytest.mark.parametrize("separator", ["", ","])
def test_ten_megabytes_of_marks_are_refused_quickly_with_the_limit(separator: str) -> None:
    text = separator.join(["/"] * (10_000_000 // max(1, len(separator) + 1)))
    began = time.perf_counter()
    problem = refused(ctf(pupil(ALEX, marks("2024-09-02", text))))
    assert time.perf_counter() - began < 10
    assert problem.startswith(f"{SOURCE}: line 15: pupil {ALEX}: AttendanceMarks holds ")
    assert "sessions; at most 10,440 (twenty school years) fit in one" in problem


def test_a_hundred_thousand_nested_elements_are_refused_at_the_limit() -> None:
    depth = 100_000
    nested = "<Pupil>" + "<Contacts>" * depth + "</Contacts>" * depth + "</Pupil>"
    problem = refused(ctf(nested))
    assert problem == (
        f"{SOURCE}: line 15: elements are nested more than 40 deep (a CTF needs about 8)"
    )


def test_a_file_larger_than_a_ctf_may_be_is_refused_before_it_is_parsed() -> None:
    assert refused(b"<" * 100_000_001) == (
        f"{SOURCE}: is larger than 100 MB, the most a common transfer file may be; split it "
        "and import the parts one after another"
    )
