"""How Casework phrases dates, money, events and measures: once, for the CLI, pages and letters."""

from __future__ import annotations

from datetime import date
from typing import Any


def long_date(day: date) -> str:
    """`23 March 2026`, as letters and guard reasons write a date."""
    return f"{day.day} {day:%B %Y}"


def words(name: str) -> str:
    """`attendance_concern` as `attendance concern`: an identifier read as words."""
    return name.replace("_", " ")


def money(amount: float) -> str:
    return f"£{amount:.2f}"


def detail_line(key: str, value: Any) -> str | None:
    """One line of a case's details (`Full amount: £160.00`); None for what is not a line."""
    label = words(key).capitalize()
    if isinstance(value, dict):  # a live measure, e.g. the penalty threshold count
        if "count" in value:
            return f"{label}: {value['count']} of {value['threshold']} sessions {value['window']}"
        return None
    shown = money(value) if key.endswith("amount") and isinstance(value, float) else value
    return f"{label}: {shown}"


def event_what(
    action: str, trigger: str | None, from_state: str | None, to_state: str | None, evidence: Any
) -> str:
    """What an event in a case's chronology did, in a few words."""
    if action == "transition":
        return f"{trigger}: {from_state} -> {to_state}"
    if action == "opened":
        return f"opened in {to_state}"
    if evidence:
        return f"{action} {evidence}"
    return action
