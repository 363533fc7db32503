"""What each letter cannot be drafted without: a check per fact, naming what is missing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from casework.drafting.catalogue import LA, LetterSpec


@dataclass(frozen=True, slots=True)
class Need:
    """A fact a letter needs: how to tell it is there, and what to say when it is not (the
    sentence may name the pupil, `{pupil}`, and the case, `{case}`)."""

    present: Callable[[dict[str, Any]], Any]
    missing: str


def _has(*path: str) -> Callable[[dict[str, Any]], Any]:
    def present(facts: dict[str, Any]) -> Any:
        value: Any = facts
        for key in path:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    return present


# Every letter: the letterhead, the pupil and the signatory. The school file holds the first
# and the last, so the message says where to put them right.
COMMON = (
    Need(
        _has("school", "address"), "no school address (address under [school] in the school file)"
    ),
    Need(
        _has("signatory", "name"),
        "no signatory's name (head or attendance_lead in the school file)",
    ),
    Need(_has("pupil", "name"), "no pupil name"),
)
TO_LA = (
    Need(_has("la", "name"), "no LA name (name under [la] in the school file)"),
    Need(_has("la", "address"), "no LA address (address under [la] in the school file)"),
)

NEEDS: dict[str, Need] = {
    "case": Need(_has("case", "id"), "no case: this letter is drafted on a case"),
    "finding": Need(_has("finding", "marks"), "no finding with the sessions behind it on the case"),
    "meeting": Need(
        _has("meeting", "date"),
        "no meeting arranged (record meeting_arranged with its date, time and place)",
    ),
    "plan": Need(
        _has("plan", "review_date"), "no attendance plan on the case (record signed_plan)"
    ),
    "contract": Need(
        _has("contract", "review_date"),
        "no attendance contract on the case (record attendance_contract)",
    ),
    "notice": Need(_has("notice", "issued_on"), "no notice to improve issued on the case"),
    "leave": Need(_has("leave", "start"), "no leave request: this letter is drafted on one"),
    "penalty": Need(
        _has("policy", "sections", "penalty_notice", "full_amount"),
        "no penalty notice amounts ([penalty_notice] in the school's policy)",
    ),
    "medical_evidence_request_sent": Need(
        _has("medical_evidence_request", "sent_on"),
        "no medical evidence request letter sent on the case",
    ),
}


def missing_facts(spec: LetterSpec, facts: dict[str, Any]) -> list[str]:
    """Each fact `spec` needs that `facts` lacks, in words a person can act on."""
    checks = [*COMMON, *(TO_LA if spec.audience == LA else ()), *(NEEDS[n] for n in spec.needs)]
    return [need.missing for need in checks if not need.present(facts)]
