"""Reading pupil, contact and mark CSV files into records, naming each problem's line and column."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from casework.interchange.limits import LineTooLongError, TooLargeError, open_text
from casework.interchange.records import ContactRecord, MarkRecord, PupilRecord
from casework.register.codes import BY_CODE
from casework.register.upn import InvalidUPNError, validate

MAX_PROBLEMS = 50  # enough to fix a file in one go without flooding the terminal


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong, and where: file, line (1 is the header) and column (1-based)."""

    file: str
    line: int
    column: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        if self.column is not None:
            where += f":{self.column}"
        label = f" ({self.field})" if self.field else ""
        return f"{where}{label}: {self.message}"


class ImportFileError(ValueError):
    """A file that cannot be imported; nothing from it was stored."""

    def __init__(self, problems: list[Problem], more: int = 0) -> None:
        self.problems = problems
        self.more = more
        lines = [str(p) for p in problems]
        if more:
            lines.append(f"... and {more} more problems")
        super().__init__("\n".join(lines))


class Problems:
    """Collects problems up to a limit, counting the rest."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[Problem] = []
        self.more = 0
        # The 1-based column of each header name, as the file has them (a reader fills it
        # in): checks made after reading name the column where the file has it.
        self.columns: dict[str, int] = {}

    def add(self, line: int, column: int | None, field: str | None, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(self.file, line, column, field, message))
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            # Problems found by the reader and by later checks, in the order of the file.
            ordered = sorted(self.items, key=lambda p: (p.line, p.column or 0))
            raise ImportFileError(ordered, self.more)


PUPIL_COLUMNS = [
    "upn",
    "surname",
    "forename",
    "date_of_birth",
    "sex",
    "year_group",
    "pupil_premium",
    "send",
    "ehcp",
    "looked_after",
    "social_worker",
    "admission_date",
    "leaving_date",
]
CONTACT_COLUMNS = [
    "upn",
    "name",
    "relationship",
    "parental_responsibility",
    "lives_with_pupil",
    "priority",
    "phone",
    "email",
    "address",
]
MARK_COLUMNS = ["upn", "date", "session", "code", "minutes_late", "comment"]

T = TypeVar("T")


class FieldError(ValueError):
    pass


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FieldError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def parse_flag(value: str) -> bool:
    if value in ("Y", "y"):
        return True
    if value in ("N", "n"):
        return False
    raise FieldError(f"{value!r} must be Y or N")


def parse_upn(value: str) -> str:
    try:
        return validate(value)
    except InvalidUPNError as error:
        raise FieldError(str(error)) from None


def _rows(
    path: Path, expected: list[str], problems: Problems, kind: str
) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV file as dicts with the line each starts on, after checking the header.

    The file is read no further than the limit of its kind (casework.interchange.limits).
    """
    for line, values in _value_rows(path, expected, problems, kind):
        yield line, dict(zip(expected, values, strict=True))


def _value_rows(
    path: Path, expected: list[str], problems: Problems, kind: str
) -> Iterator[tuple[int, list[str]]]:
    """As `_rows`, each row as its values in the order of `expected`, stripped: no dict per
    row, for the files of hundreds of thousands of rows (marks)."""
    try:
        handle = open_text(path, kind)
    except OSError as error:  # missing, a folder, not readable: a message, not a traceback
        reason = "no such file" if isinstance(error, FileNotFoundError) else "cannot be read"
        problems.add(0, None, None, f"{reason}: {error.strerror or error}")
        problems.raise_if_any()
        raise AssertionError("unreachable") from None
    except TooLargeError as error:
        problems.add(0, None, None, str(error))
        return
    with handle:
        reader = csv.reader(handle)
        try:
            try:
                header = [h.strip() for h in next(reader)]
            except StopIteration:
                problems.add(1, None, None, "the file is empty; expected a header line")
                return
            missing = [c for c in expected if c not in header]
            for name in missing:
                # Point at where the column belongs in the documented order (or past the end).
                at = min(expected.index(name), len(header)) + 1
                problems.add(1, at, name, f"missing column {name!r}")
            unknown = [h for h in header if h not in expected]
            for name in unknown:
                problems.add(1, header.index(name) + 1, name, f"unexpected column {name!r}")
            # A column given twice: which of the two is meant cannot be told, so neither is read.
            repeated = [
                (at, name) for at, name in enumerate(header, start=1) if header.index(name) + 1 < at
            ]
            for at, name in repeated:
                first = header.index(name) + 1
                problems.add(1, at, name, f"column {name!r} is also column {first}")
            if missing or unknown or repeated:
                return
            # Only a good header's columns: the checks after reading look each name up.
            problems.columns = {name: at for at, name in enumerate(header, start=1)}
            order = [header.index(name) for name in expected]
            in_order = order == list(range(len(header)))
            # A record may run over several lines (a quoted newline): it is named by the line
            # it starts on, the one after where the record before it ended.
            ended = reader.line_num
            for values in reader:
                line = ended + 1
                ended = reader.line_num
                if not values or values == [""]:
                    continue
                if len(values) != len(header):
                    problems.add(
                        line,
                        min(len(values), len(header)) + 1,  # the first value missing or extra
                        None,
                        f"has {len(values)} values, the header has {len(header)}",
                    )
                    continue
                if in_order:
                    yield line, [value.strip() for value in values]
                else:
                    yield line, [values[i].strip() for i in order]
        except UnicodeDecodeError as error:
            line, column = _bad_byte(path, reader.line_num + 1)
            byte = error.object[error.start : error.start + 1].hex()
            problems.add(line, column, None, f"byte 0x{byte} is not UTF-8 text")
        except csv.Error as error:
            problems.add(reader.line_num, None, None, f"not valid CSV: {error}")
        except TooLargeError as error:
            problems.add(0, None, None, str(error))
        except LineTooLongError as error:
            problems.add(error.line, None, None, str(error))


def _bad_byte(path: Path, reached: int) -> tuple[int, int | None]:
    """The line and column of the first byte that is not UTF-8. The text is decoded a chunk
    ahead of the csv module, so the line it had reached may be lines before the byte: the
    file is read again, only when such a byte is found (a regular file; a pipe cannot be)."""
    try:
        if not path.is_file():
            return reached, None
        data = path.read_bytes()  # within the limit: the first reading got this far
    except OSError:
        return reached, None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        start_of_line = before.rfind(b"\n") + 1
        # The column counts characters, as an editor does, not bytes.
        column = len(before[start_of_line:].decode("utf-8-sig", errors="replace")) + 1
        return before.count(b"\n") + 1, column
    return reached, None


# The longest value each text column holds, as the database declares it: refused here, with
# the line and column, rather than stored on SQLite and refused by PostgreSQL.
LONGEST = {
    "surname": 100,
    "forename": 100,
    "name": 200,
    "relationship": 50,
    "phone": 50,
    "email": 200,
    "address": 1000,
    "comment": 1000,
}
# The DfE's national curriculum year groups (CTF NCyearActual): nursery, reception, 1 to 14,
# and X for a pupil outside them.
YEAR_GROUPS = ("N1", "N2", "R", *(str(n) for n in range(1, 15)), "X")
LATE_CODES = ("L", "U")  # the marks minutes late go with
MOST_CONTACTS = 99  # a contact's priority: 1 is rung first


def text_of_length(name: str) -> Callable[[str], str]:
    """A text value no longer than its column, without the NUL character no database keeps."""
    longest = LONGEST[name]

    def convert(value: str) -> str:
        if "\x00" in value:
            raise FieldError("contains a NUL character")
        if len(value) > longest:
            raise FieldError(f"is {len(value):,} characters long; at most {longest} fit")
        return value

    return convert


def parse_year_group(value: str) -> str:
    shown = value.upper()
    if shown not in YEAR_GROUPS:
        raise FieldError(
            f"{value!r} is not a year group (one of N1, N2, R, 1 to 14, X; reception is R)"
        )
    return shown


def _field(
    row: dict[str, str],
    name: str,
    columns: list[str],
    line: int,
    problems: Problems,
    convert: Callable[[str], T],
    *,
    required: bool = True,
) -> T | None:
    value = row[name]
    if value == "":
        if required:
            problems.add(line, columns.index(name) + 1, name, "is empty")
        return None
    try:
        return convert(value)
    except FieldError as error:
        problems.add(line, columns.index(name) + 1, name, str(error))
        return None


def _columns_of(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [h.strip() for h in next(csv.reader(handle))]


def column_numbers(path: Path | str) -> dict[str, int]:
    """The 1-based column of each header name of a file already read without problems.

    Checks made after reading (unknown pupil, not a school day) name the column where the
    file has it: the readers accept the columns in any order.
    """
    return {name: number for number, name in enumerate(_columns_of(Path(path)), start=1)}


def read_pupils(
    path: Path | str, problems: Problems | None = None
) -> list[tuple[int, PupilRecord]]:
    """Pupil rows with the line each starts on; raises ImportFileError naming every problem,
    or, given `problems`, adds them there for the caller to raise with its own."""
    path = Path(path)
    given = problems  # a caller's, to add its own checks to before refusing the file
    problems = given if given is not None else Problems(str(path))
    out: list[tuple[int, PupilRecord]] = []
    seen: dict[str, int] = {}
    columns: list[str] = []
    for line, row in _rows(path, PUPIL_COLUMNS, problems, "pupils"):
        columns = columns or list(problems.columns)
        f: dict[str, Any] = {}
        f["upn"] = _field(row, "upn", columns, line, problems, parse_upn)
        for name in ("surname", "forename"):
            f[name] = _field(row, name, columns, line, problems, text_of_length(name))
        f["year_group"] = _field(row, "year_group", columns, line, problems, parse_year_group)
        f["sex"] = _field(row, "sex", columns, line, problems, _parse_sex)
        f["date_of_birth"] = _field(row, "date_of_birth", columns, line, problems, parse_date)
        for name in ("pupil_premium", "send", "ehcp", "looked_after", "social_worker"):
            f[name] = _field(row, name, columns, line, problems, parse_flag)
        f["admission_date"] = _field(row, "admission_date", columns, line, problems, parse_date)
        f["leaving_date"] = _field(
            row, "leaving_date", columns, line, problems, parse_date, required=False
        )
        if any(v is None for k, v in f.items() if k != "leaving_date"):
            continue
        if f["leaving_date"] is not None and f["leaving_date"] < f["admission_date"]:
            problems.add(
                line,
                columns.index("leaving_date") + 1,
                "leaving_date",
                "is before the admission date",
            )
            continue
        if f["upn"] in seen:
            problems.add(
                line,
                columns.index("upn") + 1,
                "upn",
                f"UPN {f['upn']} is also on line {seen[f['upn']]}",
            )
            continue
        seen[f["upn"]] = line
        out.append((line, PupilRecord(**f)))
    if given is None:
        problems.raise_if_any()
    return out


def _parse_sex(value: str) -> str:
    if value.upper() in ("F", "M"):
        return value.upper()
    raise FieldError(f"{value!r} must be F or M")


def _parse_priority(value: str) -> int:
    # isdigit alone takes "²" and other digits int() refuses: only 0-9 are numbers here, and
    # few enough of them for int() to read at once.
    if (
        not (value.isascii() and value.isdigit())
        or len(value) > len(str(MOST_CONTACTS))
        or not 1 <= int(value) <= MOST_CONTACTS
    ):
        raise FieldError(f"{value[:20]!r} must be a whole number from 1 to {MOST_CONTACTS}")
    return int(value)


def read_contacts(
    path: Path | str, problems: Problems | None = None
) -> list[tuple[int, ContactRecord]]:
    """Contact rows with the line each starts on; raises ImportFileError naming every problem,
    or, given `problems`, adds them there for the caller to raise with its own."""
    path = Path(path)
    given = problems  # a caller's, to add its own checks to before refusing the file
    problems = given if given is not None else Problems(str(path))
    out: list[tuple[int, ContactRecord]] = []
    seen: dict[tuple[str, str], int] = {}
    columns: list[str] = []
    for line, row in _rows(path, CONTACT_COLUMNS, problems, "contacts"):
        columns = columns or list(problems.columns)
        f: dict[str, Any] = {
            "upn": _field(row, "upn", columns, line, problems, parse_upn),
            "name": _field(row, "name", columns, line, problems, text_of_length("name")),
            "relationship": _field(
                row, "relationship", columns, line, problems, text_of_length("relationship")
            ),
            "parental_responsibility": _field(
                row, "parental_responsibility", columns, line, problems, parse_flag
            ),
            "lives_with_pupil": _field(
                row, "lives_with_pupil", columns, line, problems, parse_flag
            ),
            "priority": _field(row, "priority", columns, line, problems, _parse_priority),
        }
        for name in ("phone", "email", "address"):
            f[name] = _field(
                row, name, columns, line, problems, text_of_length(name), required=False
            )
        if any(v is None for k, v in f.items() if k not in ("phone", "email", "address")):
            continue
        if any(f[name] is None and row[name] for name in ("phone", "email", "address")):
            continue  # refused above
        for name in ("phone", "email", "address"):
            f[name] = f[name] or ""
        key = (f["upn"], f["name"])
        if key in seen:
            problems.add(
                line,
                columns.index("name") + 1,
                "name",
                f"{f['name']} for {f['upn']} is also on line {seen[key]}",
            )
            continue
        seen[key] = line
        out.append((line, ContactRecord(**f)))
    if given is None:
        problems.raise_if_any()
    return out


def _parse_session(value: str) -> str:
    if value in ("AM", "PM"):
        return value
    raise FieldError(f"{value!r} must be AM or PM")


def _parse_code(value: str) -> str:
    if value not in BY_CODE:
        raise FieldError(f"unknown attendance code {value!r}")
    return value


def _parse_minutes(value: str) -> int:
    # Only 0-9 (isdigit takes "²"), and few enough of them for int() to read at once.
    if not (value.isascii() and value.isdigit()) or len(value) > 3 or int(value) > 600:
        raise FieldError(f"{value[:20]!r} must be a whole number of minutes, at most 600")
    return int(value)


_UNSEEN: Any = object()  # a date not looked at yet (None: looked at, and not a date)


def _named(values: list[str]) -> dict[str, str]:
    """A mark row's values by column name, for the checks that name a field."""
    return dict(zip(MARK_COLUMNS, values, strict=True))


def read_marks(path: Path | str, problems: Problems | None = None) -> list[tuple[int, MarkRecord]]:
    """Mark rows with the line each starts on; raises ImportFileError naming every problem,
    or, given `problems`, adds them there for the caller to raise with its own."""
    path = Path(path)
    given = problems  # a caller's, to add its own checks to before refusing the file
    problems = given if given is not None else Problems(str(path))
    out: list[tuple[int, MarkRecord]] = []
    seen: dict[tuple[str, date, str], int] = {}
    columns: list[str] = []
    upn_ok: dict[str, bool] = {}  # a file repeats each UPN hundreds of times; check once
    dates: dict[str, date | None] = {}  # and each date as often
    # A year's marks are hundreds of thousands of rows: a row that reads well (nearly all)
    # goes through a few lookups; only a row with a problem is looked at field by field.
    for line, values in _value_rows(path, MARK_COLUMNS, problems, "marks"):
        upn, raw_date, session, code, raw_minutes, comment = values
        columns = columns or list(problems.columns)
        ok = upn_ok.get(upn)
        if ok is None:
            checked = _field(_named(values), "upn", columns, line, problems, parse_upn)
            ok = upn_ok[upn] = checked is not None
        elif not ok:
            _field(_named(values), "upn", columns, line, problems, parse_upn)
        day = dates.get(raw_date, _UNSEEN)
        if day is _UNSEEN:
            day = dates[raw_date] = _field(
                _named(values), "date", columns, line, problems, parse_date
            )
        elif day is None:
            _field(_named(values), "date", columns, line, problems, parse_date)
        if session != "AM" and session != "PM":
            _field(_named(values), "session", columns, line, problems, _parse_session)
        if code not in BY_CODE:
            _field(_named(values), "code", columns, line, problems, _parse_code)
            code = ""
        minutes = (
            None
            if raw_minutes == ""
            else _field(_named(values), "minutes_late", columns, line, problems, _parse_minutes)
        )
        if comment and (
            _field(_named(values), "comment", columns, line, problems, text_of_length("comment"))
            is None
        ):
            continue
        if minutes is not None and code and code not in LATE_CODES:
            problems.add(
                line,
                columns.index("minutes_late") + 1,
                "minutes_late",
                f"is only for a late mark (L or U), not {code}",
            )
            continue
        if not ok or day is None or (session != "AM" and session != "PM") or not code:
            continue
        if raw_minutes != "" and minutes is None:
            continue
        key = (upn, day, session)
        first = seen.get(key)
        if first is not None:
            problems.add(
                line,
                columns.index("upn") + 1,
                "upn",
                f"a second mark for {upn} on {day} {session} (first on line {first})",
            )
            continue
        seen[key] = line
        out.append((line, MarkRecord(upn, day, session, code, minutes, comment)))
    if given is None:
        problems.raise_if_any()
    return out
