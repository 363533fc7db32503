"""Register codes: categories and flags as DOMAIN.md section 2 defines them."""

from __future__ import annotations

import pytest

from casework.register import codes
from casework.register.codes import (
    CODE_ID,
    CODES,
    NO_MARK,
    Category,
    UnknownCodeError,
    code_for_id,
    codes_in,
    lookup,
)

P = Category.PRESENT
AA = Category.APPROVED_ACTIVITY
A = Category.AUTHORISED
U = Category.UNAUTHORISED
NP = Category.NOT_POSSIBLE
ADM = Category.ADMINISTRATIVE

# Written by hand from DOMAIN.md section 2, not derived from the module.
# code, category, possible, attending, unauthorised, late, legacy
TABLE: list[tuple[str, Category, bool, bool, bool, bool, bool]] = [
    # present
    ("/", P, True, True, False, False, False),
    ("\\", P, True, True, False, False, False),
    ("L", P, True, True, False, True, False),
    # attending an approved educational activity
    ("K", AA, True, True, False, False, False),
    ("V", AA, True, True, False, False, False),
    ("P", AA, True, True, False, False, False),
    ("W", AA, True, True, False, False, False),
    ("B", AA, True, True, False, False, False),
    # authorised absence
    ("C", A, True, False, False, False, False),
    ("C1", A, True, False, False, False, False),
    ("C2", A, True, False, False, False, False),
    ("M", A, True, False, False, False, False),
    ("J1", A, True, False, False, False, False),
    ("S", A, True, False, False, False, False),
    ("T", A, True, False, False, False, False),
    ("R", A, True, False, False, False, False),
    ("I", A, True, False, False, False, False),
    ("E", A, True, False, False, False, False),
    # unauthorised absence (G, N, O, U count towards unauthorised thresholds)
    ("G", U, True, False, True, False, False),
    ("N", U, True, False, True, False, False),
    ("O", U, True, False, True, False, False),
    ("U", U, True, False, True, True, False),
    # not a possible session
    ("D", NP, False, False, False, False, False),
    ("X", NP, False, False, False, False, False),
    ("Q", NP, False, False, False, False, False),
    ("Y1", NP, False, False, False, False, False),
    ("Y2", NP, False, False, False, False, False),
    ("Y3", NP, False, False, False, False, False),
    ("Y4", NP, False, False, False, False, False),
    ("Y5", NP, False, False, False, False, False),
    ("Y6", NP, False, False, False, False, False),
    ("Y7", NP, False, False, False, False, False),
    # administrative
    ("Z", ADM, False, False, False, False, False),
    ("#", ADM, False, False, False, False, False),
    # legacy 2006 codes
    ("J", AA, True, True, False, False, True),
    ("H", A, True, False, False, False, True),
    ("F", A, True, False, False, False, True),
    ("Y", NP, False, False, False, False, True),
]

ALL = [row[0] for row in TABLE]


def test_table_has_no_duplicates() -> None:
    assert len(ALL) == len(set(ALL)) == 38


def test_module_defines_exactly_the_domain_codes() -> None:
    assert sorted(c.code for c in CODES) == sorted(ALL)


@pytest.mark.parametrize(
    ("code", "category", "possible", "attending", "unauthorised", "late", "legacy"),
    TABLE,
    ids=ALL,
)
def test_code_facts(
    code: str,
    category: Category,
    possible: bool,
    attending: bool,
    unauthorised: bool,
    late: bool,
    legacy: bool,
) -> None:
    c = lookup(code)
    assert c.code == code
    assert c.category is category
    assert c.possible is possible
    assert c.attending is attending
    assert c.unauthorised is unauthorised
    assert c.absent is (category in (A, U))
    assert c.late is late
    assert c.legacy is legacy
    assert c.meaning


@pytest.mark.parametrize("category", list(Category))
def test_codes_in_category(category: Category) -> None:
    assert codes_in(category) == {row[0] for row in TABLE if row[1] is category}


def test_unauthorised_threshold_codes_are_g_n_o_u() -> None:
    assert {c.code for c in CODES if c.unauthorised} == {"G", "N", "O", "U"}


def test_late_codes_l_present_u_unauthorised() -> None:
    assert {c.code for c in CODES if c.late} == {"L", "U"}
    assert lookup("L").attending and lookup("L").possible
    assert lookup("U").unauthorised and not lookup("U").attending


def test_legacy_codes_are_h_f_j_y() -> None:
    assert {c.code for c in CODES if c.legacy} == {"H", "F", "J", "Y"}


@pytest.mark.parametrize(
    ("code", "legacy_neighbour"),
    [("C1", "C"), ("C2", "C"), ("J1", "J"), *((f"Y{i}", "Y") for i in range(1, 8))],
)
def test_two_character_codes_are_first_class(code: str, legacy_neighbour: str) -> None:
    c = lookup(code)
    assert c.code == code
    assert len(c.code) == 2
    assert not c.legacy
    assert c is not lookup(legacy_neighbour)
    assert code_for_id(CODE_ID[code]) == code
    assert CODE_ID[code] != CODE_ID[legacy_neighbour]


def test_j1_is_authorised_while_legacy_j_was_approved_activity() -> None:
    assert lookup("J1").category is A
    assert lookup("J").category is AA


@pytest.mark.parametrize(
    "code", ["A", "Y8", "Y0", "", "c1", "l", "y1", " /", "/ ", "CC", "C3", "J2", "//", "0"]
)
def test_unknown_code_raises_naming_it(code: str) -> None:
    with pytest.raises(UnknownCodeError) as info:
        lookup(code)
    assert info.value.code == code
    assert repr(code) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_code_ids_unique_start_at_one_and_contiguous() -> None:
    ids = sorted(CODE_ID.values())
    assert ids == list(range(1, len(CODES) + 1))
    assert NO_MARK == 0
    assert NO_MARK not in ids
    assert set(CODE_ID) == set(ALL)


@pytest.mark.parametrize("code", ALL)
def test_code_id_round_trip(code: str) -> None:
    assert code_for_id(CODE_ID[code]) == code


@pytest.mark.parametrize("code_id", [NO_MARK, -1, -len(ALL), len(ALL) + 1, 1000])
def test_code_for_id_rejects_ids_without_a_code(code_id: int) -> None:
    # id 0 means "no mark": it must not silently come back as the last code (legacy Y).
    with pytest.raises(ValueError, match=str(code_id)):
        code_for_id(code_id)


def test_by_code_matches_lookup() -> None:
    for code in ALL:
        assert codes.BY_CODE[code] is lookup(code)
