"""Register attendance codes (2024 regulations and legacy 2006 codes) and what each counts as."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    """Statistical category of a register mark (DfE school absence methodology)."""

    PRESENT = "present"
    APPROVED_ACTIVITY = "approved_activity"
    AUTHORISED = "authorised_absence"
    UNAUTHORISED = "unauthorised_absence"
    NOT_POSSIBLE = "not_possible"
    ADMINISTRATIVE = "administrative"


@dataclass(frozen=True, slots=True)
class AttendanceCode:
    """One register code with the facts the statistics and rules need."""

    code: str
    meaning: str
    category: Category
    legacy: bool = False  # only in the 2006 code set; still found in older data
    late: bool = False  # arrival after the register opened (L before close, U after)

    @property
    def possible(self) -> bool:
        """Whether a session with this mark is a possible session."""
        return self.category not in (Category.NOT_POSSIBLE, Category.ADMINISTRATIVE)

    @property
    def attending(self) -> bool:
        """Present or at an approved educational activity: counts as attendance."""
        return self.category in (Category.PRESENT, Category.APPROVED_ACTIVITY)

    @property
    def absent(self) -> bool:
        return self.category in (Category.AUTHORISED, Category.UNAUTHORISED)

    @property
    def unauthorised(self) -> bool:
        """Counts towards unauthorised-absence thresholds (G, N, O, U)."""
        return self.category is Category.UNAUTHORISED


_P = Category.PRESENT
_AA = Category.APPROVED_ACTIVITY
_A = Category.AUTHORISED
_U = Category.UNAUTHORISED
_NP = Category.NOT_POSSIBLE
_ADM = Category.ADMINISTRATIVE

CODES: tuple[AttendanceCode, ...] = (
    AttendanceCode("/", "present (morning)", _P),
    AttendanceCode("\\", "present (afternoon)", _P),
    AttendanceCode("L", "late, arrived before the register closed", _P, late=True),
    AttendanceCode("K", "attending education provision arranged by the local authority", _AA),
    AttendanceCode("V", "attending an educational visit or trip", _AA),
    AttendanceCode("P", "participating in a sporting activity", _AA),
    AttendanceCode("W", "attending work experience", _AA),
    AttendanceCode("B", "attending any other approved educational activity", _AA),
    AttendanceCode("C", "leave of absence for exceptional circumstances", _A),
    AttendanceCode("C1", "leave for a regulated performance or regulated employment abroad", _A),
    AttendanceCode("C2", "leave for a part-time timetable", _A),
    AttendanceCode("M", "leave for a medical or dental appointment", _A),
    AttendanceCode("J1", "leave to attend an interview", _A),
    AttendanceCode("S", "study leave", _A),
    AttendanceCode("T", "parent travelling for occupational purposes (mobile child)", _A),
    AttendanceCode("R", "religious observance", _A),
    AttendanceCode("I", "illness", _A),
    AttendanceCode("E", "suspended or permanently excluded, no alternative provision", _A),
    AttendanceCode("G", "holiday not granted by the school", _U),
    AttendanceCode("N", "reason for absence not yet established", _U),
    AttendanceCode("O", "absent in other or unknown circumstances", _U),
    AttendanceCode("U", "arrived in school after the register closed", _U, late=True),
    AttendanceCode("D", "dual registered, attending the other school", _NP),
    AttendanceCode("X", "not required to attend: non-compulsory school age", _NP),
    AttendanceCode(
        "Q", "unable to attend: the local authority has not made access arrangements", _NP
    ),
    AttendanceCode("Y1", "unable to attend: transport not provided", _NP),
    AttendanceCode("Y2", "unable to attend: widespread travel disruption", _NP),
    AttendanceCode("Y3", "unable to attend: part of the school premises closed", _NP),
    AttendanceCode("Y4", "unable to attend: whole school site unexpectedly closed", _NP),
    AttendanceCode("Y5", "unable to attend: in criminal justice detention", _NP),
    AttendanceCode("Y6", "unable to attend: public health guidance or law", _NP),
    AttendanceCode("Y7", "unable to attend: any other unavoidable cause", _NP),
    AttendanceCode("Z", "pupil not yet on roll", _ADM),
    AttendanceCode("#", "planned whole or partial school closure", _ADM),
    # 2006 codes no longer in the 2024 set; kept so that older registers still import.
    AttendanceCode("J", "interview (2006 code: approved educational activity)", _AA, legacy=True),
    AttendanceCode("H", "agreed family holiday (2006 code)", _A, legacy=True),
    AttendanceCode("F", "agreed extended family holiday (2006 code)", _A, legacy=True),
    AttendanceCode(
        "Y", "unable to attend due to exceptional circumstances (2006 code)", _NP, legacy=True
    ),
)

BY_CODE: dict[str, AttendanceCode] = {c.code: c for c in CODES}

# Small integer ids for array storage: 0 means "no mark"; ids never change order.
CODE_ID: dict[str, int] = {c.code: i + 1 for i, c in enumerate(CODES)}
NO_MARK = 0


class UnknownCodeError(ValueError):
    """A register code outside the 2024 and 2006 sets."""

    def __init__(self, code: str) -> None:
        super().__init__(f"unknown attendance code {code!r}")
        self.code = code


def lookup(code: str) -> AttendanceCode:
    """The code's definition; an unknown code is an error, never a guess."""
    try:
        return BY_CODE[code]
    except KeyError:
        raise UnknownCodeError(code) from None


def codes_in(category: Category) -> frozenset[str]:
    return frozenset(c.code for c in CODES if c.category is category)


def code_for_id(code_id: int) -> str:
    """The code stored as `code_id`; 0 (NO_MARK) and ids outside the table are errors."""
    if not 1 <= code_id <= len(CODES):
        raise ValueError(f"no attendance code has id {code_id}")
    return CODES[code_id - 1].code
