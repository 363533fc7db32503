"""UPN check letter (DOMAIN.md section 2a)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.register import upn
from casework.register.upn import (
    CHECK_LETTERS,
    InvalidUPNError,
    check_letter,
    is_valid,
    make,
    validate,
)

DIGITS = "0123456789"


@pytest.mark.parametrize("value", ["B801200005001", "R674123101121", "P207000016049"])
def test_valid_upns(value: str) -> None:
    assert validate(value) == value
    assert is_valid(value)
    assert check_letter(value) == value[0]


def test_wrong_check_letter_names_expected_letter() -> None:
    with pytest.raises(InvalidUPNError, match="expected B"):
        validate("A801200005001")
    assert not is_valid("A801200005001")


def test_check_letter_by_hand() -> None:
    # B801200005001: 2*8 + 3*0 + 4*1 + 5*2 + 6*0 + 7*0 + 8*0 + 9*0 + 10*5 + 11*0 + 12*0 + 13*1
    # = 16 + 4 + 10 + 50 + 13 = 93; 93 mod 23 = 1 -> "B"
    assert check_letter("B801200005001") == "B"
    assert CHECK_LETTERS == "ABCDEFGHJKLMNPQRTUVWXYZ"
    assert len(CHECK_LETTERS) == 23


@pytest.mark.parametrize("value", ["", "B80120000500", "B8012000050011", "B801200005001 "])
def test_wrong_length(value: str) -> None:
    with pytest.raises(InvalidUPNError, match="13 characters"):
        validate(value)
    assert not is_valid(value)


@pytest.mark.parametrize(
    "value",
    [
        "B80120000X001",
        "B8012000-5001",
        "B801200 05001",
        "BA01200005001",
        # non-ASCII digits are digits to str.isdigit() but not in a UPN
        "B８01200005001",
        "B80120000500²",
        "B٨01200005001",
    ],
)
def test_non_digit_characters(value: str) -> None:
    with pytest.raises(InvalidUPNError):
        validate(value)
    assert not is_valid(value)


@pytest.mark.parametrize("value", ["b801200005001", "I801200005001", "1801200005001"])
def test_first_character_must_be_a_check_letter(value: str) -> None:
    with pytest.raises(InvalidUPNError, match="check letter"):
        validate(value)


@pytest.mark.parametrize("last", ["a", "I", "O", "S", "-", " "])
def test_last_character_must_be_digit_or_table_letter(last: str) -> None:
    body = "80120000500" + last
    with pytest.raises(InvalidUPNError):
        validate("B" + body)
    with pytest.raises(InvalidUPNError):
        make(body)


def test_temporary_upn_ending_in_a_letter() -> None:
    temporary = make("80120000500A")
    assert len(temporary) == 13
    assert temporary.endswith("A")
    assert validate(temporary) == temporary
    # the final letter counts as its index in the table (A=0): as B801200005001 (sum 93)
    # with 13*1 replaced by 13*0, sum 80, 80 mod 23 = 11 -> "M"
    assert temporary == "M80120000500A"
    changed = temporary[:5] + str((int(temporary[5]) + 1) % 10) + temporary[6:]
    assert not is_valid(changed)
    other_letter = temporary[:12] + "B"
    assert not is_valid(other_letter)


@pytest.mark.parametrize(
    "digits", ["", "8012000050", "8012000050011", "80120000X001", "８0120000500A"]
)
def test_make_rejects_malformed_input(digits: str) -> None:
    with pytest.raises(InvalidUPNError):
        make(digits)


def test_weights_detect_every_single_digit_change() -> None:
    # weight w in 2..13 and a digit change d in 1..9: w*d is never a multiple of 23 (a prime
    # larger than both), so every single-digit change alters the check letter.
    for weight in range(2, 14):
        for delta in range(1, 10):
            assert (weight * delta) % 23 != 0
    # the final letter (weight 13) likewise: letter changes are 1..22 apart.
    for delta in range(1, 23):
        assert (13 * delta) % 23 != 0


BODY = st.builds(
    lambda digits, last: digits + last,
    st.text(DIGITS, min_size=11, max_size=11),
    st.sampled_from(DIGITS + CHECK_LETTERS),
)


@given(BODY)
def test_make_is_always_valid(body: str) -> None:
    value = make(body)
    assert value[1:] == body
    assert is_valid(value)


@given(BODY, st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_is_invalid(body: str, position: int, delta: int) -> None:
    value = make(body)
    if not value[position].isdigit():
        position = 1  # the final character is a letter: change a digit elsewhere
    new_digit = str((int(value[position]) + delta) % 10)
    changed = value[:position] + new_digit + value[position + 1 :]
    assert changed != value
    assert not is_valid(changed)


@given(BODY, st.sampled_from(CHECK_LETTERS))
def test_any_final_letter_change_is_invalid(body: str, letter: str) -> None:
    value = make(body[:11] + "A")
    changed = value[:12] + letter
    assert is_valid(changed) is (letter == "A")


@given(st.text(DIGITS, min_size=11, max_size=11), st.integers(min_value=0, max_value=9))
def test_final_digit_and_letter_of_same_value_share_a_check_letter(digits: str, d: int) -> None:
    # What the weights cannot detect: swapping a final digit d for the letter with index d
    # (0 <-> A, 1 <-> B, ... 9 <-> K); both carry the same value, so both are valid.
    with_digit = make(digits + str(d))
    with_letter = with_digit[:12] + CHECK_LETTERS[d]
    assert is_valid(with_letter)
    assert with_letter == make(digits + CHECK_LETTERS[d])


def test_invalid_upn_error_is_a_value_error() -> None:
    assert issubclass(upn.InvalidUPNError, ValueError)


# -- hints for a UPN someone typed (issue 10, item 12) ---------------------------------------


def test_a_valid_upn_needs_no_hint() -> None:
    assert upn.hint("B801200005001") is None
    assert upn.hint(make("80120000500A")) is None  # a temporary UPN


def test_the_hint_says_the_length_is_wrong() -> None:
    assert upn.hint("B80120000500") == (
        "UPN 'B80120000500' must be 13 characters, not 12 "
        "(a UPN is a check letter and 12 more characters, like B801200005001)"
    )


def test_the_hint_says_a_character_is_not_a_digit() -> None:
    hint = upn.hint("B8012000O5001")
    assert hint is not None and "characters 2 to 12 must be digits" in hint


def test_the_hint_says_the_check_letter_does_not_match() -> None:
    assert upn.hint("A801200005001") == (
        "UPN 'A801200005001' has check letter A, expected B: a character is mistyped, "
        "or it is another pupil's number"
    )


@pytest.mark.parametrize("typed", ["b801200005001", " B801200005001", "B8012 00005001"])
def test_the_hint_gives_the_upn_meant_in_capitals_without_spaces(typed: str) -> None:
    hint = upn.hint(typed)
    assert hint is not None and hint.endswith("; did you mean B801200005001?")
