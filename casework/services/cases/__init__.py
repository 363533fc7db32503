"""Case actions and reads: commands that own a transaction, and queries that return read models.

`facts` loads what guards read; `writes` holds the session-level writes that the commands and
the daily sweep compose; `commands` and `queries` are what the edges call.
"""

from casework.services.cases.commands import add_evidence, fire, open_case
from casework.services.cases.queries import (
    CaseDetail,
    CaseSummary,
    DeadlineView,
    EventView,
    EvidenceView,
    Fired,
    list_cases,
    replay_state,
    show_case,
)
from casework.services.errors import CaseError, CaseNotFoundError, ConflictError

__all__ = [
    "CaseDetail",
    "CaseError",
    "CaseNotFoundError",
    "CaseSummary",
    "ConflictError",
    "DeadlineView",
    "EventView",
    "EvidenceView",
    "Fired",
    "add_evidence",
    "fire",
    "list_cases",
    "open_case",
    "replay_state",
    "show_case",
]
