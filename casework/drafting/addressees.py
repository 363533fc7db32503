"""Who receives a letter: each parent with parental responsibility, the carer the pupil lives
with, or the LA (s576 Education Act 1996; DOMAIN.md 4, "Parent")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

PARENT = "parent"
CARER = "carer"
LA = "la"


@dataclass(frozen=True, slots=True)
class ContactDetails:
    """A contact as a letter needs them: who they are to the pupil and where they live."""

    name: str
    relationship: str
    parental_responsibility: bool
    lives_with_pupil: bool
    address: str
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Addressee:
    name: str
    kind: str  # parent, carer or la
    relationship: str
    address: tuple[str, ...]
    contact_id: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "relationship": self.relationship,
            "address": list(self.address),
        }


def address_lines(address: str | Sequence[str]) -> tuple[str, ...]:
    """An address as the lines of an envelope: split on new lines and commas."""
    parts = re.split(r"[\n,]", address) if isinstance(address, str) else address
    return tuple(line.strip() for line in parts if line.strip())


def family_addressees(
    pupil_name: str, contacts: Sequence[ContactDetails]
) -> tuple[list[Addressee], list[str]]:
    """One addressee per parent with parental responsibility and per carer the pupil lives
    with who has none, in the school's order; and what stops a letter reaching each (a missing
    address), or that there is no one to write to."""
    home = next(
        (address_lines(c.address) for c in contacts if c.lives_with_pupil and c.address.strip()),
        (),
    )
    out: list[Addressee] = []
    missing: list[str] = []
    for contact in contacts:
        if not (contact.parental_responsibility or contact.lives_with_pupil):
            continue  # a grandparent or a neighbour named for emergencies: no letters
        lines = address_lines(contact.address) or (home if contact.lives_with_pupil else ())
        if not lines:
            where = "" if contact.lives_with_pupil else ", who does not live with the pupil"
            missing.append(f"no address for {contact.name} ({contact.relationship.lower()}{where})")
            continue
        kind = PARENT if contact.parental_responsibility else CARER
        out.append(Addressee(contact.name, kind, contact.relationship, lines, contact.id))
    if not out and not missing:
        missing.append(
            f"no contact with parental responsibility for {pupil_name}, and no carer the "
            "pupil lives with"
        )
    return out, missing
