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


def _is(value: Any, *path: str) -> Callable[[dict[str, Any]], bool]:
    has = _has(*path)
    return lambda facts: has(facts) == value


# The letters about a case's decisions and the letters to the LA (issue 9): each names the
# evidence to record, or the step to take, that would put the gap right.
NEEDS |= {
    "plan_targets": Need(
        _has("plan", "targets"),
        "no targets on the attendance plan (record signed_plan with target, e.g. "
        "'attendance of 95% by the review')",
    ),
    "plan_actions": Need(
        lambda f: all(_has("plan", side)(f) for side in ("school_actions", "family_actions")),
        "no actions on the attendance plan (record signed_plan with school_actions and "
        "family_actions, and pupil_actions if the pupil has some)",
    ),
    "contract_terms": Need(
        lambda f: all(_has("contract", side)(f) for side in ("school_agrees", "family_agrees")),
        "no terms on the attendance contract (record attendance_contract with school_agrees "
        "and family_agrees: what each side agrees to)",
    ),
    "contract_review": Need(
        _has("policy", "sections", "attendance_contract", "review_max_school_weeks"),
        "no review period for attendance contracts ([attendance_contract] "
        "review_max_school_weeks in the school's policy)",
    ),
    "notice_period": Need(
        _has("notice", "period_ends"),
        "no improvement period ([notice_to_improve] period_school_weeks in the school's policy)",
    ),
    "notice_offence": Need(
        _has("notice", "offence", "days"),
        "no unauthorised sessions in the penalty window up to the offence the notice to "
        "improve is for (check the register for those weeks)",
    ),
    "leave_reply": Need(
        _has("leave", "further_reasons_by"),
        "no time for further reasons ([leave] further_reasons_school_days in the school's policy)",
    ),
    "leave_granted": Need(
        _is("granted", "leave", "decision"),
        "the head has not granted every day of this leave request (grant it first)",
    ),
    "leave_part_granted": Need(
        _is("part_granted", "leave", "decision"),
        "the head has not granted part of this leave request (grant_in_part first)",
    ),
    "leave_declined": Need(
        _is("declined", "leave", "decision"),
        "the head has not declined this leave request (decline it first)",
    ),
    "leave_not_requested": Need(
        _is("not_requested", "leave", "decision"),
        "this leave was applied for before it began: write the letter for the head's "
        "decision instead (leave_granted, leave_part_granted or leave_declined)",
    ),
    "leave_taken": Need(
        _has("leave", "taken"),
        "no unauthorised absence on the register on the days of the leave",
    ),
    "request": Need(
        _has("request", "offence", "days"),
        "no penalty notice request: this letter is drafted on an attendance concern with "
        "unauthorised absence in the penalty window",
    ),
    "request_threshold": Need(
        _has("request", "offence", "met"),
        "the offence does not meet the national penalty threshold (the unauthorised sessions "
        "in the rolling window of the penalty_threshold rule)",
    ),
    "request_parents": Need(
        _has("request", "parents"),
        "no parent named for the request (a contact with parental responsibility)",
    ),
    "request_route": Need(
        lambda f: (
            _is("not_sufficient", "request", "notice", "judgement", "improvement")(f)
            or _has("request", "no_notice")(f)
        ),
        "no notice to improve with SLT's judgement that improvement was not sufficient, and "
        "no reason why a notice was not appropriate (record improvement_judgement or "
        "no_notice_to_improve)",
    ),
    "request_approval": Need(
        _has("request", "approval"),
        "no SLT approval of the request (record slt_approval with step request_penalty_notice)",
    ),
    "cme": Need(
        _has("cme", "first_absent_on"),
        "no missing education enquiry: this letter is drafted on one",
    ),
    "cme_address": Need(
        _has("cme", "home_address"),
        "no home address for the pupil (the address of a contact the pupil lives with)",
    ),
    "cme_contact_attempts": Need(
        _has("cme", "contact_attempts"),
        "no contact attempts recorded (record contact_attempt for each contact tried)",
    ),
    "cme_home_visit": Need(
        _has("cme", "home_visits"), "no home visit recorded (record home_visit with its outcome)"
    ),
    "referral": Need(
        _has("referral", "opened_on"), "no attendance concern: this letter is drafted on one"
    ),
    "referral_agencies": Need(
        lambda f: _has("referral", "agencies")(f) is not None,
        "no agencies involved recorded (record agencies, 'none' if there are none)",
    ),
    "referral_support": Need(
        _has("referral", "support"),
        "no support recorded on the concern (a meeting, a signed plan or support offered)",
    ),
    "referral_parents": Need(
        _has("referral", "parents"),
        "no parent recorded for the pupil (a contact with parental responsibility)",
    ),
}


def missing_facts(spec: LetterSpec, facts: dict[str, Any]) -> list[str]:
    """Each fact `spec` needs that `facts` lacks, in words a person can act on."""
    checks = [*COMMON, *(TO_LA if spec.audience == LA else ()), *(NEEDS[n] for n in spec.needs)]
    return [need.missing for need in checks if not need.present(facts)]
