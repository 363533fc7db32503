"""Tests for reading and writing the Common Transfer File (generated pupils only)."""

from __future__ import annotations

import re
import textwrap
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.interchange.ctf import CTFError, parse_ctf, write_ctf
from casework.interchange.records import (
    ContactRecord,
    MarkRecord,
    PupilRecord,
    SourceSchool,
    Transfer,
)
from casework.register import codes, upn
from tests.support.data import ALEX as UPN_A
from tests.support.data import JORDAN as UPN_B
from tests.support.data import ROBIN as UPN_C
from tests.support.data import SAMPLE_CTF as SAMPLE


def ctf(pupils: str, *, version: str = "25.0", when: str = "2024-09-20T10:00:00") -> str:
    """A small CTF around the given Pupil elements (dedented, so line numbers are stable)."""
    body = textwrap.indent(textwrap.dedent(pupils).strip(), "    ")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<CTfile>\n"
        "  <Header>\n"
        f"    <CTFversion>{version}</CTFversion>\n"
        f"    <DateTime>{when}</DateTime>\n"
        "    <SourceSchool>\n"
        "      <LEA>999</LEA>\n"
        "      <Estab>2001</Estab>\n"
        "      <URN>999001</URN>\n"
        "      <SchoolName>Example Primary School</SchoolName>\n"
        "      <AcademicYear>2024</AcademicYear>\n"
        "    </SourceSchool>\n"
        "  </Header>\n"
        "  <CTFpupilData>\n"
        f"{body}\n"
        "  </CTFpupilData>\n"
        "</CTfile>\n"
    )


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing needle."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def pupil(upn_: str = UPN_A, inner: str = "") -> str:
    return (
        f"<Pupil><UPN>{upn_}</UPN><Surname>Testpupil</Surname><Forename>Alice</Forename>"
        f"<DOB>2015-03-14</DOB><Sex>F</Sex>{inner}</Pupil>"
    )


def attendance(start: str, marks: str, totals: str = "") -> str:
    return (
        f"<Attendance><YearData>{totals}<AttendSessions>"
        f"<AttendanceStartDate>{start}</AttendanceStartDate>"
        f"<AttendanceMarks>{marks}</AttendanceMarks>"
        "</AttendSessions></YearData></Attendance>"
    )


def slots(marks: list[MarkRecord]) -> list[tuple[date, str, str]]:
    return [(m.date, m.session, m.code) for m in marks]


# --- header and pupils ---


def test_header_fields() -> None:
    transfer = parse_ctf(ctf(pupil()))
    assert transfer.source == SourceSchool(
        la_code="999",
        estab="2001",
        urn="999001",
        name="Example Primary School",
        academic_year="2024",
    )
    assert transfer.warnings == []


def test_no_header_means_no_source() -> None:
    text = f"<CTfile><CTFpupilData>{pupil()}</CTFpupilData></CTfile>"
    transfer = parse_ctf(text)
    assert transfer.source is None
    assert [p.upn for p in transfer.pupils] == [UPN_A]


def test_pupil_fields_and_flags() -> None:
    text = ctf(
        f"""
        <Pupil>
          <UPN>{UPN_A}</UPN>
          <Surname>Testpupil</Surname>
          <Forename>Alice</Forename>
          <DOB>2015-03-14T00:00:00</DOB>
          <Gender>F</Gender>
          <BasicDetails><NCyearActual>5</NCyearActual><InCare>true</InCare></BasicDetails>
          <FSMhistory>
            <FSMinstance><FSMstartDate>2020-01-06</FSMstartDate>
              <FSMendDate>2021-07-23</FSMendDate></FSMinstance>
          </FSMhistory>
          <SENhistory>
            <SEN><StartDate>2020-09-01</StartDate><SENprovision>K</SENprovision></SEN>
            <SEN><StartDate>2023-09-01</StartDate><SENprovision>E</SENprovision></SEN>
          </SENhistory>
        </Pupil>
        <Pupil>
          <UPN>{UPN_B}</UPN>
          <Surname>Samplechild</Surname>
          <Forename>Ben</Forename>
          <DOB>2014-11-02</DOB>
          <Sex>M</Sex>
          <BasicDetails><NCyearActual>R</NCyearActual><InCare>false</InCare></BasicDetails>
          <FSMhistory>
            <FSMinstance><FSMstartDate>2012-01-06</FSMstartDate>
              <FSMendDate>2016-07-23</FSMendDate></FSMinstance>
          </FSMhistory>
          <SENhistory><SEN><SENprovision>N</SENprovision></SEN></SENhistory>
        </Pupil>
        <Pupil>
          <UPN>{UPN_C}</UPN>
          <Surname>Exampleson</Surname>
          <Forename>Cara</Forename>
          <DOB>2016-06-30</DOB>
          <Sex>F</Sex>
          <BasicDetails><PupilPremium>Y</PupilPremium></BasicDetails>
          <FSMhistory><FSMinstance><FSMstartDate>2024-01-08</FSMstartDate></FSMinstance>
          </FSMhistory>
        </Pupil>
        """
    )
    a, b, c = parse_ctf(text).pupils
    assert a == PupilRecord(
        upn=UPN_A,
        surname="Testpupil",
        forename="Alice",
        date_of_birth=date(2015, 3, 14),
        sex="F",
        year_group="5",
        pupil_premium=True,  # FSM ended in 2021: within six years of the 2024 file
        send=True,
        ehcp=True,  # the later SEN entry is the current one
        looked_after=True,
    )
    assert (b.sex, b.year_group, b.pupil_premium, b.send, b.ehcp, b.looked_after) == (
        "M",
        "R",
        False,  # FSM ended more than six years before the file
        False,
        False,
        False,
    )
    assert c.pupil_premium and not c.send


def test_sen_support_is_send_without_ehcp() -> None:
    inner = "<SENhistory><SEN><SENprovision>K</SENprovision></SEN></SENhistory>"
    (p,) = parse_ctf(ctf(pupil(inner=inner))).pupils
    assert (p.send, p.ehcp) == (True, False)


def test_unknown_sex_is_a_warning_naming_the_line() -> None:
    text = ctf(pupil().replace("<Sex>F</Sex>", "<Sex>Q</Sex>"))
    transfer = parse_ctf(text, "p.xml")
    assert transfer.pupils[0].sex == ""
    (warning,) = transfer.warnings
    assert warning.startswith(f"p.xml: line {line_of(text, '<Sex>Q')}: ")
    assert "'Q'" in warning


def test_unknown_pupil_blocks_are_ignored_silently() -> None:
    inner = "<NAWdetails><SpeakWelsh>N</SpeakWelsh></NAWdetails><Ethnicity>WBRI</Ethnicity>"
    transfer = parse_ctf(ctf(pupil(inner=inner)))
    assert transfer.warnings == []
    assert len(transfer.pupils) == 1


# --- contacts ---


def test_contacts_and_flags() -> None:
    text = ctf(
        f"""
        <Pupil>
          <UPN>{UPN_A}</UPN><Surname>Testpupil</Surname><Forename>Alice</Forename>
          <DOB>2015-03-14</DOB><Sex>F</Sex>
          <Address><AddressLines><AddressLine1>1 Example Road</AddressLine1>
            <AddressLine2>Sampletown</AddressLine2></AddressLines>
            <PostCode>ZZ99 1ZZ</PostCode></Address>
          <Contacts>
            <Contact>
              <Order>2</Order><Forename>Dan</Forename><Surname>Testpupil</Surname>
              <Relationship>PAF</Relationship><Responsibility>1</Responsibility>
              <Address><BS7666Address><PAON>9</PAON><Street>Other Street</Street>
                <Town>Sampletown</Town></BS7666Address><PostCode>ZZ99 2ZZ</PostCode></Address>
              <Phones><Phone><TelephoneType>M</TelephoneType>
                <TelephoneNumber>07700 900002</TelephoneNumber></Phone>
                <Phone><PhoneNo>0113 496 0009</PhoneNo></Phone></Phones>
            </Contact>
            <Contact>
              <Order>1</Order><Title>Ms</Title><Forename>Carol</Forename>
              <Surname>Testpupil</Surname><Relationship>PAM</Relationship>
              <Responsibility>Y</Responsibility><AddressAsPupil>true</AddressAsPupil>
              <Email>carol@example.invalid</Email>
            </Contact>
            <Contact>
              <Order>3</Order><Title>Mr</Title><Surname>Carerperson</Surname>
              <Relationship>OTH</Relationship><Responsibility>false</Responsibility>
            </Contact>
          </Contacts>
        </Pupil>
        """
    )
    transfer = parse_ctf(text)
    assert transfer.warnings == []
    dan, carol, other = transfer.contacts
    assert dan == ContactRecord(
        upn=UPN_A,
        name="Dan Testpupil",
        relationship="PAF",
        parental_responsibility=True,
        lives_with_pupil=False,  # has an address of its own and no AddressAsPupil flag
        priority=2,
        phone="07700 900002",
        address="9 Other Street, Sampletown, ZZ99 2ZZ",
    )
    assert carol == ContactRecord(
        upn=UPN_A,
        name="Carol Testpupil",
        relationship="PAM",
        parental_responsibility=True,
        lives_with_pupil=True,
        priority=1,
        email="carol@example.invalid",
        address="1 Example Road, Sampletown, ZZ99 1ZZ",  # the pupil's, by AddressAsPupil
    )
    assert other.name == "Mr Carerperson"
    assert other.lives_with_pupil  # no address of its own
    assert not other.parental_responsibility
    assert other.address == ""


# --- attendance marks ---


def test_one_character_marks_over_weekdays() -> None:
    # Thursday 2024-09-12 start: Thu, Fri, then Mon (the weekend has no slots).
    text = ctf(pupil(inner=attendance("2024-09-12", r"/\I-  N\L/")), version="23.0")
    marks = parse_ctf(text).marks
    assert slots(marks) == [
        (date(2024, 9, 12), "AM", "/"),
        (date(2024, 9, 12), "PM", "\\"),
        (date(2024, 9, 13), "AM", "I"),
        (date(2024, 9, 17), "AM", "N"),  # "-" and two spaces skipped Fri PM and Mon
        (date(2024, 9, 17), "PM", "\\"),
        (date(2024, 9, 18), "AM", "L"),
        (date(2024, 9, 18), "PM", "/"),
    ]
    assert {m.upn for m in marks} == {UPN_A}


def test_comma_marks_with_two_character_codes() -> None:
    text = ctf(pupil(inner=attendance("2024-09-13T00:00:00", "C1,J1,,Y3,#,#,/")))
    assert slots(parse_ctf(text).marks) == [
        (date(2024, 9, 13), "AM", "C1"),
        (date(2024, 9, 13), "PM", "J1"),
        (date(2024, 9, 16), "PM", "Y3"),
        (date(2024, 9, 17), "AM", "#"),
        (date(2024, 9, 17), "PM", "#"),
        (date(2024, 9, 18), "AM", "/"),
    ]


def test_a_lone_two_character_code_in_ctf_24() -> None:
    text = ctf(pupil(inner=attendance("2024-09-02", "C2")), version="24.0")
    assert slots(parse_ctf(text).marks) == [(date(2024, 9, 2), "AM", "C2")]


def test_marks_directly_under_year_data() -> None:
    inner = (
        "<Attendance><YearData><AttendanceStartDate>2024-09-02</AttendanceStartDate>"
        "<AttendanceMarks>/,\\</AttendanceMarks></YearData></Attendance>"
    )
    assert slots(parse_ctf(ctf(pupil(inner=inner))).marks) == [
        (date(2024, 9, 2), "AM", "/"),
        (date(2024, 9, 2), "PM", "\\"),
    ]


def test_totals_that_agree_give_no_warning() -> None:
    totals = (
        "<SessionsPossible>5</SessionsPossible><SessionsAuthorised>2</SessionsAuthorised>"
        "<SessionsUnauthorised>1</SessionsUnauthorised>"
    )
    text = ctf(pupil(inner=attendance("2024-09-02", "/,\\,I,M,G,#,Y1", totals)))
    assert parse_ctf(text).warnings == []


def test_totals_mismatch_is_a_warning() -> None:
    totals = (
        "<SessionsPossible>9</SessionsPossible><SessionsAuthorised>2</SessionsAuthorised>"
        "<SessionsUnauthorised>0</SessionsUnauthorised>"
    )
    text = ctf(pupil(inner=attendance("2024-09-02", "/,\\,I,M,G,#", totals)))
    transfer = parse_ctf(text, "t.xml")
    assert len(transfer.marks) == 6
    possible, unauthorised = transfer.warnings
    line = line_of(text, "<SessionsPossible>")
    assert possible == (
        f"t.xml: line {line}: pupil {UPN_A}: SessionsPossible says 9 but the marks give 5"
    )
    assert "SessionsUnauthorised says 0 but the marks give 1" in unauthorised


def test_totals_without_marks_is_a_warning() -> None:
    inner = (
        "<Attendance><YearData><SessionsPossible>300</SessionsPossible>"
        "<SessionsAuthorised>4</SessionsAuthorised></YearData></Attendance>"
    )
    transfer = parse_ctf(ctf(pupil(inner=inner)), "t.xml")
    assert transfer.marks == []
    (warning,) = transfer.warnings
    assert "totals but no marks" in warning and UPN_A in warning


# --- errors ---


def test_malformed_xml_names_the_line() -> None:
    text = ctf(pupil()).replace("<Surname>Testpupil</Surname>", "<Surname>Testpupil</Surnme>")
    with pytest.raises(CTFError) as err:
        parse_ctf(text, "pupils.xml")
    assert str(err.value).startswith(f"pupils.xml: line {line_of(text, '</Surnme>')}: ")
    assert "malformed XML" in str(err.value)


def test_empty_input_is_an_error() -> None:
    with pytest.raises(CTFError, match=r"^x\.xml: line 1: malformed XML"):
        parse_ctf(b"", "x.xml")


def test_root_must_be_ctfile() -> None:
    with pytest.raises(CTFError, match=r"^x\.xml: line 2: root element is Pupils, not CTfile"):
        parse_ctf("<?xml version='1.0'?>\n<Pupils/>", "x.xml")


def test_doctype_is_refused() -> None:
    text = '<!DOCTYPE CTfile [<!ENTITY x "y">]>\n<CTfile/>'
    with pytest.raises(CTFError, match="DOCTYPE"):
        parse_ctf(text)


def test_missing_upn_names_the_line() -> None:
    text = ctf(
        """
        <Pupil>
          <Surname>Testpupil</Surname><Forename>Alice</Forename><DOB>2015-03-14</DOB>
        </Pupil>
        """
    )
    with pytest.raises(CTFError) as err:
        parse_ctf(text, "pupils.xml")
    assert str(err.value) == f"pupils.xml: line {line_of(text, '<Pupil>')}: Pupil has no UPN"


def test_missing_names_and_dob_are_all_reported() -> None:
    text = ctf(f"<Pupil>\n<UPN>{UPN_A}</UPN>\n</Pupil>")
    with pytest.raises(CTFError) as err:
        parse_ctf(text, "p.xml")
    line = line_of(text, "<Pupil>")
    assert err.value.problems == [
        f"p.xml: line {line}: pupil {UPN_A} has no Surname",
        f"p.xml: line {line}: pupil {UPN_A} has no Forename",
        f"p.xml: line {line}: pupil {UPN_A} has no DOB",
    ]


def test_bad_check_letter_names_the_line() -> None:
    text = ctf(pupil(UPN_B) + "\n" + pupil("A801200005001"))
    with pytest.raises(CTFError) as err:
        parse_ctf(text, "p.xml")
    message = str(err.value)
    assert message.startswith(f"p.xml: line {line_of(text, 'A801200005001')}: ")
    assert "check letter A, expected B" in message


def test_duplicate_upn_is_an_error() -> None:
    text = ctf(pupil() + "\n" + pupil())
    with pytest.raises(CTFError, match="appears twice"):
        parse_ctf(text)


def test_unknown_code_names_pupil_line_and_position() -> None:
    text = ctf(pupil(UPN_B, attendance("2024-09-02", "/,\\,/,Q9,/")))
    with pytest.raises(CTFError) as err:
        parse_ctf(text, "p.xml")
    assert str(err.value) == (
        f"p.xml: line {line_of(text, 'Q9')}: pupil {UPN_B}: unknown attendance code 'Q9' "
        "at mark 4 of AttendanceMarks (2024-09-03 PM)"
    )


def test_unknown_one_character_code_names_the_character() -> None:
    text = ctf(pupil(UPN_C, attendance("2024-09-02", "//?/")), version="22.0")
    with pytest.raises(CTFError) as err:
        parse_ctf(text)
    assert f"pupil {UPN_C}: unknown attendance code '?' at character 3" in str(err.value)


def test_unknown_codes_are_all_collected() -> None:
    text = ctf(pupil(UPN_A, attendance("2024-09-02", "@,/,!")))
    with pytest.raises(CTFError) as err:
        parse_ctf(text)
    assert len(err.value.problems) == 2


# --- writing ---

SCHOOL = SourceSchool("999", "2001", "999001", "Example Primary School", "2024")
ALL_ONE_CHAR = [c.code for c in codes.CODES if len(c.code) == 1]
ALL_CODES = [c.code for c in codes.CODES]


def weekday_slots(start: date, count: int) -> list[tuple[date, str]]:
    found: list[tuple[date, str]] = []
    day = start
    while len(found) < count:
        if day.weekday() < 5:
            found += [(day, "AM"), (day, "PM")]
        day += timedelta(days=1)
    return found[:count]


def hand_made(code_set: list[str]) -> Transfer:
    pupils = [
        PupilRecord(UPN_A, "Testpupil", "Alice", date(2015, 3, 14), "F", "5", send=True),
        PupilRecord(
            UPN_B,
            "Samplechild",
            "Ben",
            date(2014, 11, 2),
            "M",
            "6",
            pupil_premium=True,
            send=True,
            ehcp=True,
            looked_after=True,
            admission_date=date(2019, 9, 4),
            leaving_date=date(2024, 10, 18),
        ),
        PupilRecord(UPN_C, "Exampleson", "Cara", date(2016, 6, 30), "", ""),
    ]
    contacts = [
        ContactRecord(UPN_A, "Carol Ann Testpupil", "PAM", True, True, 1, "07700 900001"),
        ContactRecord(
            UPN_A,
            "Dan Testpupil",
            "PAF",
            True,
            False,
            2,
            email="dan@example.invalid",
            address="9 Other Street, Sampletown, ZZ99 2ZZ",
        ),
        ContactRecord(UPN_B, "Carerperson", "CAR", False, True, 1, address="1 Example Road"),
    ]
    # Summer term, a gap, then the autumn term: two academic years with holes between marks.
    summer = weekday_slots(date(2024, 7, 15), 10)
    autumn = weekday_slots(date(2024, 9, 4), len(code_set))
    marks = [MarkRecord(UPN_A, d, s, "/" if s == "AM" else "\\") for d, s in summer]
    marks += [
        MarkRecord(UPN_A, d, s, code)
        for (d, s), code in zip(autumn, code_set, strict=True)
        if d != date(2024, 9, 10)  # a day with no marks inside the run
    ]
    marks += [MarkRecord(UPN_B, date(2024, 9, 9), "PM", code_set[0])]
    return Transfer(SCHOOL, pupils, contacts, marks, [])


@pytest.mark.parametrize(
    ("comma", "version", "code_set"),
    [
        (True, "25.0", ALL_CODES),
        (True, "23.0", ALL_CODES),
        (False, "23.0", ALL_ONE_CHAR),
        (False, "25.0", ALL_ONE_CHAR),
    ],
)
def test_round_trip(comma: bool, version: str, code_set: list[str]) -> None:
    transfer = hand_made(code_set)
    data = write_ctf(transfer, ctf_version=version, comma_separated=comma)
    assert parse_ctf(data) == transfer


def test_round_trip_of_a_lone_two_character_code_before_ctf_24() -> None:
    p = PupilRecord(UPN_A, "Testpupil", "Alice", date(2015, 3, 14), "F", "5")
    transfer = Transfer(None, [p], [], [MarkRecord(UPN_A, date(2024, 9, 2), "AM", "C1")], [])
    assert parse_ctf(write_ctf(transfer, ctf_version="23.0")) == transfer


def test_writer_layout() -> None:
    p = PupilRecord(UPN_A, "Testpupil", "Alice", date(2015, 3, 14), "F", "5")
    marks = [
        MarkRecord(UPN_A, date(2024, 7, 19), "PM", "/"),  # a Friday, academic year 2023/24
        MarkRecord(UPN_A, date(2024, 9, 6), "PM", "\\"),  # Friday of the next year
        MarkRecord(UPN_A, date(2024, 9, 10), "AM", "C1"),  # Tuesday, after the weekend
    ]
    created = datetime(2024, 9, 20, 15, 0)
    data = write_ctf(Transfer(SCHOOL, [p], [], marks, []), created=created).decode()
    assert "<DateTime>2024-09-20T15:00:00</DateTime>" in data
    assert "<Sex>F</Sex>" in data
    assert data.count("<YearData>") == 2
    assert "<AttendanceStartDate>2024-07-19</AttendanceStartDate>" in data
    assert "<AttendanceMarks>,/</AttendanceMarks>" in data
    assert "<AttendanceStartDate>2024-09-06</AttendanceStartDate>" in data
    assert "<AttendanceMarks>,\\,,,C1</AttendanceMarks>" in data
    assert "<SessionsAuthorised>1</SessionsAuthorised>" in data
    one_char = write_ctf(
        Transfer(SCHOOL, [p], [], marks[:2], []), comma_separated=False, ctf_version="23.0"
    ).decode()
    assert "<AttendanceMarks>-/</AttendanceMarks>" in one_char
    assert "<Gender>F</Gender>" in one_char


def test_writer_refuses_two_character_codes_in_one_character_form() -> None:
    transfer = hand_made(ALL_CODES)
    with pytest.raises(CTFError, match="'J1' has two characters"):
        write_ctf(transfer, comma_separated=False)


def test_writer_refuses_unknown_codes_and_strays() -> None:
    p = PupilRecord(UPN_A, "Testpupil", "Alice", date(2015, 3, 14), "F", "5")
    bad = Transfer(None, [p], [], [MarkRecord(UPN_A, date(2024, 9, 2), "AM", "Q9")], [])
    with pytest.raises(CTFError, match="unknown attendance code 'Q9'"):
        write_ctf(bad)
    stray = Transfer(None, [p], [], [MarkRecord(UPN_B, date(2024, 9, 2), "AM", "/")], [])
    with pytest.raises(CTFError, match=UPN_B):
        write_ctf(stray)


_SCHOOL_DAYS = st.dates(date(2023, 6, 1), date(2025, 10, 31)).filter(lambda d: d.weekday() < 5)
_NAMES = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'-", min_size=1, max_size=60
)


@st.composite
def transfers(draw: st.DrawFn) -> Transfer:
    upns = draw(
        st.lists(
            st.text(alphabet="0123456789", min_size=12, max_size=12).map(upn.make),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    pupils: list[PupilRecord] = []
    contacts: list[ContactRecord] = []
    marks: list[MarkRecord] = []
    for pupil_upn in upns:
        pupils.append(
            PupilRecord(
                pupil_upn,
                draw(_NAMES),
                draw(_NAMES),
                draw(st.dates(date(2005, 1, 1), date(2020, 12, 31))),
                draw(st.sampled_from(["F", "M", ""])),
                draw(st.sampled_from(["R", "1", "6", "11", ""])),
                pupil_premium=draw(st.booleans()),
                looked_after=draw(st.booleans()),
            )
        )
        # A pupil's contacts are told apart by name: no two the same.
        names = draw(st.lists(st.tuples(_NAMES, _NAMES).map(" ".join), max_size=2, unique=True))
        for priority, name in enumerate(names, start=1):
            contacts.append(
                ContactRecord(
                    pupil_upn,
                    name,
                    draw(st.sampled_from(["PAM", "PAF", "CAR", "OTH"])),
                    draw(st.booleans()),
                    draw(st.booleans()),
                    priority,
                    phone=draw(st.sampled_from(["", "07700 900123"])),
                )
            )
        chosen = draw(
            st.dictionaries(
                st.tuples(_SCHOOL_DAYS, st.sampled_from(["AM", "PM"])),
                st.sampled_from(ALL_CODES),
                max_size=30,
            )
        )
        marks += [MarkRecord(pupil_upn, d, s, c) for (d, s), c in sorted(chosen.items())]
    return Transfer(SCHOOL, pupils, contacts, marks, [])


@settings(max_examples=60, deadline=None)
@given(transfers())
def test_round_trip_generated(transfer: Transfer) -> None:
    assert parse_ctf(write_ctf(transfer)) == transfer


# --- the sample file ---


def test_sample_file() -> None:
    transfer = parse_ctf(SAMPLE.read_bytes(), SAMPLE.name)
    assert transfer.warnings == []
    assert [p.upn for p in transfer.pupils] == [UPN_A, UPN_B, UPN_C]
    assert {c.upn for c in transfer.contacts} == {UPN_A, UPN_B}
    assert {m.code for m in transfer.marks} >= {"C1", "J1", "Y3", "#", "I", "N", "L"}
    assert transfer.source is not None and transfer.source.estab == "2001"


_FIRST_CONTACT = re.search(r"<Contact>.*?</Contact>", SAMPLE.read_text(), re.DOTALL)
assert _FIRST_CONTACT is not None


@pytest.mark.parametrize(
    ("find", "put", "line", "message"),
    [
        ("<NCyearActual>5<", "<NCyearActual>Reception<", 22, "'RECEPTION' is not a year group"),
        ("<Surname>Testpupil<", f"<Surname>{'x' * 101}<", 22, "surname is 101 characters long"),
        ("<Order>1<", "<Order>100<", 52, "contact 1: Order 100 must be from 1 to 99"),
        (
            _FIRST_CONTACT.group(),
            _FIRST_CONTACT.group() * 2,
            71,
            "contact 2: has the name 'Carol Testpupil' of contact 1 too",
        ),
    ],
)
def test_a_value_the_csv_readers_refuse_is_refused_in_a_ctf_naming_its_line(
    find: str, put: str, line: int, message: str
) -> None:
    """The same checks as the CSV readers, so a transfer file stores alike on every database."""
    with pytest.raises(CTFError) as caught:
        parse_ctf(SAMPLE.read_text().replace(find, put, 1), "t.xml")
    assert f"t.xml: line {line}: pupil {UPN_A}" in str(caught.value)
    assert message in str(caught.value)
