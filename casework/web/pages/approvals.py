"""approvals pages (to come)."""

from typing import Any

ROUTES: list[Any] = []
