"""Random bytes and random mutations of valid files, for fuzzing the readers of imports."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.support.data import DATA

# A few seconds per reader; the same examples every run (a failure is one to reproduce, not
# luck), and no example database: no .hypothesis folder in the repository.
FUZZ_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

# A valid contacts file for the pupils of tests/data/pupils.csv (there is none in tests/data).
CONTACTS_CSV = (
    b"upn,name,relationship,parental_responsibility,lives_with_pupil,priority,phone,email,address\n"
    b"B801200005001,Carol Testington,Mother,Y,Y,1,07700 900001,carol@example.invalid,"
    b'"1 Example Road, Sampletown"\n'
    b"B801200005001,Dan Testington,Father,Y,N,2,07700 900002,,9 Other Street\n"
    b"R674123101121,Erin Carer,Carer,N,Y,1,0113 496 0002,erin@example.invalid,\n"
)

VALID = {
    "pupils": (DATA / "pupils.csv").read_bytes(),
    "contacts": CONTACTS_CSV,
    "marks": (DATA / "marks.csv").read_bytes(),
    "ctf": (DATA / "sample.ctf.xml").read_bytes(),
}

# Pieces that readers trip on: separators, quotes, line ends, bytes that are not UTF-8, digits
# int() reads but 0-9 are not, markup, dates at the ends of the calendar, numbers too big.
_COMMON = [
    b"",
    b" ",
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"\t",
    b"\\",
    "²".encode(),
    "٣".encode(),
    "é".encode(),
    b"[/x]",
    b"-1",
    b"0",
    b"99999",
    b"9" * 30,
    b"9" * 5000,
    b"x" * 1200,
    b"0001-01-01",
    b"9999-12-30",
    b"9999-12-31",
    b"2025-02-29",
    b"2025-09-06",
    b"20250910",
    b"2025-W37-3",
    b"2025-09-10T09:00:00",
]
CSV_TOKENS = [
    *_COMMON,
    b",",
    b"\n",
    b"\r",
    b"\r\n",
    b'"',
    b'""',
    b'"a,b"',
    b"Y",
    b"N",
    b"AM",
    b"PM",
    b"L",
    b"#",
    b"/",
    b"R",
    b"Reception",
    b"B801200005001",
    b"R674123101121",
    b"upn",
    b"date",
]
XML_TOKENS = [
    *_COMMON,
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"&#0;",
    b"&#x110000;",
    b"&lt;",
    b"]]>",
    b"<![CDATA[x]]>",
    b"<!DOCTYPE x>",
    b"<!-- -->",
    b"<?pi x?>",
    b"<Pupil>",
    b"</Pupil>",
    b"<UPN>B801200005001</UPN>",
    b"<Contact><Order>99999</Order></Contact>",
    b"Reception",
    b"<AttendanceMarks>",
    b"</AttendanceMarks>",
    b"<AttendanceStartDate>2024-09-04</AttendanceStartDate>",
    b"<FSMinstance><FSMstartDate>0001-01-01</FSMstartDate></FSMinstance>",
    b"true",
    b"false",
    b",",
    b"-",
    b"/\\",
    b"#",
    b"\n",
    b"x:",
]

# Where a value may be swapped whole: a CSV field, or the text inside an XML element (not the
# layout between elements); and what may be repeated whole: a CSV line, or an XML element.
_CSV_VALUE = re.compile(rb"[^,\n]+")
_XML_VALUE = re.compile(rb"(?<=>)[^<\s][^<]*(?=<)")
_CSV_LINE = re.compile(rb"[^\n]*\n")
_XML_START = re.compile(rb"<(\w+)>")


def _wholes(data: bytearray, xml: bool) -> list[tuple[int, int]]:
    """The spans of every CSV line, or of every XML element (from its start tag to the first
    end tag of its name after it)."""
    if not xml:
        return [m.span() for m in _CSV_LINE.finditer(data)]
    spans = []
    for m in _XML_START.finditer(data):
        end = data.find(b"</" + m.group(1) + b">", m.end())
        if end >= 0:
            spans.append((m.start(), end + len(m.group(1)) + 3))
    return spans


@st.composite
def mutated(draw: st.DrawFn, valid: bytes, tokens: list[bytes], xml: bool = False) -> bytes:
    """A valid file with one to four random edits: bytes deleted, inserted, replaced or
    repeated, a line or element given twice, and (most often, as that keeps the rest of the
    file readable) whole values swapped for a troublesome piece."""
    data = bytearray(valid)
    value = _XML_VALUE if xml else _CSV_VALUE
    piece = st.sampled_from(tokens) | st.binary(min_size=1, max_size=8)
    kinds = ["value"] * 4 + ["twice", "delete", "insert", "replace", "repeat"]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(kinds))
        at = draw(st.integers(0, len(data)))
        if kind == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif kind == "insert":
            data[at:at] = draw(piece)
        elif kind == "replace":
            data[at : at + draw(st.integers(1, 4))] = draw(piece)
        elif kind == "repeat":
            chunk = data[at : at + draw(st.integers(1, 400))]
            data[at:at] = chunk * draw(st.integers(1, 3))
        else:
            spans = (
                [m.span() for m in value.finditer(data)] if kind == "value" else _wholes(data, xml)
            )
            if spans:
                start, end = draw(st.sampled_from(spans))
                new = draw(st.sampled_from(tokens)) if kind == "value" else data[start:end] * 2
                data[start:end] = new
    return bytes(data)


def random_csv(header: bytes) -> st.SearchStrategy[bytes]:
    """Random bytes, and random text after the file's own header (so that rows are read)."""
    return st.binary(max_size=400) | st.builds(
        lambda rows: header + rows,
        st.binary(max_size=400) | st.text(max_size=300).map(str.encode),
    )


def random_xml() -> st.SearchStrategy[bytes]:
    """Random bytes, and random text inside a CTF's outer elements."""
    return st.binary(max_size=400) | st.builds(
        lambda body: b"<CTfile><CTFpupilData><Pupil>" + body + b"</Pupil></CTFpupilData></CTfile>",
        st.binary(max_size=300) | st.text(max_size=300).map(str.encode),
    )
