"""The letters Casework drafts, declared as data: their ids, titles, readers and signatories."""

from __future__ import annotations

from dataclasses import dataclass

FAMILY = "family"  # one letter to each parent with parental responsibility and to the carer
LA = "la"  # one letter to the local authority's attendance team

HEAD = "head"
LEAD = "attendance_lead"


@dataclass(frozen=True, slots=True)
class LetterSpec:
    """A letter: its id (also its template's file name), what it is called, to whom it goes,
    who signs it, and the facts beyond the common ones it cannot be drafted without."""

    id: str
    title: str
    audience: str
    signed_by: str = LEAD
    needs: tuple[str, ...] = ()


LETTERS: dict[str, LetterSpec] = {
    spec.id: spec
    for spec in (
        LetterSpec("attendance_report", "Attendance report", FAMILY),
        LetterSpec("rag_red", "Attendance this term: red", FAMILY, needs=("rule", "rule_met")),
        LetterSpec("rag_amber", "Attendance this term: amber", FAMILY, needs=("rule", "rule_met")),
        LetterSpec("rag_green", "Attendance this term: green", FAMILY, needs=("rule", "rule_met")),
        LetterSpec("below_90", "Attendance below 90%", FAMILY, needs=("rule", "rule_met")),
        LetterSpec("below_85", "Attendance below 85%", FAMILY, needs=("rule", "rule_met")),
        LetterSpec(
            "below_80",
            "Attendance below 80%: an invitation to meet",
            FAMILY,
            needs=("rule", "rule_met", "meeting"),
        ),
        LetterSpec("punctuality", "Punctuality", FAMILY, needs=("lates",)),
        LetterSpec(
            "medical_evidence_request",
            "Illness absence: medical evidence",
            FAMILY,
            needs=("illness",),
        ),
        LetterSpec(
            "medical_evidence_follow_up",
            "Illness absence: medical evidence not received",
            FAMILY,
            needs=("medical_evidence_request_sent", "illness_since_request"),
        ),
        LetterSpec(
            "unauthorised_absence_concern",
            "Unauthorised absence",
            FAMILY,
            needs=("rule", "finding"),
        ),
        LetterSpec("meeting_invitation", "An invitation to meet", FAMILY, needs=("meeting",)),
        LetterSpec(
            "attendance_plan",
            "Attendance plan",
            FAMILY,
            needs=("plan", "plan_targets", "plan_actions"),
        ),
        LetterSpec(
            "attendance_contract",
            "Attendance contract",
            FAMILY,
            needs=("contract", "contract_review", "contract_terms"),
        ),
        LetterSpec(
            "notice_to_improve",
            "Notice to improve",
            FAMILY,
            signed_by=HEAD,
            needs=("notice", "notice_period", "notice_offence", "penalty"),
        ),
        LetterSpec(
            "leave_granted", "Leave of absence: granted", FAMILY, HEAD, ("leave", "leave_granted")
        ),
        LetterSpec(
            "leave_part_granted",
            "Leave of absence: granted in part",
            FAMILY,
            HEAD,
            ("leave", "leave_part_granted", "leave_reply", "penalty"),
        ),
        LetterSpec(
            "leave_declined",
            "Leave of absence: declined",
            FAMILY,
            HEAD,
            ("leave", "leave_declined", "leave_reply", "penalty"),
        ),
        LetterSpec(
            "leave_not_requested",
            "Leave taken without a request",
            FAMILY,
            HEAD,
            ("leave", "leave_not_requested", "leave_taken", "leave_reply", "penalty"),
        ),
        LetterSpec(
            "penalty_notice_request",
            "Request for a penalty notice",
            LA,
            signed_by=HEAD,
            needs=(
                "case",
                "penalty",
                "request",
                "request_threshold",
                "request_parents",
                "request_route",
                "request_approval",
            ),
        ),
        LetterSpec(
            "cme_referral",
            "Child missing education: referral",
            LA,
            needs=("case", "cme", "cme_address", "cme_contact_attempts", "cme_home_visit"),
        ),
        LetterSpec(
            "formal_referral",
            "Referral for formal attendance support",
            LA,
            HEAD,
            ("case", "referral", "referral_support", "referral_agencies", "referral_parents"),
        ),
    )
}


# The policy rules (by name, in whichever preset has them) whose firing a letter answers: the
# letter reads that rule's numbers, and its finding when the case has one.
RULES_ANSWERED: dict[str, tuple[str, ...]] = {
    "rag_red": ("red_letter",),
    "rag_amber": ("amber_letter",),
    "rag_green": ("green_letter",),
    "below_90": ("below_90", "persistent_absence"),
    "below_85": ("below_85",),
    "below_80": ("below_80",),
    "punctuality": ("punctuality_letter", "late_letter"),
    "medical_evidence_request": ("medical_1", "illness_evidence"),
    "unauthorised_absence_concern": ("unauthorised_letter",),
}


class UnknownLetterError(ValueError):
    """A letter id that is not in the catalogue; the message lists the ids."""


def letter_spec(letter_id: str) -> LetterSpec:
    try:
        return LETTERS[letter_id]
    except KeyError:
        raise UnknownLetterError(
            f"no letter {letter_id!r} (letters: {', '.join(LETTERS)})"
        ) from None
