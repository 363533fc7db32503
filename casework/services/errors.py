"""What a service refuses, as data: each edge (CLI, web) words it and picks its exit code or status.

Messages are in the domain's words ("no case 12"); hints about how to put it right at one edge
("add one with casework user add") belong to that edge, which reads the fields.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """An action that cannot be done; the message says why."""


class NotFoundError(ServiceError, LookupError):
    """No such record, or none within the caller's reach (never said apart: that would leak)."""

    def __init__(self, record: str, key: Any, message: str | None = None) -> None:
        super().__init__(message or f"no {record} {key}")
        self.record = record
        self.key = key


class SchoolNotFoundError(NotFoundError):
    """No school matches, or several do and none was named (`several`)."""

    def __init__(
        self, urn: str | None, *, several: bool = False, message: str | None = None
    ) -> None:
        if message is not None:
            pass
        elif several:
            message = "there is more than one school"
        elif urn is None:
            message = "no school yet"
        else:
            message = f"no school with URN {urn}"
        super().__init__("school", urn, message)
        self.urn = urn
        self.several = several


class PupilNotFoundError(NotFoundError):
    """No pupil with the UPN within reach, or (`several`) one at more than one school."""

    def __init__(self, upn: str, message: str | None = None, *, several: bool = False) -> None:
        super().__init__("pupil", upn, message or f"no pupil with UPN {upn}")
        self.upn = upn
        self.several = several


class CaseError(ServiceError, ValueError):
    """A case action that cannot be done; the message says why, and `field` names the input
    at fault when there is one (a form shows the message next to it)."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class CasePupilNotFoundError(CaseError, PupilNotFoundError):
    """No pupil with the UPN a case action names, within reach: refused as a case action is,
    and not found (404) where a status is given."""

    def __init__(self, upn: str, message: str) -> None:
        PupilNotFoundError.__init__(self, upn, message)
        self.field = "upn"


class CaseNotFoundError(CaseError, NotFoundError):
    def __init__(self, case_id: int) -> None:
        NotFoundError.__init__(self, "case", case_id)


class ConflictError(CaseError):
    """Someone else changed the case first. What this person submitted is kept to try again."""

    def __init__(self, case_id: int, expected: int, actual: int, submitted: dict[str, Any]) -> None:
        super().__init__(
            f"case {case_id} was changed by someone else (you saw version {expected}, it is now "
            f"version {actual}); nothing was saved: look at the case again and retry"
        )
        self.case_id = case_id
        self.expected = expected
        self.actual = actual
        self.submitted = submitted


class LetterError(ServiceError, ValueError):
    """A letter that cannot be drafted, rendered or sent; the message names each missing
    fact or what else is wrong."""


class LetterNotFoundError(LetterError, NotFoundError):
    def __init__(self, letter_id: int) -> None:
        NotFoundError.__init__(self, "letter", letter_id)


class UserError(ServiceError, ValueError):
    """A user that cannot be added or found; the message says which and why."""


class UserNotFoundError(UserError, NotFoundError):
    def __init__(self, username: str) -> None:
        NotFoundError.__init__(self, "user", username, f"no user {username!r}")
        self.username = username


class LACodeNeededError(UserError):
    """An LA officer belongs to a local authority, so one must be given."""

    def __init__(self) -> None:
        super().__init__("an LA officer needs the local authority's code")


class RangeError(ServiceError, ValueError):
    """Dates that do not make a range the figures can be counted over."""


class FieldErrors(ServiceError, ValueError):
    """A form's values refused field by field: `fields` maps each field to what is wrong."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in fields.items()))
        self.fields = dict(fields)


class ImportConflictError(ServiceError):
    """Another import (or a person amending a mark) wrote some of the same rows while this
    import ran: nothing from this file was stored, and importing it again is safe."""

    def __init__(self, source: str) -> None:
        super().__init__(
            f"{source}: some of its rows were written by another import meanwhile; nothing "
            "from this file was stored: import it again (what is already there is left as it is)"
        )
        self.source = source


class ImportNotPermittedError(ServiceError):
    """Only the school's attendance staff and senior leaders import into its register."""
