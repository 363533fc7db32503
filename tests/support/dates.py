"""The date helper of the tests: `d("2026-01-19")` reads an ISO date (a date passes through)."""

from __future__ import annotations

from datetime import date


def d(text: str | date) -> date:
    return text if isinstance(text, date) else date.fromisoformat(text)
