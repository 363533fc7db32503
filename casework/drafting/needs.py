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
        "no meeting arranged from the letter's date on (record meeting_arranged with its date, "
        "time, place, with whom and purpose)",
    ),
    "rule": Need(
        _has("rule", "id"),
        "no rule in the school's policy that this letter is sent for (the red, amber and green "
        "letters come with Copnor's policy, below 85% and 80% with Delius's, 4 unauthorised "
        "sessions in 12 weeks with Woodlands's)",
    ),
    # A rule of attendance over a period: the register as of the letter's date must bear it out.
    "rule_met": Need(
        lambda facts: (facts.get("rule") or {}).get("met") is not False,
        "the register does not bear this letter out: the pupil's attendance over the rule's "
        "period, as of the letter's date, is not what the rule this letter is sent for counts",
    ),
    "lates": Need(
        _has("lates", "counted", "marks"),
        "no late marks (L or U) in the period the punctuality letter counts",
    ),
    "illness": Need(_has("illness", "marks"), "no illness absence (code I) this term"),
    "illness_since_request": Need(
        _has("illness", "since_request"),
        "no illness absence without medical evidence since the request letter was sent",
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
