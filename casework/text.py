"""How Casework phrases dates, money, events and measures: once, for the CLI, pages and letters."""

from __future__ import annotations

from datetime import date


def long_date(day: date) -> str:
    """`23 March 2026`, as letters and guard reasons write a date."""
    return f"{day.day} {day:%B %Y}"
