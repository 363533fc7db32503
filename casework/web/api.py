"""The JSON API under /api (to come)."""

from typing import Any

ROUTES: list[Any] = []
