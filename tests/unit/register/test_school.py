"""Reading a school's TOML file."""

from __future__ import annotations

import re
import tomllib
from datetime import date, time
from pathlib import Path

import pytest

from casework.register.calendar import SchoolCalendar
from casework.register.school import (
    DateRange,
    RegisterTimes,
    SchoolFileError,
    Signatory,
    Term,
    load_school,
    parse_school,
    school_from_dict,
    school_to_dict,
)
from tests.support.files import write_text

EXAMPLE = """\
[school]
urn = "123456"
name = "Hillside Primary School"
la_code = 999
policy = "hillside-2024"
head = { name = "Ms A Head", position = "Headteacher" }
attendance_lead = { name = "Mr B Lead", position = "Attendance Lead" }

[registers]
am_opens = "08:40"
am_closes = 09:10:00
pm_opens = "13:00"
pm_closes = "13:10"

[[terms]]
name = "Autumn"
start = 2025-09-03
end = 2025-12-19
half_term = { start = 2025-10-27, end = 2025-10-31 }
inset_days = [2025-09-03]

[[terms]]
name = "Spring"
start = 2026-01-05
end = 2026-03-27
half_term = { start = 2026-02-16, end = 2026-02-20 }
inset_days = [2026-01-05]

[[terms]]
name = "Summer"
start = 2026-04-13
end = 2026-07-22
half_term = { start = 2026-05-25, end = 2026-05-29 }
closures = [2026-05-07]

[contacts]
office = "01234 567890"
"""


def write(tmp_path: Path, text: str, name: str = "school.toml") -> Path:
    return write_text(tmp_path / name, text)


def error_for(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(SchoolFileError) as info:
        load_school(path)
    message = str(info.value)
    assert str(path) in message
    return message


def test_example_loads_with_all_fields(tmp_path: Path) -> None:
    config = load_school(write(tmp_path, EXAMPLE))
    assert config.urn == "123456"
    assert config.name == "Hillside Primary School"
    assert config.la_code == "999"
    assert config.policy == "hillside-2024"
    assert config.head == Signatory("Ms A Head", "Headteacher")
    assert config.attendance_lead == Signatory("Mr B Lead", "Attendance Lead")
    assert config.registers == RegisterTimes(time(8, 40), time(9, 10), time(13, 0), time(13, 10))
    assert config.terms == (
        Term(
            "Autumn",
            date(2025, 9, 3),
            date(2025, 12, 19),
            DateRange(date(2025, 10, 27), date(2025, 10, 31)),
            (date(2025, 9, 3),),
        ),
        Term(
            "Spring",
            date(2026, 1, 5),
            date(2026, 3, 27),
            DateRange(date(2026, 2, 16), date(2026, 2, 20)),
            (date(2026, 1, 5),),
        ),
        Term(
            "Summer",
            date(2026, 4, 13),
            date(2026, 7, 22),
            DateRange(date(2026, 5, 25), date(2026, 5, 29)),
            (),
            (date(2026, 5, 7),),
        ),
    )
    assert config.extra == {"contacts": {"office": "01234 567890"}}


def test_policy_defaults_to_national(tmp_path: Path) -> None:
    config = load_school(write(tmp_path, EXAMPLE.replace('policy = "hillside-2024"\n', "")))
    assert config.policy == "national-2024"


def test_terms_are_sorted_by_start(tmp_path: Path) -> None:
    autumn, rest = EXAMPLE.split('[[terms]]\nname = "Spring"')
    head, autumn_block = autumn.split('[[terms]]\nname = "Autumn"')
    text = head + '[[terms]]\nname = "Spring"' + rest.split("[contacts]")[0]
    text += '[[terms]]\nname = "Autumn"' + autumn_block
    config = load_school(write(tmp_path, text))
    assert [t.name for t in config.terms] == ["Autumn", "Spring", "Summer"]


def test_date_range_contains() -> None:
    half = DateRange(date(2025, 10, 27), date(2025, 10, 31))
    assert date(2025, 10, 27) in half
    assert date(2025, 10, 31) in half
    assert date(2025, 10, 26) not in half
    assert date(2025, 11, 1) not in half
    assert "2025-10-28" not in half


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('urn = "123456"\n', "", "school.urn"),
        ('name = "Hillside Primary School"\n', "", "school.name"),
        ("la_code = 999\n", "", "school.la_code"),
        ('head = { name = "Ms A Head", position = "Headteacher" }\n', "", "school.head"),
        (
            'head = { name = "Ms A Head", position = "Headteacher" }',
            'head = { name = "Ms A Head" }',
            "school.head.position",
        ),
        (
            'attendance_lead = { name = "Mr B Lead", position = "Attendance Lead" }',
            'attendance_lead = { position = "Attendance Lead" }',
            "school.attendance_lead.name",
        ),
        ("am_closes = 09:10:00\n", "", "registers.am_closes"),
        ('pm_opens = "13:00"\n', "", "registers.pm_opens"),
        ("start = 2026-01-05\n", "", "terms[1].start"),
        ("end = 2026-07-22\n", "", "terms[2].end"),
        ('name = "Autumn"\n', "", "terms[0].name"),
        (
            "half_term = { start = 2026-02-16, end = 2026-02-20 }",
            "half_term = { start = 2026-02-16 }",
            "terms[1].half_term.end",
        ),
    ],
)
def test_missing_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    assert old in EXAMPLE
    message = error_for(tmp_path, EXAMPLE.replace(old, new, 1))
    assert f"{key} is missing" in message


@pytest.mark.parametrize("table", ["[school]", "[registers]"])
def test_missing_table(tmp_path: Path, table: str) -> None:
    text = EXAMPLE.replace(table, "[renamed]")
    message = error_for(tmp_path, text)
    assert f"{table.strip('[]')} is missing" in message


def test_no_terms(tmp_path: Path) -> None:
    text = "terms = []\n" + EXAMPLE.split("[[terms]]")[0]
    assert "terms must list at least one term" in error_for(tmp_path, text)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("start = 2026-01-05", 'start = "2026-01-05"', "terms[1].start"),
        ("start = 2026-01-05", "start = 2026-01-05T08:40:00", "terms[1].start"),
        ("end = 2025-12-19", "end = 2025-12-32", None),
        ("end = 2025-12-19", "end = 20251219", "terms[0].end"),
        (
            "half_term = { start = 2026-05-25,",
            'half_term = { start = "next week",',
            "terms[2].half_term.start",
        ),
        ("inset_days = [2026-01-05]", 'inset_days = ["2026-01-05"]', "terms[1].inset_days"),
        ("closures = [2026-05-07]", "closures = 2026-05-07", "terms[2].closures"),
    ],
)
def test_wrong_date(tmp_path: Path, old: str, new: str, key: str | None) -> None:
    assert old in EXAMPLE
    message = error_for(tmp_path, EXAMPLE.replace(old, new, 1))
    if key is None:  # an impossible date is a TOML error
        assert "not valid TOML" in message
    else:
        assert key in message
        assert "date" in message


def test_end_before_start(tmp_path: Path) -> None:
    message = error_for(tmp_path, EXAMPLE.replace("end = 2026-03-27", "end = 2026-01-02"))
    assert "terms[1].end" in message
    assert "before the start" in message


@pytest.mark.parametrize(
    "half_term",
    [
        "{ start = 2025-12-22, end = 2025-12-31 }",  # after the term
        "{ start = 2025-08-25, end = 2025-08-29 }",  # before the term
        "{ start = 2025-12-15, end = 2025-12-23 }",  # runs past the end
        "{ start = 2025-09-03, end = 2025-09-05 }",  # starts on the first day
        "{ start = 2025-10-31, end = 2025-10-27 }",  # backwards
    ],
)
def test_half_term_outside_its_term(tmp_path: Path, half_term: str) -> None:
    text = EXAMPLE.replace("{ start = 2025-10-27, end = 2025-10-31 }", half_term)
    message = error_for(tmp_path, text)
    assert "terms[0].half_term" in message
    assert "inside the term" in message


def test_overlapping_terms(tmp_path: Path) -> None:
    message = error_for(tmp_path, EXAMPLE.replace("start = 2026-01-05", "start = 2025-12-19"))
    assert re.search(r": terms\b", message)
    assert "Autumn and Spring overlap" in message


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("inset_days = [2026-01-05]", "inset_days = [2026-01-05, 2026-04-01]", "inset_days"),
        ("inset_days = [2026-01-05]", "inset_days = [2026-01-02]", "inset_days"),
        ("inset_days = [2026-01-05]", "closures = [2026-03-30]", "closures"),
    ],
)
def test_closure_day_outside_the_term(tmp_path: Path, old: str, new: str, key: str) -> None:
    message = error_for(tmp_path, EXAMPLE.replace(old, new, 1))
    assert f"terms[1].{key}" in message
    assert "outside the term" in message


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('am_opens = "08:40"', 'am_opens = "8.40am"', "registers.am_opens"),
        ('pm_closes = "13:10"', "pm_closes = 1310", "registers.pm_closes"),
        ('urn = "123456"', 'urn = "URN123"', "school.urn"),
        ('name = "Hillside Primary School"', "name = 7", "school.name"),
        ('head = { name = "Ms A Head", position = "Headteacher" }', 'head = "Ms A"', "school.head"),
    ],
)
def test_wrong_value(tmp_path: Path, old: str, new: str, key: str) -> None:
    assert old in EXAMPLE
    assert key in error_for(tmp_path, EXAMPLE.replace(old, new, 1))


def test_term_that_is_not_a_table(tmp_path: Path) -> None:
    text = "terms = [1]\n" + EXAMPLE.split("[[terms]]")[0]
    assert "terms[0]" in error_for(tmp_path, text)


def test_bad_toml(tmp_path: Path) -> None:
    message = error_for(tmp_path, EXAMPLE.replace('urn = "123456"', "urn = "))
    assert "not valid TOML" in message


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(EXAMPLE.replace("Hillside", "Hill\xe9side").encode("latin-1"))
    with pytest.raises(SchoolFileError) as info:
        load_school(path)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(SchoolFileError) as info:
        load_school(path)
    assert str(path) in str(info.value)
    assert "no such file" in str(info.value)


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(SchoolFileError) as info:
        load_school(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_parse_school_names_the_given_path() -> None:
    with pytest.raises(SchoolFileError, match=r"^memory\.toml: school is missing$"):
        parse_school({}, "memory.toml")


def test_round_trip(tmp_path: Path) -> None:
    config = load_school(write(tmp_path, EXAMPLE))
    data = school_to_dict(config)
    assert data["terms"][0]["start"] == "2025-09-03"
    assert data["registers"]["am_closes"] == "09:10"
    assert school_from_dict(data) == config


def test_round_trip_keeps_strings_that_look_like_dates(tmp_path: Path) -> None:
    # "Head-of-Yr" has "-" at positions 4 and 7 like an ISO date; it must stay a string.
    text = EXAMPLE.replace('position = "Attendance Lead"', 'position = "Head-of-Yr"')
    text = text.replace('name = "Hillside Primary School"', 'name = "2025-09-03"')
    config = load_school(write(tmp_path, text))
    assert config.attendance_lead.position == "Head-of-Yr"
    assert school_from_dict(school_to_dict(config)) == config


def test_round_trip_keeps_register_seconds(tmp_path: Path) -> None:
    config = load_school(write(tmp_path, EXAMPLE.replace("09:10:00", "09:10:30")))
    assert config.registers.am_closes == time(9, 10, 30)
    assert school_from_dict(school_to_dict(config)) == config


def test_minimal_term_round_trip() -> None:
    data = {
        "school": {
            "urn": 100000,
            "name": "Tiny School",
            "la_code": "201",
            "head": {"name": "H", "position": "Head"},
            "attendance_lead": {"name": "L", "position": "Lead"},
        },
        "registers": {
            "am_opens": time(8, 45),
            "am_closes": time(9, 0),
            "pm_opens": time(13, 0),
            "pm_closes": time(13, 15),
        },
        "terms": [{"name": "Autumn", "start": date(2025, 9, 3), "end": date(2025, 12, 19)}],
    }
    config = parse_school(data)
    assert config.urn == "100000"
    assert config.terms == (Term("Autumn", date(2025, 9, 3), date(2025, 12, 19)),)
    assert school_from_dict(school_to_dict(config)) == config


# -- more than one school year ---------------------------------------------------------------

NEXT_YEAR = """
[[terms]]
name = "Autumn"
start = 2026-09-03
end = 2026-12-18
half_term = { start = 2026-10-26, end = 2026-10-30 }
"""


def test_a_school_file_may_list_the_terms_of_more_than_one_school_year(tmp_path: Path) -> None:
    config = load_school(write(tmp_path, EXAMPLE.replace("[contacts]", NEXT_YEAR + "\n[contacts]")))
    assert [(t.name, t.start) for t in config.terms][-2:] == [
        ("Summer", date(2026, 4, 13)),
        ("Autumn", date(2026, 9, 3)),
    ]
    calendar = SchoolCalendar(config.terms)
    assert [(y.label, y.start, y.end) for y in calendar.academic_years] == [
        ("2025/26", date(2025, 9, 3), date(2026, 7, 22)),
        ("2026/27", date(2026, 9, 3), date(2026, 12, 18)),
    ]
    # Stored with the school and read back, both years are kept.
    assert school_from_dict(school_to_dict(config)).terms == config.terms


def test_terms_of_two_years_must_not_overlap(tmp_path: Path) -> None:
    overlapping = NEXT_YEAR.replace("start = 2026-09-03", "start = 2026-07-20")
    text = EXAMPLE.replace("[contacts]", overlapping + "\n[contacts]")
    assert "Summer and Autumn overlap" in error_for(tmp_path, text)


# -- the head's decisions delegated to named staff ---------------------------------------------

WITH_DELEGATES = EXAMPLE.replace(
    'head = { name = "Ms A Head", position = "Headteacher" }',
    'head = { name = "Ms A Head", position = "Headteacher" }\n'
    'leave_delegates = ["d.deputy", " Deputy Headteacher "]',
)


def test_leave_delegates_are_read_and_kept_with_the_school(tmp_path: Path) -> None:
    config = load_school(write_text(tmp_path / "s.toml", WITH_DELEGATES))
    assert config.delegates == {"leave": ("d.deputy", "Deputy Headteacher")}
    assert school_from_dict(school_to_dict(config)) == config
    assert load_school(write_text(tmp_path / "plain.toml", EXAMPLE)).delegates == {}


@pytest.mark.parametrize("value", ['"d.deputy"', "[1]", '["", "d.deputy"]'])
def test_leave_delegates_that_are_not_a_list_of_names(tmp_path: Path, value: str) -> None:
    text = WITH_DELEGATES.replace('["d.deputy", " Deputy Headteacher "]', value)
    with pytest.raises(SchoolFileError) as info:
        load_school(write_text(tmp_path / "s.toml", text))
    assert str(info.value).endswith(
        f"s.toml: school.leave_delegates must be a list of usernames or positions, "
        f'like ["j.deputy"], not {parse_school_value(value)!r}'
    )


def parse_school_value(value: str) -> object:
    return tomllib.loads(f"v = {value}")["v"]
