"""Who may do what: the roles, and every rule about which role may open, record or take a step.

Permission is about the role only, never about the case's facts (that is what guards are for).
The role sets are declared with what they govern (a step, an evidence kind, a lifecycle); the
checks that read them are here, so that the CLI, the web app and the sweep ask the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    """A user's role: what the audit trail records and what permissions check."""

    ATTENDANCE_OFFICER = "attendance_officer"
    SENIOR_LEADER = "senior_leader"
    LA_OFFICER = "la_officer"
    TEACHER = "teacher"
    SYSTEM = "system"  # the daily sweep, firing what a deadline decides by itself


SCHOOL_STAFF = frozenset({Role.ATTENDANCE_OFFICER, Role.SENIOR_LEADER})
SLT = frozenset({Role.SENIOR_LEADER})
LA = frozenset({Role.LA_OFFICER})
SYSTEM = frozenset({Role.SYSTEM})

# Roles a person can be given; the system role belongs to the sweep alone.
PERSON_ROLES = tuple(r for r in Role if r is not Role.SYSTEM)


def role_words(role: Role | str) -> str:
    """`attendance officer`, as a refusal names the role."""
    return Role(role).value.replace("_", " ")


def with_article(words: str) -> str:
    """`an attendance officer`, `a senior leader`."""
    return f"{'an' if words[:1] in 'aeiou' else 'a'} {words}"


def roles_text(roles: Iterable[Role]) -> str:
    """`la_officer or senior_leader`, as a refusal says who may."""
    return " or ".join(sorted(r.value for r in roles))


def may(role: Role | str | None, allowed: frozenset[Role]) -> bool:
    """Whether `role` is one of the roles allowed to do something."""
    return role is not None and Role(role) in allowed


def sees_every_school(role: Role) -> bool:
    """The sweep works every school's cases; people see only what their reach allows."""
    return role is Role.SYSTEM


def sees_referrals_only(role: Role) -> bool:
    """An LA officer sees only the cases that reached the LA, from schools in their LA."""
    return role is Role.LA_OFFICER
