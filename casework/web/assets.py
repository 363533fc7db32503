"""The vendored front-end files, found by name so that templates never spell a version."""

from __future__ import annotations

from functools import cache
from pathlib import Path

STATIC = Path(__file__).parent / "static"


@cache
def url(name: str, suffix: str) -> str:
    """`/static/htmx-2.0.11.min.js` for ("htmx", ".js"): the vendored file of that name."""
    found = sorted(
        p.name
        for p in STATIC.iterdir()
        if p.name.startswith(f"{name}-") and p.name.endswith(suffix)
    )
    if not found:
        raise FileNotFoundError(f"no vendored {name}*{suffix} in {STATIC}")
    return f"/static/{found[-1]}"
