"""The case lifecycles: one declared machine per kind of case.

The lifecycles are loaded when first asked for (`casework.machines.LIFECYCLES`), not when a
module of this package is: who may do what (`casework.machines.roles`) is read by every
command and page, the machines with their guards and rules only by those that work cases.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from casework.machines.kinds import LIFECYCLES, OPENED_BY_HAND, lifecycle_of
    from casework.machines.lifecycle import Lifecycle
    from casework.machines.penalty_notice import related_facts

_WHERE = {
    "LIFECYCLES": "casework.machines.kinds",
    "OPENED_BY_HAND": "casework.machines.kinds",
    "lifecycle_of": "casework.machines.kinds",
    "Lifecycle": "casework.machines.lifecycle",
    "related_facts": "casework.machines.penalty_notice",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value  # once
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["LIFECYCLES", "OPENED_BY_HAND", "Lifecycle", "lifecycle_of", "related_facts"]
