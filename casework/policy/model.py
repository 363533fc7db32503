"""What a policy is: its rules, bands and numbered tables, as the rules and machines read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class Band:
    """An attendance band: the rate from which it applies and its label.

    `inclusive` is False for a floor the rate must be above (the band below 90% attendance
    starts at 90.0% exactly, because exactly 90.0% is persistent absence).
    """

    name: str
    floor: float
    label: str
    inclusive: bool = True

    def holds(self, rate: float) -> bool:
        return rate >= self.floor if self.inclusive else rate > self.floor


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One rule as the policy declares it: its kind, its numbers and where they come from."""

    id: str
    kind: str
    params: dict[str, Any]
    reason: str  # template filled with the kind's facts, a sentence a parent could read
    action: str  # what a firing starts, in the school's terms
    source: str  # the policy or guidance the rule comes from
    opens: str = "attendance_concern"  # kind of case a finding opens, or "none"
    statutory: bool = False  # a national rule no preset may change (only its action and source)
    applies_to: str = "on_roll"  # or "compulsory_school_age": enforcement rules (s8 EA 1996)
    # The same finding told to staff: the kind's facts and {pupil}, the pupil's name. Without
    # one, staff read "{pupil}: " and the parent's sentence.
    staff_reason: str = ""
    # The letter a finding drafts (an id of the letters' catalogue), for a person to review
    # and send; "" for none.
    letter: str = ""


@dataclass(frozen=True, slots=True)
class Policy:
    id: str
    title: str
    source: str
    persistent_absence_at_least: float
    severe_absence_at_least: float
    bands: tuple[Band, ...]
    rules: dict[str, RuleSpec]
    sections: dict[str, Any] = field(default_factory=dict)  # other numbered tables
    # School weeks an attendance concern closed as "improved and sustained" cools off: a finding
    # of a rule already on it is recorded on it instead of opening a new concern ([cool_off]
    # school_weeks). None: the policy has no [cool_off] table, so no concern cools off.
    cool_off_school_weeks: int | None = None

    def band_for(self, attendance_rate: float | None) -> str | None:
        if attendance_rate is None:
            return None
        for band in self.bands:
            if band.holds(attendance_rate):
                return band.name
        return self.bands[-1].name if self.bands else None

    def section(self, name: str) -> dict[str, Any]:
        try:
            value = self.sections[name]
        except KeyError:
            raise PolicyError(f"policy {self.id} has no [{name}] table") from None
        if not isinstance(value, dict):
            raise PolicyError(f"policy {self.id}: [{name}] must be a table")
        return value
