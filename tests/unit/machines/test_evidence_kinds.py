"""Evidence kinds: details are checked and normalised, and every error names the field."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from casework.machines.evidence import EVIDENCE_KINDS, EvidenceError, evidence_kind
from casework.machines.roles import LA, SLT, Role

GOOD: dict[str, dict[str, Any]] = {
    "contact_attempt": {"channel": "phone", "contact": "Dana Shaw", "outcome": "no_answer"},
    "home_visit": {"outcome": "parent_seen", "summary": "mum says he is unwell"},
    "meeting": {"purpose": "school_support", "attendees": "Dana Shaw, Mr Lead", "outcome": "IAP"},
    "meeting_arranged": {
        "date": "2025-12-03",
        "time": "15:30",
        "place": "the family room",
        "with": "Mr Lead, Attendance Lead",
        "purpose": "school_support",
    },
    "signed_plan": {
        "plan": "attendance_plan",
        "signed_on": "2025-10-08",
        "review_date": "2025-11-19",
    },
    "letter_sent": {"letter": "notice_to_improve", "sent_on": date(2026, 2, 26), "to": "Dana Shaw"},
    "medical_evidence": {"description": "GP letter", "covers_from": "2026-01-05"},
    "support_offered": {"support": "early_help", "accepted": "yes"},
    "agencies": {"agencies": "none"},
    "slt_approval": {"decision": "approved", "step": "refer_formal_support"},
    "la_decision": {"decision": "prosecute", "reason": "no engagement"},
    "eso_considered": {"decision": "not_appropriate", "reason": "family engaged with early help"},
    "welfare_check": {"requested_on": "2026-01-19"},
    "enquiry": {"with": "sibling_school", "outcome": "not known"},
    "payment": {"amount": "80", "paid_on": "2026-05-05"},
    "court_outcome": {"outcome": "fine", "heard_on": "2026-07-01", "summary": "fined £300"},
    "prosecution_pack": {"sent_on": "2026-05-13", "sent_to": "LA legal services"},
    "attendance_contract": {"signed_on": "2026-02-02", "parties": "Dana Shaw, LA officer"},
    "support_referral": {"referred_to": "early_help", "referred_on": "2026-02-02"},
    "education_supervision_order": {
        "stage": "granted",
        "stage_on": "2026-03-02",
        "ends_on": "2027-03-01",
    },
    "no_notice_to_improve": {
        "reason": "term_time_holiday",
        "explanation": "ten days in Spain after the leave was declined",
    },
    "improvement_judgement": {"improvement": "not_sufficient", "reason": "88% in the period"},
    "liability_decision": {"liable": "N", "reason": "lives abroad, no contact with the child"},
    "note": {"text": "called mum"},
    "not_ill_or_prevented": {"reason": "GP and sibling school have not seen her since January"},
    "la_deletion_confirmation": {"decision": "confirmed", "reason": "joint enquiries failed"},
    "dv_absence": {"first_day": "2025-11-10", "last_day": "2025-11-12", "summary": "D&V"},
    "finding": {
        "rule": "penalty_threshold",
        "reason": "10 sessions",
        "as_of": "2026-03-20",
        "marks": ("O", "G"),
    },
}


def test_every_kind_has_a_good_example() -> None:
    assert set(GOOD) == set(EVIDENCE_KINDS)


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_good_details_parse(kind: str) -> None:
    parsed = evidence_kind(kind).parse(GOOD[kind])
    assert set(parsed) <= set(GOOD[kind])
    for field in evidence_kind(kind).fields:
        if field.required:
            assert field.name in parsed


@pytest.mark.parametrize("time", ["3pm", "25:00", "15:3", "15:60", "quarter past"])
def test_a_meeting_arranged_is_at_a_clock_time(time: str) -> None:
    with pytest.raises(EvidenceError, match="is not a time of day") as refused:
        evidence_kind("meeting_arranged").parse({**GOOD["meeting_arranged"], "time": time})
    assert refused.value.field == "time"


def test_parse_normalises_dates_flags_amounts_and_text() -> None:
    assert evidence_kind("letter_sent").parse(GOOD["letter_sent"])["sent_on"] == "2026-02-26"
    assert evidence_kind("support_offered").parse(GOOD["support_offered"])["accepted"] is True
    for raw, flag in (("Y", True), ("n", False), ("TRUE", True), ("0", False), (1, True)):
        parsed = evidence_kind("support_offered").parse({"support": "other", "accepted": raw})
        assert parsed["accepted"] is flag
    assert evidence_kind("payment").parse({"amount": "79.999", "paid_on": "2026-05-05"}) == {
        "amount": 80.0,
        "paid_on": "2026-05-05",
    }
    assert evidence_kind("note").parse({"text": "  called mum  "}) == {"text": "called mum"}
    assert evidence_kind("finding").parse(GOOD["finding"])["marks"] == ["O", "G"]
    # Optional fields left out or empty are not stored.
    assert evidence_kind("home_visit").parse({"outcome": "no_answer", "summary": ""}) == {
        "outcome": "no_answer"
    }


@pytest.mark.parametrize(
    ("kind", "details", "message"),
    [
        # unknown fields
        (
            "note",
            {"text": "x", "colour": "red"},
            "note has no field 'colour' (fields: text)",
        ),
        (
            "payment",
            {"amount": 80, "paid_on": "2026-05-05", "by": "card"},
            "payment has no field 'by' (fields: amount, paid_on)",
        ),
        # missing required fields
        (
            "contact_attempt",
            {"channel": "phone", "outcome": "reached"},
            "contact_attempt needs contact",
        ),
        (
            "signed_plan",
            {"plan": "attendance_plan", "signed_on": "2025-10-08"},
            "signed_plan needs review_date",
        ),
        ("note", {"text": "   "}, "note needs text"),
        ("slt_approval", {"decision": "approved", "step": ""}, "slt_approval needs step"),
        # bad dates
        (
            "signed_plan",
            {"plan": "attendance_plan", "signed_on": "8/10/2025", "review_date": "2025-11-19"},
            "signed_on '8/10/2025' is not a date in the form YYYY-MM-DD",
        ),
        (
            "payment",
            {"amount": 80, "paid_on": "2026-02-30"},
            "paid_on '2026-02-30' is not a date in the form YYYY-MM-DD",
        ),
        # bad choices
        (
            "contact_attempt",
            {"channel": "pigeon", "contact": "Dana Shaw", "outcome": "reached"},
            "channel must be one of phone, text, email, letter, in_person, not 'pigeon'",
        ),
        (
            "slt_approval",
            {"decision": "maybe", "step": "refer_formal_support"},
            "decision must be one of approved, refused, not 'maybe'",
        ),
        (
            "signed_plan",
            {"plan": "contract", "signed_on": "2025-10-08", "review_date": "2025-11-19"},
            "plan must be one of attendance_plan, attendance_contract, "
            "education_supervision_order, not 'contract'",
        ),
        # bad flags
        (
            "support_offered",
            {"support": "early_help", "accepted": "perhaps"},
            "accepted must be Y or N, not 'perhaps'",
        ),
        # bad amounts
        (
            "payment",
            {"amount": "eighty", "paid_on": "2026-05-05"},
            "amount 'eighty' is not an amount of money",
        ),
        ("payment", {"amount": -80, "paid_on": "2026-05-05"}, "amount cannot be negative"),
        (
            "payment",
            {"amount": "nan", "paid_on": "2026-05-05"},
            "amount 'nan' is not an amount of money",
        ),
        (
            "payment",
            {"amount": "inf", "paid_on": "2026-05-05"},
            "amount 'inf' is not an amount of money",
        ),
        (
            "payment",
            {"amount": [80], "paid_on": "2026-05-05"},
            "amount [80] is not an amount of money",
        ),
        ("welfare_check", {"requested_on": "  "}, "welfare_check needs requested_on"),
    ],
)
def test_bad_details_are_refused_naming_the_field(
    kind: str, details: dict[str, Any], message: str
) -> None:
    with pytest.raises(EvidenceError) as info:
        evidence_kind(kind).parse(details)
    assert str(info.value) == message


def test_an_unknown_kind_lists_the_kinds() -> None:
    with pytest.raises(EvidenceError, match=r"unknown evidence kind 'rumour' \(kinds: agencies, "):
        evidence_kind("rumour")


def test_who_records_what() -> None:
    assert evidence_kind("slt_approval").roles == SLT
    assert evidence_kind("la_decision").roles == LA
    assert evidence_kind("payment").roles == LA
    # Only the LA confirms a deletion from roll: school staff cannot record it for them.
    assert evidence_kind("la_deletion_confirmation").roles == LA
    assert evidence_kind("finding").roles == {Role.SYSTEM}
    assert Role.TEACHER in evidence_kind("note").roles
    teacher_may = [k.name for k in EVIDENCE_KINDS.values() if Role.TEACHER in k.roles]
    assert teacher_may == ["note"]
