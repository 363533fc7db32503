"""Read and write the DfE Common Transfer File (CTF) XML as casework records."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from xml.parsers import expat

from casework.interchange.csv_readers import LONGEST, MOST_CONTACTS, YEAR_GROUPS
from casework.interchange.limits import LARGEST, too_large
from casework.interchange.records import (
    ContactRecord,
    MarkRecord,
    PupilRecord,
    SourceSchool,
    Transfer,
)
from casework.register import codes, upn

__all__ = ["NO_MARK_CHARS", "CTFError", "parse_ctf", "write_ctf"]

# Characters that stand for "no mark" in a session slot (holidays, weekends of the
# register, days before the pupil joined); anything else must be a real code.
NO_MARK_CHARS = frozenset({"-", " ", ""})

_TRUE = frozenset({"true", "1", "y", "yes", "t"})
_FALSE = frozenset({"false", "0", "n", "no", "f"})
_SEX = {"M": "M", "F": "F", "MALE": "M", "FEMALE": "F"}
_PP_FLAGS = ("PupilPremium", "PupilPremiumIndicator", "PPindicator", "PPeligible", "EverFSM6")
_PHONE_NUMBER = ("PhoneNo", "TelephoneNumber", "Number", "PhoneNumber")
_FSM_YEARS = 6  # "Ever 6 FSM": free school meals at any point in the last six years

# Dates a CTF may hold: no pupil, term or free-meals record falls outside these years, and a
# date that does (9999-12-30, some systems' "no end") would run the register past the end of
# the calendar. Refused, naming the element, rather than stored.
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)
# A CTF's elements nest about eight deep (CTfile, CTFpupilData, Pupil, Contacts, Contact,
# Address, BS7666Address, PAON); far deeper nesting is an attack on the parser, refused as soon
# as it is seen rather than built into a tree.
DEEPEST = 40
# Sessions one AttendanceMarks may hold: a block holds a school year (at most 522 weekday
# sessions); this is enough for twenty, and refuses 10 MB of marks at once, before reading them.
MOST_SESSIONS = 20 * 522


class CTFError(ValueError):
    """A CTF that cannot be read or written; each problem names the source and line."""

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems: list[str] = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


# --- a small element tree that remembers the line each element started on ---


@dataclass(slots=True)
class _Node:
    tag: str
    line: int
    children: list[_Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def raw_text(self) -> str:
        return "".join(self.parts)

    @property
    def text(self) -> str:
        return self.raw_text.strip()

    def child(self, *names: str) -> _Node | None:
        """The first child with any of the names (case-insensitive: vendors differ)."""
        wanted = {n.lower() for n in names}
        for c in self.children:
            if c.tag.lower() in wanted:
                return c
        return None

    def all(self, name: str) -> list[_Node]:
        return [c for c in self.children if c.tag.lower() == name.lower()]

    def path(self, *steps: str) -> _Node | None:
        node: _Node | None = self
        for step in steps:
            if node is None:
                return None
            node = node.child(step)
        return node

    def value(self, *names: str) -> str | None:
        """Stripped text of the first child with one of the names; None if absent or empty."""
        c = self.child(*names)
        if c is None or not c.text:
            return None
        return c.text

    def descendants(self, name: str) -> Iterator[_Node]:
        for c in self.children:
            if c.tag.lower() == name.lower():
                yield c
            yield from c.descendants(name)


class _Refused(Exception):
    def __init__(self, line: int, what: str) -> None:
        super().__init__(what)
        self.line = line
        self.what = what


def _local(name: str) -> str:
    # A CTF has no namespaces, but a prefixed tag from some exporter still means the same.
    return name.rsplit(":", 1)[-1]


def _build_tree(data: bytes | str, source: str) -> _Node:
    if isinstance(data, str):
        data = data.removeprefix("\ufeff")
    parser = expat.ParserCreate()
    stack: list[_Node] = []
    root: list[_Node] = []

    def start(name: str, _attrs: dict[str, str]) -> None:
        if len(stack) >= DEEPEST:
            raise _Refused(
                parser.CurrentLineNumber,
                f"elements are nested more than {DEEPEST} deep (a CTF needs about 8)",
            )
        node = _Node(_local(name), parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(_name: str) -> None:
        stack.pop()

    def chars(text: str) -> None:
        if stack:
            stack[-1].parts.append(text)

    def doctype(*_args: object) -> None:
        # A CTF never needs a DTD; refusing one keeps entity tricks out.
        raise _Refused(parser.CurrentLineNumber, "a DOCTYPE is not allowed in a CTF")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = doctype
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        reason = expat.ErrorString(exc.code) if exc.code is not None else str(exc)
        raise CTFError(
            f"{source}: line {exc.lineno}: malformed XML: {reason} (column {exc.offset + 1})"
        ) from None
    except _Refused as exc:
        raise CTFError(f"{source}: line {exc.line}: {exc.what}") from None
    except (LookupError, ValueError) as exc:
        # The encoding the XML declaration names: unknown, not text, multi-byte or broken.
        raise CTFError(
            f"{source}: line {parser.CurrentLineNumber}: the encoding of the XML declaration "
            f"cannot be read ({exc})"
        ) from None
    return root[0]


# --- value parsing ---


def _parse_date(text: str) -> date:
    """A CTF date: YYYY-MM-DD, possibly followed by a time part."""
    head = text.strip().split("T", 1)[0].split(" ", 1)[0]
    return date.fromisoformat(head)


def _flag(text: str) -> bool | None:
    low = text.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    return None


def _version_major(text: str | None) -> int:
    match = re.search(r"\d+", text or "")
    return int(match.group()) if match else 0


def _academic_year(day: date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def _weekday_sessions(start: date) -> Iterator[tuple[date, str]]:
    """AM, PM, AM, PM... over consecutive weekdays from the start (CTF covers every weekday)."""
    day = start
    while True:
        if day.weekday() < 5:
            yield day, "AM"
            yield day, "PM"
        if day == date.max:  # marks said to run past the calendar's end have no day
            return
        day += timedelta(days=1)


# --- the parser ---


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.version = 0
        self.reference = date.today()
        self.school_key = ("", "")

    def problem(self, line: int, what: str) -> None:
        self.problems.append(f"{self.source}: line {line}: {what}")

    def warn(self, line: int, what: str) -> None:
        self.warnings.append(f"{self.source}: line {line}: {what}")

    def flag(self, node: _Node | None, where: str) -> bool | None:
        if node is None or not node.text:
            return None
        value = _flag(node.text)
        if value is None:
            self.warn(node.line, f"{where}: {node.tag} value {node.text!r} is not a yes/no flag")
        return value

    def date_of(self, node: _Node | None, where: str) -> date | None:
        """The date an element holds (None when it is absent or empty). One that is not a
        date, or is outside EARLIEST to LATEST, is a problem naming the element."""
        if node is None or not node.text:
            return None
        shown = node.text[:40]
        try:
            found = _parse_date(node.text)
        except ValueError:
            self.problem(node.line, f"{where}: {node.tag} {shown!r} is not a date (YYYY-MM-DD)")
            return None
        if not EARLIEST <= found <= LATEST:
            self.problem(
                node.line,
                f"{where}: {node.tag} {shown!r} is outside the years {EARLIEST.year} to "
                f"{LATEST.year}",
            )
            return None
        return found

    # header

    def header(self, root: _Node) -> SourceSchool | None:
        head = root.child("Header")
        if head is None:
            return None
        self.version = _version_major(head.value("CTFversion"))
        stamp = head.child("DateTime")
        self.reference = self.date_of(stamp, "header") or self.reference
        school = head.child("SourceSchool")
        if school is None:
            return None
        found = SourceSchool(
            la_code=school.value("LEA") or "",
            estab=school.value("Estab") or "",
            urn=school.value("URN") or "",
            name=school.value("SchoolName") or "",
            academic_year=school.value("AcademicYear") or "",
        )
        self.school_key = (found.la_code, found.estab)
        return found

    # pupils

    def pupil(
        self, node: _Node, seen: dict[str, int]
    ) -> tuple[PupilRecord | None, list[ContactRecord], list[MarkRecord]]:
        pupil_upn = self.upn(node, seen)
        who = f"pupil {pupil_upn}" if pupil_upn else "Pupil"

        surname = node.value("Surname")
        forename = node.value("Forename")
        for name, val in (("Surname", surname), ("Forename", forename)):
            if val is None:
                self.problem(node.line, f"{who} has no {name}")
        dob_node = node.child("DOB")
        if dob_node is None or not dob_node.text:
            self.problem(node.line, f"{who} has no DOB")
        dob = self.date_of(dob_node, who)

        contacts = self.contacts(node, pupil_upn, who) if pupil_upn else []
        marks = self.attendance(node, pupil_upn, who) if pupil_upn else []
        if not pupil_upn or surname is None or forename is None or dob is None:
            return None, contacts, marks

        details = node.child("BasicDetails") or _Node("BasicDetails", node.line)
        send, ehcp = self.sen(node)
        admission, leaving = self.school_dates(node, who)
        record = PupilRecord(
            upn=pupil_upn,
            surname=surname,
            forename=forename,
            date_of_birth=dob,
            sex=self.sex(node, who),
            year_group=(
                details.value("NCyearActual", "NCyearGroup", "YearGroup")
                or node.value("NCyearActual", "YearGroup")
                or ""
            ).upper(),
            pupil_premium=self.pupil_premium(node, details, who),
            send=send,
            ehcp=ehcp,
            looked_after=bool(
                self.flag(details.child("InCare", "LookedAfter") or node.child("InCare"), who)
            ),
            admission_date=admission,
            leaving_date=leaving,
        )
        self.fits(node.line, who, record)
        return record, contacts, marks

    def fits(self, line: int, where: str, record: PupilRecord | ContactRecord) -> None:
        """What the CSV readers check, so that a transfer file stores the same on every
        database: text no longer than its column, a year group that is one, a contact's
        priority from 1 to MOST_CONTACTS (SQLite would store any of these; PostgreSQL
        refuses them with a bare database error)."""
        for name, longest in LONGEST.items():
            value = getattr(record, name, "")
            if len(value) > longest:
                shown = f"{len(value):,} characters long; at most {longest} fit"
                self.problem(line, f"{where}: {name} is {shown}")
        if isinstance(record, PupilRecord) and record.year_group not in ("", *YEAR_GROUPS):
            self.problem(
                line,
                f"{where}: {record.year_group[:20]!r} is not a year group "
                "(one of N1, N2, R, 1 to 14, X; reception is R)",
            )
        if isinstance(record, ContactRecord) and not 1 <= record.priority <= MOST_CONTACTS:
            self.problem(
                line, f"{where}: Order {record.priority} must be from 1 to {MOST_CONTACTS}"
            )

    def upn(self, node: _Node, seen: dict[str, int]) -> str:
        """The pupil's UPN, or "" when it is missing, invalid or repeated (each a problem)."""
        upn_node = node.child("UPN")
        if upn_node is None or not upn_node.text:
            self.problem(node.line, "Pupil has no UPN")
            return ""
        try:
            found = upn.validate(upn_node.text)
        except upn.InvalidUPNError as exc:
            self.problem(upn_node.line, str(exc))
            return ""
        if found in seen:
            self.problem(upn_node.line, f"UPN {found} appears twice (first at line {seen[found]})")
            return ""
        seen[found] = upn_node.line
        return found

    def sex(self, node: _Node, who: str) -> str:
        found = node.child("Sex", "Gender")
        if found is None or not found.text:
            return ""
        sex = _SEX.get(found.text.upper())
        if sex is None:
            self.warn(found.line, f"{who}: {found.tag} {found.text!r} is not M or F; left blank")
            return ""
        return sex

    def pupil_premium(self, node: _Node, details: _Node, who: str) -> bool:
        for holder in (details, node, node.child("FSMhistory")):
            if holder is not None and self.flag(holder.child(*_PP_FLAGS), who):
                return True
        history = node.child("FSMhistory")
        if history is None:
            return False
        year = max(self.reference.year - _FSM_YEARS, 1)  # a file dated in year 1 still reads
        try:
            cutoff = self.reference.replace(year=year)
        except ValueError:  # 29 February
            cutoff = self.reference.replace(year=year, day=28)
        for instance in history.descendants("FSMinstance"):
            start = self.date_of(instance.child("FSMstartDate"), who)
            end_node = instance.child("FSMendDate")
            end = self.date_of(end_node, who)
            if start is None and end is None:
                continue
            # An open instance is current FSM; a closed one counts if it ended in the window.
            if end is None or end >= cutoff:
                return True
        return False

    def sen(self, node: _Node) -> tuple[bool, bool]:
        history = node.child("SENhistory")
        if history is None:
            return False, False
        provisions: list[tuple[date, int, str]] = []
        # Usually SENhistory/SEN/SENprovision; tolerate a provision straight under SENhistory.
        entries = [*history.all("SEN"), history]
        for entry in entries:
            prov = entry.child("SENprovision")
            if prov is None or not prov.text:
                continue
            started = entry.value("StartDate", "SENstartDate")
            try:
                when = _parse_date(started) if started else date.min
            except ValueError:
                when = date.min
            provisions.append((when, len(provisions), prov.text.upper()))
        if not provisions:
            return False, False
        # The latest provision describes the pupil now; S (statement) was the EHCP's predecessor.
        current = max(provisions)[2]
        return current != "N", current in ("E", "S")

    def school_dates(self, node: _Node, who: str) -> tuple[date | None, date | None]:
        history = node.child("SchoolHistory")
        if history is None:
            return None, None
        for school in history.all("School"):
            key = (school.value("LEA") or "", school.value("Estab") or "")
            if key == self.school_key:
                return (
                    self.date_of(school.child("EntryDate"), who),
                    self.date_of(school.child("LeavingDate"), who),
                )
        return None, None

    # contacts

    def address(self, node: _Node | None) -> str:
        if node is None:
            return ""
        parts: list[str] = []
        lines = node.child("AddressLines")
        bs = node.child("BS7666Address")
        if lines is not None:
            parts.extend(c.text for c in lines.children if c.text)
        elif bs is not None:
            paon, street = bs.value("PAON"), bs.value("Street")
            if bs.value("SAON"):
                parts.append(bs.value("SAON") or "")
            if paon and street:
                parts.append(f"{paon} {street}")
            else:
                parts.extend(p for p in (paon, street) if p)
            for name in ("Locality", "Town", "AdministrativeArea", "PostTown"):
                if bs.value(name):
                    parts.append(bs.value(name) or "")
        else:
            # Some exporters put the lines straight under Address.
            parts.extend(
                c.text
                for c in node.children
                if c.text and c.tag.lower() not in ("postcode", "zip", "country", "uniqueref")
            )
        for name in ("PostCode", "Zip"):
            if node.value(name):
                parts.append(node.value(name) or "")
        return ", ".join(parts)

    def contacts(self, node: _Node, pupil_upn: str, who: str) -> list[ContactRecord]:
        holder = node.child("Contacts")
        if holder is None:
            return []
        pupil_address = self.address(node.child("Address"))
        found: list[ContactRecord] = []
        named: dict[str, int] = {}  # a pupil's contacts are told apart by name
        for position, contact in enumerate(holder.all("Contact"), start=1):
            where = f"{who}, contact {position}"
            priority = position
            order = contact.child("Order", "Priority")
            if order is not None and order.text:
                try:
                    priority = int(order.text)
                except ValueError:
                    self.warn(order.line, f"{where}: Order {order.text!r} is not a number")
            name = contact.value("Name")
            if name is None:
                first = contact.value("Forename") or contact.value("Title")
                name = " ".join(p for p in (first, contact.value("Surname")) if p)
            own_address = self.address(contact.child("Address"))
            as_pupil = self.flag(contact.child("AddressAsPupil", "LivesWithPupil"), where)
            lives_with = as_pupil if as_pupil is not None else not own_address
            phone = ""
            for number in contact.descendants("Phone"):
                phone = number.value(*_PHONE_NUMBER) or number.text
                if phone:
                    break
            email_node = next(contact.descendants("Email"), None)
            found.append(
                ContactRecord(
                    upn=pupil_upn,
                    name=" ".join(name.split()),
                    relationship=contact.value("Relationship") or "",
                    parental_responsibility=bool(self.flag(contact.child("Responsibility"), where)),
                    lives_with_pupil=lives_with,
                    priority=priority,
                    phone=phone,
                    email=email_node.text if email_node is not None else "",
                    address=own_address or (pupil_address if as_pupil else ""),
                )
            )
            self.fits(contact.line, where, found[-1])
            same = named.setdefault(found[-1].name, position)
            if same != position:
                self.problem(
                    contact.line,
                    f"{where}: has the name {found[-1].name[:200]!r} of contact {same} too",
                )
        return found

    # attendance

    def attendance(self, node: _Node, pupil_upn: str, who: str) -> list[MarkRecord]:
        holder = node.child("Attendance")
        if holder is None:
            return []
        years = holder.all("YearData") or [holder]
        marks: list[MarkRecord] = []
        for year in years:
            marks.extend(self.year_data(year, pupil_upn, who))
        return marks

    def year_data(self, year: _Node, pupil_upn: str, who: str) -> list[MarkRecord]:
        blocks = [year, *year.all("AttendSessions")]
        marks: list[MarkRecord] = []
        any_marks = False
        for block in blocks:
            marks_node = block.child("AttendanceMarks")
            if marks_node is None or not marks_node.raw_text.strip():
                continue
            any_marks = True
            start_node = block.child("AttendanceStartDate")
            start = self.date_of(start_node, who)
            if start is None and start_node is not None and start_node.text:
                continue  # a problem already: not a date, or out of range
            if start is None:
                self.warn(
                    marks_node.line,
                    f"{who}: AttendanceMarks without an AttendanceStartDate; marks not imported",
                )
                continue
            marks.extend(self.marks(marks_node, start, pupil_upn, who))
        totals = {
            name: year.child(name)
            for name in ("SessionsPossible", "SessionsAuthorised", "SessionsUnauthorised")
        }
        has_totals = any(t is not None and t.text for t in totals.values())
        if not any_marks:
            if has_totals:
                self.warn(
                    year.line,
                    f"{who}: {year.tag} has session totals but no marks; totals not imported",
                )
            return marks
        self.check_totals(year, totals, marks, who)
        return marks

    def marks(self, node: _Node, start: date, pupil_upn: str, who: str) -> list[MarkRecord]:
        text = node.raw_text
        if "\n" in text:
            # Pretty-printed: the surrounding whitespace is layout, not "no mark" sessions.
            text = "".join(text.strip().split("\n"))
        text = text.replace("\r", "").replace("\t", "")
        comma = "," in text or (self.version >= 24 and text.strip() in codes.BY_CODE)
        # Counted before they are split: 10 MB of marks is refused without reading them.
        sessions = text.count(",") + 1 if comma else len(text)
        if sessions > MOST_SESSIONS:
            self.problem(
                node.line,
                f"{who}: AttendanceMarks holds {sessions:,} sessions; at most {MOST_SESSIONS:,} "
                "(twenty school years) fit in one",
            )
            return []
        weeks = sessions // 10 + 1  # ten sessions a week: the last one falls within these
        if start.toordinal() + 7 * weeks > LATEST.toordinal():
            self.problem(
                node.line,
                f"{who}: AttendanceMarks from {start.isoformat()} run past {LATEST.isoformat()}",
            )
            return []
        if comma:
            items = [item.strip() for item in text.split(",")]
            unit = "mark"
        else:
            items = list(text)
            unit = "character"
        found: list[MarkRecord] = []
        for index, ((day, session), code) in enumerate(
            zip(_weekday_sessions(start), items, strict=False), start=1
        ):
            if code in NO_MARK_CHARS:
                continue
            try:
                codes.lookup(code)
            except codes.UnknownCodeError:
                self.problem(
                    node.line,
                    f"pupil {pupil_upn}: unknown attendance code {code!r} "
                    f"at {unit} {index} of AttendanceMarks ({day.isoformat()} {session})",
                )
                continue
            found.append(MarkRecord(pupil_upn, day, session, code))
        return found

    def check_totals(
        self,
        year: _Node,
        totals: dict[str, _Node | None],
        marks: list[MarkRecord],
        who: str,
    ) -> None:
        defs = [codes.lookup(m.code) for m in marks]
        computed = {
            "SessionsPossible": sum(d.possible for d in defs),
            "SessionsAuthorised": sum(d.category is codes.Category.AUTHORISED for d in defs),
            "SessionsUnauthorised": sum(d.category is codes.Category.UNAUTHORISED for d in defs),
        }
        for name, total in totals.items():
            if total is None or not total.text:
                continue
            try:
                stated = int(total.text)
            except ValueError:
                self.warn(total.line, f"{who}: {name} {total.text!r} is not a number")
                continue
            if stated != computed[name]:
                self.warn(
                    total.line,
                    f"{who}: {name} says {stated} but the marks give {computed[name]}",
                )


def parse_ctf(data: bytes | str, source_name: str = "<ctf>") -> Transfer:
    """Read a CTF into records; problems raise CTFError, things not understood become warnings."""
    if len(data) > LARGEST["ctf"]:
        raise CTFError(f"{source_name}: {too_large('ctf')}")
    root = _build_tree(data, source_name)
    if root.tag.lower() != "ctfile":
        raise CTFError(f"{source_name}: line {root.line}: root element is {root.tag}, not CTfile")
    reader = _Reader(source_name)
    source = reader.header(root)
    pupils: list[PupilRecord] = []
    contacts: list[ContactRecord] = []
    marks: list[MarkRecord] = []
    seen: dict[str, int] = {}
    holder = root.child("CTFpupilData")
    for node in holder.all("Pupil") if holder is not None else []:
        record, found_contacts, found_marks = reader.pupil(node, seen)
        if record is not None:
            pupils.append(record)
        contacts.extend(found_contacts)
        marks.extend(found_marks)
    if reader.problems:
        raise CTFError(reader.problems)
    return Transfer(
        source=source,
        pupils=pupils,
        contacts=contacts,
        marks=_dedupe_marks(marks, reader),
        warnings=reader.warnings,
    )


def _dedupe_marks(marks: list[MarkRecord], reader: _Reader) -> list[MarkRecord]:
    """Overlapping YearData blocks may repeat a session: keep the first, say if they disagree."""
    kept: dict[tuple[str, date, str], MarkRecord] = {}
    for mark in marks:
        key = (mark.upn, mark.date, mark.session)
        first = kept.get(key)
        if first is None:
            kept[key] = mark
        elif first.code != mark.code:
            reader.warnings.append(
                f"{reader.source}: pupil {mark.upn}: {mark.date.isoformat()} {mark.session} "
                f"has marks {first.code!r} and {mark.code!r}; kept {first.code!r}"
            )
    return list(kept.values())


# --- the writer ---


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _yes(value: bool) -> str:
    return "true" if value else "false"


def _write_contact(parent: ET.Element, contact: ContactRecord) -> None:
    element = _sub(parent, "Contact")
    _sub(element, "Order", str(contact.priority))
    forename, _, surname = contact.name.rpartition(" ")
    if forename:
        _sub(element, "Forename", forename)
    if surname:
        _sub(element, "Surname", surname)
    if contact.relationship:
        _sub(element, "Relationship", contact.relationship)
    _sub(element, "Responsibility", _yes(contact.parental_responsibility))
    _sub(element, "AddressAsPupil", _yes(contact.lives_with_pupil))
    if contact.address:
        lines = _sub(_sub(element, "Address"), "AddressLines")
        for number, line in enumerate(contact.address.split(", "), start=1):
            _sub(lines, f"AddressLine{number}", line)
    if contact.phone:
        _sub(_sub(_sub(element, "Phones"), "Phone"), "PhoneNo", contact.phone)
    if contact.email:
        _sub(element, "Email", contact.email)


def _mark_items(marks: list[MarkRecord]) -> tuple[date, list[str]]:
    """The start date and one item per weekday session up to the last mark ("" = no mark)."""
    by_slot = {(m.date, m.session): m.code for m in marks}
    first = min(m.date for m in marks)
    last = max(by_slot)
    items: list[str] = []
    for slot in _weekday_sessions(first):
        items.append(by_slot.get(slot, ""))
        if slot == last:
            break
    return first, items


def _write_attendance(
    parent: ET.Element, pupil_upn: str, marks: list[MarkRecord], comma: bool, version: int
) -> None:
    problems: list[str] = []
    seen: dict[tuple[date, str], str] = {}
    for mark in marks:
        try:
            codes.lookup(mark.code)
        except codes.UnknownCodeError:
            problems.append(f"pupil {pupil_upn}: unknown attendance code {mark.code!r}")
        if mark.session not in ("AM", "PM"):
            problems.append(f"pupil {pupil_upn}: session {mark.session!r} is not AM or PM")
        if mark.date.weekday() >= 5:
            problems.append(
                f"pupil {pupil_upn}: {mark.date.isoformat()} is a weekend; a CTF has no slot for it"
            )
        if not comma and len(mark.code) != 1:
            problems.append(
                f"pupil {pupil_upn}: code {mark.code!r} has two characters: "
                "only the comma-separated form carries it"
            )
        previous = seen.setdefault((mark.date, mark.session), mark.code)
        if previous != mark.code:
            problems.append(
                f"pupil {pupil_upn}: {mark.date.isoformat()} {mark.session} has two marks"
            )
    if problems:
        raise CTFError(problems)
    attendance = _sub(parent, "Attendance")
    by_year: dict[int, list[MarkRecord]] = {}
    for mark in marks:
        by_year.setdefault(_academic_year(mark.date), []).append(mark)
    for year in sorted(by_year):
        year_marks = by_year[year]
        defs = [codes.lookup(m.code) for m in year_marks]
        block = _sub(attendance, "YearData")
        _sub(block, "Year", str(year))
        _sub(block, "SessionsPossible", str(sum(d.possible for d in defs)))
        authorised = sum(d.category is codes.Category.AUTHORISED for d in defs)
        unauthorised = sum(d.category is codes.Category.UNAUTHORISED for d in defs)
        _sub(block, "SessionsAuthorised", str(authorised))
        _sub(block, "SessionsUnauthorised", str(unauthorised))
        start, items = _mark_items(year_marks)
        sessions = _sub(block, "AttendSessions")
        _sub(sessions, "AttendanceStartDate", start.isoformat())
        if comma:
            text = ",".join(items)
            if len(items) == 1 and version < 24:
                text += ","  # before CTF 24 a lone code without a comma reads as characters
        else:
            text = "".join(item or "-" for item in items)
        _sub(sessions, "AttendanceMarks", text)


def write_ctf(
    transfer: Transfer,
    *,
    ctf_version: str = "25.0",
    comma_separated: bool = True,
    created: datetime | None = None,
) -> bytes:
    """A CTF document for the transfer that parse_ctf reads back to the same records."""
    version = _version_major(ctf_version)
    known = {p.upn for p in transfer.pupils}
    mentioned = {c.upn for c in transfer.contacts} | {m.upn for m in transfer.marks}
    strays = sorted(mentioned - known)
    if strays:
        raise CTFError(f"contacts or marks for UPNs not among the pupils: {', '.join(strays)}")

    root = ET.Element("CTfile")
    header = _sub(root, "Header")
    _sub(header, "DocumentName", "Common Transfer File")
    _sub(header, "CTFversion", ctf_version)
    stamp = created or datetime.now().replace(microsecond=0)
    _sub(header, "DateTime", stamp.isoformat())
    _sub(header, "DocumentQualifier", "partial")
    _sub(header, "SupplierID", "casework")
    if transfer.source is not None:
        school = _sub(header, "SourceSchool")
        _sub(school, "LEA", transfer.source.la_code)
        _sub(school, "Estab", transfer.source.estab)
        _sub(school, "URN", transfer.source.urn)
        _sub(school, "SchoolName", transfer.source.name)
        _sub(school, "AcademicYear", transfer.source.academic_year)

    data = _sub(root, "CTFpupilData")
    for pupil in transfer.pupils:
        element = _sub(data, "Pupil")
        _sub(element, "UPN", pupil.upn)
        _sub(element, "Surname", pupil.surname)
        _sub(element, "Forename", pupil.forename)
        _sub(element, "DOB", pupil.date_of_birth.isoformat())
        if pupil.sex:
            # CTF 25 renamed Gender to Sex.
            _sub(element, "Sex" if version >= 25 else "Gender", pupil.sex)
        details = _sub(element, "BasicDetails")
        if pupil.year_group:
            _sub(details, "NCyearActual", pupil.year_group)
        _sub(details, "InCare", _yes(pupil.looked_after))
        if pupil.pupil_premium:
            # Not a DfE schema element as far as we know; our own reader honours it.
            _sub(details, "PupilPremium", "true")
        if pupil.send or pupil.ehcp:
            sen = _sub(_sub(element, "SENhistory"), "SEN")
            _sub(sen, "SENprovision", "E" if pupil.ehcp else "K")
        if pupil.admission_date or pupil.leaving_date:
            school_entry = _sub(_sub(element, "SchoolHistory"), "School")
            if transfer.source is not None:
                _sub(school_entry, "LEA", transfer.source.la_code)
                _sub(school_entry, "Estab", transfer.source.estab)
                _sub(school_entry, "SchoolName", transfer.source.name)
            if pupil.admission_date:
                _sub(school_entry, "EntryDate", pupil.admission_date.isoformat())
            if pupil.leaving_date:
                _sub(school_entry, "LeavingDate", pupil.leaving_date.isoformat())
        pupil_contacts = [c for c in transfer.contacts if c.upn == pupil.upn]
        if pupil_contacts:
            holder = _sub(element, "Contacts")
            for contact in pupil_contacts:
                _write_contact(holder, contact)
        pupil_marks = [m for m in transfer.marks if m.upn == pupil.upn]
        if pupil_marks:
            _write_attendance(element, pupil.upn, pupil_marks, comma_separated, version)

    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
