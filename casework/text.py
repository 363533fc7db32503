"""How Casework phrases dates, money, events and measures: once, for the CLI, pages and letters."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=4096)
def long_date(day: date) -> str:
    """`23 March 2026`, as letters and guard reasons write a date (kept: a sweep writes the
    same few dates into tens of thousands of sentences)."""
    return f"{day.day} {day:%B %Y}"


def words(name: str) -> str:
    """`attendance_concern` as `attendance concern`: an identifier read as words."""
    return name.replace("_", " ")


def in_sentence(label: str) -> str:
    """A label as it reads inside a sentence: `Formal support with the LA` as `formal support
    with the LA` (only its first letter lowered, so that LA, SLT and names keep their case)."""
    return label[:1].lower() + label[1:]


def money(amount: float) -> str:
    return f"£{amount:.2f}"


# Percentages are shown to two decimal places everywhere a person reads one (the sweep's
# sentences say "10.34%"), so that one figure never reads differently in two places.
PERCENT_PLACES = 2


def percent(value: float | None) -> str:
    """`89.66%`: a rate as the CLI and pages show it; blank when there is nothing to divide."""
    return "" if value is None else f"{value:.{PERCENT_PLACES}f}%"


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """`1 pupil`, `2 pupils`, `0 cases`: a count with its noun in the right number."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def detail_line(key: str, value: Any) -> str | None:
    """One line of a case's details (`Full amount: £160.00`); None for what is not a line."""
    label = words(key).capitalize()
    if value is None:
        return None  # cleared, e.g. the LA's decision on an earlier referral
    if isinstance(value, dict):  # a live measure, e.g. the penalty threshold count
        if "count" in value:
            return f"{label}: {value['count']} of {value['threshold']} sessions {value['window']}"
        if "decision" in value:
            return f"LA decision: {la_decision_words(value, by='')}"
        return None
    if isinstance(value, bool):
        return f"{label}: {yes_no(value)}"
    shown = money(value) if key.endswith("amount") and isinstance(value, float) else value
    return f"{label}: {shown}"


def la_decision_words(decision: dict[str, Any], by: str = " by the LA") -> str:
    """`returned by the LA on 4 February 2026: no home visit notes`."""
    said = f": {decision['reason']}" if decision.get("reason") else ""
    on = long_date(date.fromisoformat(str(decision["on"])))
    return f"{words(str(decision['decision']))}{by} on {on}{said}"


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


def yes_no(value: Any) -> Any:
    """`yes` or `no` for a true/false value; any other value as it is."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def value_words(value: Any) -> str:
    """A stored value as a person reads it: dates written out, identifiers as words."""
    if isinstance(value, bool):
        return str(yes_no(value))
    if isinstance(value, str):
        try:
            return long_date(date.fromisoformat(value)) if len(value) == 10 else words(value)
        except ValueError:
            return words(value) if value.isidentifier() else value
    return str(value)


def shown_details(details: dict[str, Any]) -> dict[str, Any]:
    """Evidence details as staff see them: without the marks a finding cites, and a finding's
    sentence for staff in place of the one for parents."""
    hidden = {"marks", "reason"} if details.get("staff_reason") else {"marks"}
    return {key: value for key, value in details.items() if key not in hidden}


def evidence_details(details: dict[str, Any]) -> str:
    """`Outcome: parent seen; signed on: 19 January 2026`, as `shown_details` keeps them."""
    return "; ".join(
        f"{words(key)}: {value_words(value)}" for key, value in shown_details(details).items()
    )


def short_date(day: date) -> str:
    """`19 Jan 2026`, for tables where a long date would wrap."""
    return f"{day.day} {day:%b %Y}"


CHANNEL_WORDS = {"post": "by post", "hand": "by hand", "email": "by email"}


def channel_words(channel: str | None) -> str:
    """`by post`: how a letter went, as a page says it."""
    return CHANNEL_WORDS.get(channel or "", f"by {channel}" if channel else "")
