"""Who may do what: the roles, and every rule about which role may open, record or take a step.

Permission is about the role only, never about the case's facts (that is what guards are for).
The role sets are declared with what they govern (a step, an evidence kind, a lifecycle); the
checks that read them are here, so that the CLI, the web app and the sweep ask the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from casework.register.school import SchoolConfig


class Role(StrEnum):
    """A user's role: what the audit trail records and what permissions check."""

    ATTENDANCE_OFFICER = "attendance_officer"
    SENIOR_LEADER = "senior_leader"
    LA_OFFICER = "la_officer"
    TEACHER = "teacher"
    SYSTEM = "system"  # the daily sweep, firing what a deadline decides by itself


# The system account: the daily sweep acts as it, and an import run without naming anyone is
# recorded against it. No person may name it.
SYSTEM_USERNAME = "casework-sweep"
SYSTEM_NAME = "Casework daily sweep"
SYSTEM_POSITION = "automatic"

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


@dataclass(frozen=True, slots=True)
class Standing:
    """What a person holds at their school beyond their role: the headship, or decisions the
    head has delegated to them in the school file (the law gives some decisions to the head
    alone, not to every senior leader)."""

    head: bool = False
    delegated: frozenset[str] = frozenset()  # names of the head's decisions ("leave")

    def decides(self, decision: str | None) -> bool:
        """Whether they may take a head's decision (None: a step that is not one)."""
        return decision is None or self.head or decision in self.delegated


NO_STANDING = Standing()


def _plain(words: str) -> str:
    return "".join(c for c in words.casefold() if c.isalnum())


def standing_at(school: SchoolConfig, *, username: str, name: str, position: str) -> Standing:
    """A person's standing at a school: head when they are the school file's head (by name or
    position); a delegate for each decision whose list names their username or position."""

    def same(a: str, b: str) -> bool:
        # "Head Teacher", "headteacher" and "Headteacher." are one position.
        return bool(_plain(a)) and _plain(a) == _plain(b)

    head = same(name, school.head.name) or same(position, school.head.position)
    delegated = frozenset(
        decision
        for decision, names in school.delegates.items()
        if any(same(n, username) or same(n, position) for n in names)
    )
    return Standing(head=head, delegated=delegated)


def decision_words(decision: str) -> str:
    """Who may take a head's decision, as a refusal says it."""
    return f"the head or a delegate the school file names in {decision}_delegates"


def may_take(
    role: Role | str | None,
    allowed: frozenset[Role],
    decision: str | None = None,
    standing: Standing = NO_STANDING,
) -> bool:
    """Whether `role` may take a step, and, for a head's decision, whether they hold it."""
    return may(role, allowed) and standing.decides(decision)


def sees_every_school(role: Role) -> bool:
    """The sweep works every school's cases; people see only what their reach allows."""
    return role is Role.SYSTEM


def sees_referrals_only(role: Role) -> bool:
    """An LA officer sees only the cases that reached the LA, from schools in their LA."""
    return role is Role.LA_OFFICER
