"""Imports against a real database: all or nothing, idempotent, amendments, schools, CTF."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casework.cli import app
from casework.interchange.csv_readers import (
    CONTACT_COLUMNS,
    MARK_COLUMNS,
    PUPIL_COLUMNS,
    ImportFileError,
    Problem,
)
from casework.interchange.ctf import CTFError, parse_ctf, write_ctf
from casework.interchange.records import ContactRecord, MarkRecord, PupilRecord, Transfer
from casework.register import upn
from casework.register.school import load_school
from casework.services.register.importing import (
    Amender,
    import_contacts,
    import_ctf,
    import_marks,
    import_pupils,
)
from casework.services.register.schools import SchoolNotFoundError, save_school
from casework.store.database import Database
from casework.store.models import Contact, MarkAmendment, Pupil, School, SessionMark
from tests.support.cli import runner
from tests.support.data import ALEX, JORDAN, ROBIN  # tests/data/pupils.csv
from tests.support.files import write_csv
from tests.support.rows import Snapshot, stored_marks

LATE = upn.make("850000000999")  # admitted on 2025-09-15 (a Monday)
UNKNOWN = upn.make("999999999999")  # a valid UPN of nobody at the school
GENERATED = [upn.make(f"8500000{i:05d}") for i in range(40)]

PUPILS_HEADER = ",".join(PUPIL_COLUMNS)
CONTACTS_HEADER = ",".join(CONTACT_COLUMNS)
MARKS_HEADER = ",".join(MARK_COLUMNS)

CONTACT_LINES = [
    f"{ALEX},Carol Testington,Mother,Y,Y,1,07700 900001,carol@example.invalid,1 Example Road",
    f"{ALEX},Dan Testington,Father,Y,N,2,07700 900002,,9 Other Street",
    f"{JORDAN},Erin Carer,Carer,N,Y,1,0113 496 0002,erin@example.invalid,",
]


def pupil_line(
    pupil_upn: str, *, admission: str = "2025-09-03", leaving: str = "", year: str = "4"
) -> str:
    return f"{pupil_upn},Generated,Pupil,2016-01-01,F,{year},N,N,N,N,N,{admission},{leaving}"


def assert_problem(
    error: ImportFileError,
    path: Path,
    line: int,
    column: int,
    field: str | None,
    message: str,
) -> None:
    """The error has exactly this one problem, and its text reads file:line:column."""
    assert len(error.problems) == 1, str(error)
    problem: Problem = error.problems[0]
    assert (problem.file, problem.line, problem.column, problem.field) == (
        str(path),
        line,
        column,
        field,
    )
    assert message in problem.message
    assert f"{path}:{line}:{column}" in str(error)
    assert message in str(error)


def count(db: Database, model: type) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


# -- a school with pupils on roll and some marks --------------------------------------------


@dataclass
class Roll:
    pupils_file: Path
    good_marks: list[str]  # lines for GENERATED pupils, none stored yet


@pytest.fixture
def roll(db: Database, school: int, data_dir: Path, tmp_path: Path) -> Roll:
    """The three pupils of tests/data, a late joiner and 40 more, with tests/data/marks.csv."""
    lines = (data_dir / "pupils.csv").read_text().splitlines()[1:]
    lines += [pupil_line(LATE, admission="2025-09-15")]
    lines += [pupil_line(u) for u in GENERATED]
    pupils = write_csv(tmp_path / "all-pupils.csv", PUPILS_HEADER, lines)
    assert import_pupils(db, pupils).added == len(lines)
    assert import_marks(db, data_dir / "marks.csv").added == 6
    context_days = school_days(db, date(2025, 9, 3), date(2025, 10, 24))
    assert len(context_days) == 38
    good = [
        f"{u},{day.isoformat()},{session},{code},,"
        for u in GENERATED
        for day in context_days
        for session, code in (("AM", "/"), ("PM", "\\"))
    ]
    return Roll(pupils, good)


def school_days(db: Database, start: date, end: date) -> list[date]:
    from casework.services.register.schools import get_school

    return get_school(db, None).calendar.school_days(start, end)


# -- idempotent re-import -------------------------------------------------------------------


def test_pupils_import_twice_changes_nothing_the_second_time(
    db: Database, school: int, data_dir: Path, snapshot: Snapshot
) -> None:
    first = import_pupils(db, data_dir / "pupils.csv")
    assert (first.added, first.changed, first.unchanged) == (3, 0, 0)
    before = snapshot(db)
    second = import_pupils(db, data_dir / "pupils.csv")
    assert (second.added, second.changed, second.unchanged) == (0, 0, 3)
    assert snapshot(db) == before
    with db.transaction() as session:
        robin = session.scalars(select(Pupil).where(Pupil.upn == ROBIN)).one()
        assert (robin.leaving_date, robin.social_worker, robin.year_group) == (
            date(2026, 2, 13),
            True,
            "3",
        )


def test_contacts_import_twice_changes_nothing_the_second_time(
    db: Database, school: int, data_dir: Path, tmp_path: Path, snapshot: Snapshot
) -> None:
    import_pupils(db, data_dir / "pupils.csv")
    path = write_csv(tmp_path / "contacts.csv", CONTACTS_HEADER, CONTACT_LINES)
    first = import_contacts(db, path)
    assert (first.added, first.changed, first.unchanged) == (3, 0, 0)
    before = snapshot(db)
    second = import_contacts(db, path)
    assert (second.added, second.changed, second.unchanged) == (0, 0, 3)
    assert snapshot(db) == before
    with db.transaction() as session:
        dan = session.scalars(select(Contact).where(Contact.name == "Dan Testington")).one()
        assert (dan.parental_responsibility, dan.lives_with_pupil, dan.priority) == (
            True,
            False,
            2,
        )
        assert dan.address == "9 Other Street"


def test_contacts_import_updates_a_changed_contact(
    db: Database, school: int, data_dir: Path, tmp_path: Path
) -> None:
    import_pupils(db, data_dir / "pupils.csv")
    import_contacts(db, write_csv(tmp_path / "a.csv", CONTACTS_HEADER, CONTACT_LINES))
    changed = [CONTACT_LINES[0].replace("07700 900001", "07700 900009"), *CONTACT_LINES[1:]]
    report = import_contacts(db, write_csv(tmp_path / "b.csv", CONTACTS_HEADER, changed))
    assert (report.added, report.changed, report.unchanged) == (0, 1, 2)
    assert count(db, Contact) == 3


def test_marks_import_twice_changes_nothing_the_second_time(
    db: Database, school: int, data_dir: Path, snapshot: Snapshot
) -> None:
    import_pupils(db, data_dir / "pupils.csv")
    first = import_marks(db, data_dir / "marks.csv")
    assert (first.added, first.changed, first.unchanged) == (6, 0, 0)
    before = snapshot(db)
    second = import_marks(db, data_dir / "marks.csv")
    assert (second.added, second.changed, second.unchanged) == (0, 0, 6)
    assert snapshot(db) == before
    assert count(db, MarkAmendment) == 0
    marks = stored_marks(db)
    assert marks[(ALEX, date(2025, 9, 4), "AM")] == ("L", 12, "bus late")
    assert marks[(ALEX, date(2025, 9, 3), "PM")] == ("\\", None, None)


def test_a_large_good_marks_file_imports_and_reimports_as_unchanged(
    db: Database, roll: Roll, tmp_path: Path, snapshot: Snapshot
) -> None:
    path = write_csv(tmp_path / "marks.csv", MARKS_HEADER, roll.good_marks)
    first = import_marks(db, path)
    assert (first.added, first.changed, first.unchanged) == (3040, 0, 0)
    before = snapshot(db)
    second = import_marks(db, path)
    assert (second.added, second.changed, second.unchanged) == (0, 0, 3040)
    assert snapshot(db) == before
    assert count(db, SessionMark) == 3040 + 6


# -- errors leave the database exactly as it was --------------------------------------------

# The bad line, the column and field it should be blamed on, and part of the message.
MARK_ERRORS: dict[str, tuple[str, int, str | None, str]] = {
    "bad UPN check letter": (
        "A801200005001,2025-09-10,AM,/,,",
        1,
        "upn",
        "has check letter A, expected B",
    ),
    "unknown code": (f"{ALEX},2025-09-10,AM,ZZ,,", 4, "code", "unknown attendance code 'ZZ'"),
    "non-school day (Saturday)": (
        f"{ALEX},2025-09-06,AM,/,,",
        2,
        "date",
        "2025-09-06 is not a school day",
    ),
    "non-school day (half term)": (
        f"{ALEX},2025-10-28,PM,/,,",
        2,
        "date",
        "2025-10-28 is not a school day",
    ),
    "non-school day (bank holiday)": (
        f"{ALEX},2026-05-04,AM,/,,",
        2,
        "date",
        "2026-05-04 is not a school day",
    ),
    "unknown pupil": (
        f"{UNKNOWN},2025-09-10,AM,/,,",
        1,
        "upn",
        f"no pupil with UPN {UNKNOWN} at school 100001",
    ),
    "not on roll before admission": (
        f"{LATE},2025-09-12,AM,/,,",
        2,
        "date",
        f"{LATE} was not on roll on 2025-09-12 (admitted 2025-09-15)",
    ),
    "not on roll after leaving": (
        f"{ROBIN},2026-02-23,AM,/,,",
        2,
        "date",
        f"{ROBIN} was not on roll on 2026-02-23 (left 2026-02-13)",
    ),
    "bad date": (f"{ALEX},2025-09-31,AM,/,,", 2, "date", "'2025-09-31' is not a date"),
    "date in another form": (f"{ALEX},10/09/2025,AM,/,,", 2, "date", "is not a date"),
    "wrong session": (f"{ALEX},2025-09-10,XM,/,,", 3, "session", "'XM' must be AM or PM"),
    "bad minutes late": (
        f"{ALEX},2025-09-10,AM,L,ten,",
        5,
        "minutes_late",
        "whole number of minutes",
    ),
    "too few values": (f"{ALEX},2025-09-10,AM", 4, None, "has 3 values, the header has 6"),
}


@pytest.mark.parametrize("case", list(MARK_ERRORS))
def test_bad_mark_line_last_in_a_large_file_stores_nothing(
    db: Database, roll: Roll, tmp_path: Path, snapshot: Snapshot, case: str
) -> None:
    bad, column, field, message = MARK_ERRORS[case]
    path = write_csv(tmp_path / "marks.csv", MARKS_HEADER, [*roll.good_marks, bad])
    before = snapshot(db)
    with pytest.raises(ImportFileError) as caught:
        import_marks(db, path)
    assert_problem(caught.value, path, len(roll.good_marks) + 2, column, field, message)
    assert snapshot(db) == before


def test_duplicate_mark_line_last_in_a_large_file_stores_nothing(
    db: Database, roll: Roll, tmp_path: Path, snapshot: Snapshot
) -> None:
    lines = [*roll.good_marks, roll.good_marks[0]]
    path = write_csv(tmp_path / "marks.csv", MARKS_HEADER, lines)
    before = snapshot(db)
    with pytest.raises(ImportFileError) as caught:
        import_marks(db, path)
    first = roll.good_marks[0].split(",")
    assert_problem(
        caught.value,
        path,
        len(lines) + 1,
        1,
        "upn",
        f"a second mark for {first[0]} on {first[1]} AM (first on line 2)",
    )
    assert snapshot(db) == before


def test_a_changed_mark_before_a_bad_last_line_is_not_amended(
    db: Database, roll: Roll, data_dir: Path, tmp_path: Path, snapshot: Snapshot
) -> None:
    """Atomic with amendments too: the changed mark and its amendment are both refused."""
    lines = (data_dir / "marks.csv").read_text().splitlines()[1:]
    lines[0] = lines[0].replace(",/,", ",M,")
    path = write_csv(
        tmp_path / "marks.csv",
        MARKS_HEADER,
        [*lines, *roll.good_marks, f"{ALEX},2025-09-06,AM,/,,"],
    )
    before = snapshot(db)
    with pytest.raises(ImportFileError):
        import_marks(db, path)
    assert snapshot(db) == before
    assert count(db, MarkAmendment) == 0


def test_hash_on_a_weekday_of_the_schools_year_that_is_not_a_school_day_is_accepted(
    db: Database, roll: Roll, tmp_path: Path
) -> None:
    lines = [
        f"{ALEX},2025-10-28,AM,#,,",  # half term
        f"{ALEX},2025-10-28,PM,#,,",
        f"{ALEX},2026-01-05,AM,#,,",  # an INSET day
        f"{ALEX},2025-09-10,AM,#,,",  # a school day, closed as planned
    ]
    report = import_marks(db, write_csv(tmp_path / "closures.csv", MARKS_HEADER, lines))
    assert (report.added, report.changed) == (4, 0)
    marks = stored_marks(db)
    assert marks[(ALEX, date(2025, 10, 28), "PM")] == ("#", None, None)
    assert marks[(ALEX, date(2026, 1, 5), "AM")] == ("#", None, None)


@pytest.mark.parametrize(
    ("day", "what"),
    [
        ("2025-09-06", "2025-09-06 (Saturday) is not a weekday of the school's year"),
        ("2027-03-10", "2027-03-10 (Wednesday) is not a weekday of the school's year"),
        ("2025-08-20", "2025-08-20 (Wednesday) is not a weekday of the school's year"),
    ],
)
def test_hash_outside_the_schools_own_calendar_is_refused_by_line_and_column(
    db: Database, roll: Roll, tmp_path: Path, snapshot: Snapshot, day: str, what: str
) -> None:
    lines = [f"{ALEX},2025-09-10,AM,#,,", f"{ALEX},{day},AM,#,,"]
    path = write_csv(tmp_path / "closures.csv", MARKS_HEADER, lines)
    before = snapshot(db)
    with pytest.raises(ImportFileError) as refused:
        import_marks(db, path)
    assert_problem(refused.value, path, 3, 2, "date", what)
    assert "(2025/26: 2025-09-03 to 2026-07-22)" in str(refused.value)
    assert snapshot(db) == before


# The bad pupil line, its column, field and part of the message.
PUPIL_ERRORS: dict[str, tuple[str, int, str, str]] = {
    "bad UPN check letter": (
        pupil_line("A801200005001"),
        1,
        "upn",
        "has check letter A, expected B",
    ),
    "UPN too short": (pupil_line("B80120000500"), 1, "upn", "must be 13 characters"),
    "bad Y/N flag": (
        f"{UNKNOWN},Generated,Pupil,2016-01-01,F,4,N,X,N,N,N,2025-09-03,",
        8,
        "send",
        "'X' must be Y or N",
    ),
    "bad date": (
        f"{UNKNOWN},Generated,Pupil,2016-02-30,F,4,N,N,N,N,N,2025-09-03,",
        4,
        "date_of_birth",
        "'2016-02-30' is not a date",
    ),
    "leaving before admission": (
        pupil_line(UNKNOWN, leaving="2025-09-01"),
        13,
        "leaving_date",
        "is before the admission date",
    ),
    "duplicate UPN": (pupil_line(GENERATED[0]), 1, "upn", "is also on line 2"),
}


@pytest.mark.parametrize("case", list(PUPIL_ERRORS))
def test_bad_pupil_line_last_in_a_large_file_stores_nothing(
    db: Database, roll: Roll, tmp_path: Path, snapshot: Snapshot, case: str
) -> None:
    bad, column, field, message = PUPIL_ERRORS[case]
    # 300 pupils, the first 40 already stored with other details: a partial import would show.
    new = [pupil_line(upn.make(f"8600000{i:05d}"), year="5") for i in range(260)]
    lines = [pupil_line(u, year="6") for u in GENERATED] + new + [bad]
    path = write_csv(tmp_path / "pupils.csv", PUPILS_HEADER, lines)
    before = snapshot(db)
    with pytest.raises(ImportFileError) as caught:
        import_pupils(db, path)
    assert_problem(caught.value, path, len(lines) + 1, column, field, message)
    assert snapshot(db) == before


CONTACT_ERRORS: dict[str, tuple[str, int, str, str]] = {
    "bad Y/N flag": (
        f"{JORDAN},Fay Carer,Carer,maybe,Y,2,,,",
        4,
        "parental_responsibility",
        "'maybe' must be Y or N",
    ),
    "unknown pupil": (
        f"{UNKNOWN},Fay Carer,Carer,N,Y,2,,,",
        1,
        "upn",
        f"no pupil with UPN {UNKNOWN} at school 100001",
    ),
    "bad UPN check letter": (
        "A801200005001,Fay Carer,Carer,N,Y,2,,,",
        1,
        "upn",
        "has check letter A, expected B",
    ),
    "bad priority": (f"{JORDAN},Fay Carer,Carer,N,Y,first,,,", 6, "priority", "whole number"),
    "duplicate contact": (CONTACT_LINES[0], 2, "name", "is also on line 2"),
}


@pytest.mark.parametrize("case", list(CONTACT_ERRORS))
def test_bad_contact_line_last_stores_nothing(
    db: Database, roll: Roll, tmp_path: Path, snapshot: Snapshot, case: str
) -> None:
    bad, column, field, message = CONTACT_ERRORS[case]
    many = [f"{u},Parent Of {u},Mother,Y,Y,1,,," for u in GENERATED]
    lines = [*CONTACT_LINES, *many, bad]
    path = write_csv(tmp_path / "contacts.csv", CONTACTS_HEADER, lines)
    before = snapshot(db)
    with pytest.raises(ImportFileError) as caught:
        import_contacts(db, path)
    assert_problem(caught.value, path, len(lines) + 1, column, field, message)
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("kind", "header", "missing", "column"),
    [
        ("marks", MARK_COLUMNS, "code", 4),
        ("marks", MARK_COLUMNS, "comment", 6),
        ("pupils", PUPIL_COLUMNS, "sex", 5),
        ("contacts", CONTACT_COLUMNS, "name", 2),
    ],
)
def test_missing_column_stores_nothing(
    db: Database,
    roll: Roll,
    tmp_path: Path,
    snapshot: Snapshot,
    kind: str,
    header: list[str],
    missing: str,
    column: int,
) -> None:
    columns = [c for c in header if c != missing]
    row = {
        "marks": f"{ALEX},2025-09-10,AM,/,,",
        "pupils": pupil_line(UNKNOWN),
        "contacts": CONTACT_LINES[0],
    }[kind].split(",")
    values = [v for c, v in zip(header, row, strict=True) if c != missing]
    path = write_csv(tmp_path / f"{kind}.csv", ",".join(columns), [",".join(values)])
    importer = {"marks": import_marks, "pupils": import_pupils, "contacts": import_contacts}[kind]
    before = snapshot(db)
    with pytest.raises(ImportFileError) as caught:
        importer(db, path)
    assert_problem(caught.value, path, 1, column, missing, f"missing column {missing!r}")
    assert snapshot(db) == before


def test_problems_name_the_column_where_the_file_has_it(
    db: Database, roll: Roll, tmp_path: Path, snapshot: Snapshot
) -> None:
    """Columns may come in any order; a problem found against the school still points right."""
    header = "date,session,upn,code,minutes_late,comment"
    path = write_csv(tmp_path / "marks.csv", header, [f"2025-09-10,AM,{UNKNOWN},/,,"])
    before = snapshot(db)
    with pytest.raises(ImportFileError) as caught:
        import_marks(db, path)
    assert_problem(caught.value, path, 2, 3, "upn", f"no pupil with UPN {UNKNOWN}")
    path = write_csv(tmp_path / "marks2.csv", header, [f"2025-09-06,AM,{ALEX},/,,"])
    with pytest.raises(ImportFileError) as caught:
        import_marks(db, path)
    assert_problem(caught.value, path, 2, 1, "date", "is not a school day")
    contacts_header = "name,relationship,upn,parental_responsibility,lives_with_pupil,priority"
    path = write_csv(
        tmp_path / "contacts.csv",
        contacts_header + ",phone,email,address",
        [f"Fay Carer,Carer,{UNKNOWN},N,Y,2,,,"],
    )
    with pytest.raises(ImportFileError) as caught:
        import_contacts(db, path)
    assert_problem(caught.value, path, 2, 3, "upn", f"no pupil with UPN {UNKNOWN}")
    assert snapshot(db) == before


def test_a_folder_instead_of_a_file_is_a_problem_not_a_crash(
    db: Database, roll: Roll, tmp_path: Path, snapshot: Snapshot
) -> None:
    before = snapshot(db)
    for importer in (import_pupils, import_contacts, import_marks, import_ctf):
        with pytest.raises(ImportFileError) as caught:
            importer(db, tmp_path)
        assert str(tmp_path) in str(caught.value)
        assert "cannot be read" in str(caught.value)
    with pytest.raises(ImportFileError, match="no such file"):
        import_marks(db, tmp_path / "missing.csv")
    assert snapshot(db) == before


# -- amendments ---------------------------------------------------------------------------


def _amendments(db: Database) -> list[MarkAmendment]:
    with db.transaction() as session:
        return list(session.scalars(select(MarkAmendment).order_by(MarkAmendment.id)))


def _changed_marks(data_dir: Path, tmp_path: Path) -> Path:
    lines = (data_dir / "marks.csv").read_text().splitlines()
    assert lines[1] == f"{ALEX},2025-09-03,AM,/,,"
    assert lines[3] == f"{ALEX},2025-09-04,AM,L,12,bus late"
    lines[1] = f"{ALEX},2025-09-03,AM,M,,dentist"
    lines[3] = f"{ALEX},2025-09-04,AM,L,20,bus late"
    return write_csv(tmp_path / "changed.csv", lines[0], lines[1:])


def test_reimporting_a_changed_mark_with_no_one_named_is_amended_by_the_system_account(
    db: Database, school: int, data_dir: Path, tmp_path: Path, snapshot: Snapshot
) -> None:
    import_pupils(db, data_dir / "pupils.csv")
    import_marks(db, data_dir / "marks.csv")
    changed = _changed_marks(data_dir, tmp_path)
    report = import_marks(db, changed)
    assert (report.added, report.changed, report.unchanged) == (0, 2, 4)

    first, second = _amendments(db)
    assert (first.date, first.session) == (date(2025, 9, 3), "AM")
    assert (first.original_code, first.original_comment) == ("/", None)
    assert (first.new_code, first.new_comment) == ("M", "dentist")
    assert (second.original_code, second.original_minutes_late) == ("L", 12)
    assert (second.new_code, second.new_minutes_late) == ("L", 20)
    for amendment in (first, second):
        # Not the school file's attendance lead, who may not have run it: the file says which.
        assert amendment.reason == f"import of {changed}"
        assert (amendment.amended_by, amendment.amended_by_position) == (
            "Casework daily sweep",
            "automatic",
        )
        assert amendment.amended_at is not None
    marks = stored_marks(db)
    assert marks[(ALEX, date(2025, 9, 3), "AM")] == ("M", None, "dentist")
    assert marks[(ALEX, date(2025, 9, 4), "AM")] == ("L", 20, "bus late")

    # The same changed file again changes nothing and records no further amendment.
    before = snapshot(db)
    again = import_marks(db, changed)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 6)
    assert snapshot(db) == before


def test_an_amendment_names_who_was_given(
    db: Database, school: int, data_dir: Path, tmp_path: Path
) -> None:
    import_pupils(db, data_dir / "pupils.csv")
    import_marks(db, data_dir / "marks.csv")
    import_marks(db, _changed_marks(data_dir, tmp_path), amender=Amender("Cara Clerk", "Clerk"))
    assert {(a.amended_by, a.amended_by_position, a.reason) for a in _amendments(db)} == {
        ("Cara Clerk", "Clerk", "import")
    }


def test_cli_by_and_position_name_the_amender(
    db: Database, database_url: str, school: int, data_dir: Path, tmp_path: Path
) -> None:
    import_pupils(db, data_dir / "pupils.csv")
    import_marks(db, data_dir / "marks.csv")
    changed = str(_changed_marks(data_dir, tmp_path))
    base = ["import", "marks", changed, "--database", database_url]

    alone = runner.invoke(app, [*base, "--by", "Cara Clerk"])
    assert alone.exit_code == 2
    assert "--by and --position go together" in alone.output
    assert _amendments(db) == []

    result = runner.invoke(app, [*base, "--by", "Cara Clerk", "--position", "Office Manager"])
    assert result.exit_code == 0, result.output
    assert "0 added, 2 changed, 4 unchanged" in result.output
    assert {(a.amended_by, a.amended_by_position, a.reason) for a in _amendments(db)} == {
        ("Cara Clerk", "Office Manager", "import")
    }


# -- more than one school -----------------------------------------------------------------


def _second_school(db: Database, data_dir: Path, tmp_path: Path, urn: str = "100002") -> int:
    text = (data_dir / "school.toml").read_text()
    text = text.replace('urn = "100001"', f'urn = "{urn}"')
    text = text.replace("Example Primary School", "Second Example School")
    path = tmp_path / f"school-{urn}.toml"
    path.write_text(text)
    school_id, created = save_school(db, load_school(path))
    assert created
    return school_id


def test_with_two_schools_an_import_must_name_the_school(
    db: Database, school: int, data_dir: Path, tmp_path: Path, snapshot: Snapshot
) -> None:
    second = _second_school(db, data_dir, tmp_path)
    before = snapshot(db)
    for importer, name in ((import_pupils, "pupils.csv"), (import_marks, "marks.csv")):
        # The service says so; the CLI adds how to name one (the test below).
        with pytest.raises(SchoolNotFoundError, match=r"more than one school") as caught:
            importer(db, data_dir / name)
        assert caught.value.several
    assert snapshot(db) == before

    with pytest.raises(SchoolNotFoundError, match="no school with URN 100009"):
        import_pupils(db, data_dir / "pupils.csv", "100009")

    assert import_pupils(db, data_dir / "pupils.csv", "100002").added == 3
    assert import_marks(db, data_dir / "marks.csv", "100002").added == 6
    # The same pupils may also be on roll at the other school.
    assert import_pupils(db, data_dir / "pupils.csv", "100001").added == 3
    with db.transaction() as session:
        by_school = session.execute(
            select(Pupil.school_id, func.count()).group_by(Pupil.school_id)
        ).all()
        assert sorted(by_school) == sorted([(school, 3), (second, 3)])
        marked = session.scalars(
            select(Pupil.school_id).join(SessionMark, SessionMark.pupil_id == Pupil.id)
        ).all()
        assert set(marked) == {second}


def test_cli_import_with_two_schools_without_school_fails_clearly(
    db: Database, database_url: str, school: int, data_dir: Path, tmp_path: Path
) -> None:
    _second_school(db, data_dir, tmp_path)
    pupils = str(data_dir / "pupils.csv")
    result = runner.invoke(app, ["import", "pupils", pupils, "--database", database_url])
    assert result.exit_code == 1
    assert "more than one school: name one with --school URN" in result.output
    assert "Traceback" not in result.output
    assert count(db, Pupil) == 0

    result = runner.invoke(
        app, ["import", "pupils", pupils, "--school", "100002", "--database", database_url]
    )
    assert result.exit_code == 0, result.output
    assert "3 added, 0 changed, 0 unchanged (school 100002)" in result.output


# -- common transfer files ----------------------------------------------------------------

CTF_SCHOOL = """
[school]
urn = "100003"
name = "Receiving Primary School"
la_code = "999"
policy = "national-2024"
head = { name = "Hana Head", position = "Headteacher" }
attendance_lead = { name = "Dee Receiver", position = "Attendance Officer" }

[registers]
am_opens = "08:45"
am_closes = "09:15"
pm_opens = "13:00"
pm_closes = "13:15"

[[terms]]
name = "Summer 2024"
start = 2024-04-15
end = 2024-07-23
half_term = { start = 2024-05-27, end = 2024-05-31 }

[[terms]]
name = "Autumn 2024"
start = 2024-09-02
end = 2024-12-20
half_term = { start = 2024-10-28, end = 2024-11-01 }
"""


@pytest.fixture
def ctf_school(db: Database, tmp_path: Path) -> int:
    """A school whose terms cover every mark in tests/data/sample.ctf.xml."""
    path = tmp_path / "ctf-school.toml"
    path.write_text(CTF_SCHOOL)
    school_id, _ = save_school(db, load_school(path))
    return school_id


def _record(cls: type, row: object) -> object:
    return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})


def read_back(db: Database, school_id: int) -> Transfer:
    """The stored pupils, contacts and marks of a school as records."""
    with db.transaction() as session:
        pupils = list(
            session.scalars(select(Pupil).where(Pupil.school_id == school_id).order_by(Pupil.upn))
        )
        upns = {p.id: p.upn for p in pupils}
        contacts = [
            ContactRecord(
                upns[c.pupil_id],
                c.name,
                c.relationship,
                c.parental_responsibility,
                c.lives_with_pupil,
                c.priority,
                c.phone,
                c.email,
                c.address,
            )
            for c in session.scalars(
                select(Contact)
                .where(Contact.pupil_id.in_(upns))
                .order_by(Contact.pupil_id, Contact.priority)
            )
        ]
        marks = [
            MarkRecord(upns[m.pupil_id], m.date, m.session, m.code, m.minutes_late, m.comment or "")
            for m in session.scalars(
                select(SessionMark)
                .where(SessionMark.pupil_id.in_(upns))
                .order_by(SessionMark.pupil_id, SessionMark.date, SessionMark.session)
            )
        ]
        records = [_record(PupilRecord, p) for p in pupils]
        return Transfer(None, records, contacts, marks, [])  # type: ignore[arg-type]


def _key(transfer: Transfer) -> tuple[list, list, list]:
    return (
        sorted(transfer.pupils, key=lambda p: p.upn),
        sorted(transfer.contacts, key=lambda c: (c.upn, c.name)),
        sorted(transfer.marks, key=lambda m: (m.upn, m.date, m.session)),
    )


def test_ctf_import_stores_pupils_contacts_and_marks_and_twice_changes_nothing(
    db: Database, ctf_school: int, data_dir: Path, snapshot: Snapshot
) -> None:
    sample = data_dir / "sample.ctf.xml"
    first = import_ctf(db, sample)
    assert (first.added, first.changed, first.unchanged) == (3 + 3 + 42, 0, 0)
    assert first.school_urn == "100003"

    stored = read_back(db, ctf_school)
    by_upn = {p.upn: p for p in stored.pupils}
    assert set(by_upn) == {ALEX, JORDAN, ROBIN}
    alice = by_upn[ALEX]
    assert (alice.surname, alice.forename, alice.date_of_birth) == (
        "Testpupil",
        "Alice",
        date(2015, 3, 14),
    )
    assert (alice.year_group, alice.pupil_premium, alice.send, alice.ehcp) == (
        "5",
        True,
        True,
        False,
    )
    assert (by_upn[JORDAN].looked_after, by_upn[JORDAN].ehcp) == (True, True)
    assert {(c.upn, c.name, c.priority) for c in stored.contacts} == {
        (ALEX, "Carol Testpupil", 1),
        (ALEX, "Dan Testpupil", 2),
        (JORDAN, "Erin Carerperson", 1),
    }
    carol = next(c for c in stored.contacts if c.name == "Carol Testpupil")
    assert (carol.phone, carol.email, carol.lives_with_pupil) == (
        "07700 900001",
        "carol@example.invalid",
        True,
    )
    assert len(stored.marks) == 42
    marks = stored_marks(db)
    assert marks[(ALEX, date(2024, 7, 18), "AM")] == ("N", None, None)
    assert marks[(ALEX, date(2024, 9, 2), "AM")] == ("#", None, None)
    assert marks[(ALEX, date(2024, 9, 4), "PM")] == ("C1", None, None)
    assert marks[(JORDAN, date(2024, 9, 12), "AM")] == ("U", None, None)
    assert (JORDAN, date(2024, 9, 11), "AM") not in marks  # an empty slot is no mark
    assert marks[(ROBIN, date(2024, 9, 6), "PM")] == ("R", None, None)
    # Everything stored is exactly what the file says.
    assert _key(stored) == _key(parse_ctf(sample.read_bytes(), str(sample)))

    before = snapshot(db)
    second = import_ctf(db, sample)
    assert (second.added, second.changed, second.unchanged) == (0, 0, 48)
    assert snapshot(db) == before


def test_ctf_marks_outside_the_schools_days_are_left_out_with_a_warning(
    db: Database, school: int, data_dir: Path
) -> None:
    """The example school's calendar is 2025/26; the sample's marks are all from 2024."""
    report = import_ctf(db, data_dir / "sample.ctf.xml")
    assert report.added == 6
    assert count(db, SessionMark) == 0
    assert any("42 marks fall outside" in w for w in report.warnings)


def test_bad_ctf_stores_nothing(
    db: Database, ctf_school: int, data_dir: Path, tmp_path: Path, snapshot: Snapshot
) -> None:
    import_ctf(db, data_dir / "sample.ctf.xml")
    text = (data_dir / "sample.ctf.xml").read_text()
    bad = tmp_path / "bad.ctf.xml"
    bad.write_text(text.replace("<UPN>P207000016049</UPN>", "<UPN>A207000016049</UPN>"))
    before = snapshot(db)
    with pytest.raises(CTFError) as caught:
        import_ctf(db, bad)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "P207000016049" in t)
    assert f"{bad}: line {line}:" in str(caught.value)
    assert "check letter" in str(caught.value)
    assert snapshot(db) == before


def test_ctf_round_trip_through_the_database(
    db: Database, ctf_school: int, data_dir: Path, tmp_path: Path, snapshot: Snapshot
) -> None:
    import_ctf(db, data_dir / "sample.ctf.xml")
    stored = read_back(db, ctf_school)
    written = write_ctf(stored)
    again = parse_ctf(written, "written.ctf.xml")
    assert again.warnings == []
    assert _key(again) == _key(stored)

    # And the written file imported back changes nothing.
    path = tmp_path / "written.ctf.xml"
    path.write_bytes(written)
    before = snapshot(db)
    report = import_ctf(db, path)
    assert (report.added, report.changed, report.unchanged) == (0, 0, 48)
    assert snapshot(db) == before
    with db.transaction() as session:
        assert session.scalar(select(School.urn).where(School.id == ctf_school)) == "100003"


def test_ctf_import_keeps_this_schools_dates_and_social_worker_flag(
    db: Database, ctf_school: int, data_dir: Path
) -> None:
    sample = data_dir / "sample.ctf.xml"
    import_ctf(db, sample)
    with db.transaction() as session:
        alice = session.scalars(select(Pupil).where(Pupil.upn == ALEX)).one()
        alice.admission_date = date(2024, 7, 1)
        alice.social_worker = True
    report = import_ctf(db, sample)
    assert report.changed == 0
    with db.transaction() as session:
        alice = session.scalars(select(Pupil).where(Pupil.upn == ALEX)).one()
        # The file's dates are the sending school's and it has no social worker flag.
        assert (alice.admission_date, alice.social_worker) == (date(2024, 7, 1), True)
