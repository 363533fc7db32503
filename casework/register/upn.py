"""Unique pupil number (UPN) validation with the DfE check letter."""

from __future__ import annotations

CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


class InvalidUPNError(ValueError):
    """A UPN that is malformed or whose check letter does not match."""


class CheckLetterError(InvalidUPNError):
    """A well-formed UPN whose check letter does not match its digits (one mistyped, say)."""


def check_letter(upn: str) -> str:
    """The check letter for characters 2..13 of a UPN (weights 2..13, mod 23)."""
    total = 0
    for weight, char in enumerate(upn[1:13], start=2):
        total += weight * (int(char) if char.isdigit() else CHECK_LETTERS.index(char))
    return CHECK_LETTERS[total % 23]


_DIGITS = frozenset("0123456789")  # ASCII only: str.isdigit() also accepts "²", "８", "٨"


def _check_body(upn: str, body: str) -> None:
    """Characters 2..13: eleven ASCII digits, then a digit or a letter from CHECK_LETTERS."""
    if not all(c in _DIGITS for c in body[:11]):
        raise InvalidUPNError(f"UPN {upn!r}: characters 2 to 12 must be digits")
    last = body[11]
    if not (last in _DIGITS or last in CHECK_LETTERS):
        raise InvalidUPNError(
            f"UPN {upn!r}: the last character must be a digit or one of {CHECK_LETTERS}"
        )


def validate(upn: str) -> str:
    """Return the UPN if it is well formed with a matching check letter, else raise."""
    if len(upn) != 13:
        raise InvalidUPNError(f"UPN {upn!r} must be 13 characters, not {len(upn)}")
    first = upn[0]
    if first not in CHECK_LETTERS:
        raise InvalidUPNError(f"UPN {upn!r} must start with a check letter")
    _check_body(upn, upn[1:])
    expected = check_letter(upn)
    if first != expected:
        raise CheckLetterError(f"UPN {upn!r} has check letter {first}, expected {expected}")
    return upn


def is_valid(upn: str) -> bool:
    try:
        validate(upn)
    except InvalidUPNError:
        return False
    return True


def hint(typed: str) -> str | None:
    """What is wrong with a UPN someone typed, and the fix when it is plain (capitals, no
    spaces); None for a well-formed UPN with its check letter right."""
    try:
        validate(typed)
    except CheckLetterError as error:
        # Every single-digit change alters the check letter: a digit or the letter is wrong.
        return f"{error}: a character is mistyped, or it is another pupil's number"
    except InvalidUPNError as error:
        fixed = "".join(typed.split()).upper()
        if fixed != typed and is_valid(fixed):
            return f"{error}; did you mean {fixed}?"
        return f"{error} (a UPN is a check letter and 12 more characters, like B801200005001)"
    return None


def make(digits: str) -> str:
    """A valid UPN for 12 characters (11 digits and a digit or letter); for generated pupils."""
    if len(digits) != 12:
        raise InvalidUPNError(f"UPN body {digits!r} must be 12 characters, not {len(digits)}")
    _check_body(digits, digits)
    return check_letter("?" + digits) + digits
