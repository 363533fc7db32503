"""Formal support measures as evidence with deadlines (DOMAIN.md section 4): an attendance
contract reviewed within the policy's school weeks, early help or a multi-agency referral, an
education supervision order applied for, granted with its end date, breached."""

from __future__ import annotations

import pytest

from casework.machines.attendance_concern import LIFECYCLE
from casework.machines.evidence import EvidenceError, evidence_kind
from casework.machines.guards import formal_support_offered
from tests.support.facts import evidence, facts


def deadline(kind: str, today: str, **details: str) -> dict[str, str]:
    """The deadlines recording this evidence sets on a concern in formal support, by name."""
    item = evidence(kind, today, **details)
    case = facts("attendance_concern", "formal_support", today)
    out = {}
    for rule in LIFECYCLE.evidence_deadlines:
        if rule.kind == kind and (due := rule.due(case, item.details)) is not None:
            out[rule.name] = due.isoformat()
    return out


def test_an_attendance_contract_is_reviewed_six_school_weeks_after_it_is_signed() -> None:
    # Signed Monday 2 February 2026: 9, 23 February (half term skipped), 2, 9, 16, 23 March.
    assert deadline(
        "attendance_contract",
        "2026-02-04",
        signed_on="2026-02-02",
        parties="Dana Shaw, Lee Officer",
    ) == {"attendance_contract_review": "2026-03-23"}


def test_a_granted_order_ends_on_the_date_the_court_gave() -> None:
    granted = deadline("education_supervision_order", "2026-03-02", stage="granted",
                       stage_on="2026-03-02", ends_on="2027-03-01")  # fmt: skip
    assert granted == {"education_supervision_order_ends": "2027-03-01"}
    for stage in ("applied", "breached"):
        assert deadline("education_supervision_order", "2026-03-02", stage=stage,
                        stage_on="2026-03-02") == {}  # fmt: skip
    assert deadline("support_referral", "2026-03-02", referred_to="early_help",
                    referred_on="2026-03-02") == {}  # fmt: skip


@pytest.mark.parametrize(
    ("details", "message"),
    [
        (
            {"stage": "granted", "stage_on": "2026-03-02"},
            "education_supervision_order granted needs ends_on",
        ),
        (
            {"stage": "granted", "stage_on": "2026-03-02", "ends_on": "2026-03-02"},
            "education_supervision_order ends_on 2026-03-02 must be after stage_on 2026-03-02",
        ),
        (
            {"stage": "applied", "stage_on": "2026-03-02", "ends_on": "2027-03-01"},
            "education_supervision_order applied takes no ends_on (only granted)",
        ),
        (
            {"stage": "revoked", "stage_on": "2026-03-02"},
            "stage must be one of applied, granted, breached, not 'revoked'",
        ),
    ],
)
def test_an_order_s_dates_are_refused_when_they_do_not_fit(
    details: dict[str, str], message: str
) -> None:
    with pytest.raises(EvidenceError) as refused:
        evidence_kind("education_supervision_order").parse(details)
    assert str(refused.value) == message
    assert refused.value.field in ("ends_on", "stage")


def test_a_contract_or_an_early_help_referral_is_formal_support_offered() -> None:
    def offered(*items: object) -> str | None:
        return formal_support_offered(
            facts("attendance_concern", "formal_support", "2026-03-02", evidence=items)  # type: ignore[arg-type]
        )

    assert offered() == "no attendance contract or early help offered"
    assert offered(evidence("support_referral", "2026-03-02", referred_to="health",
                            referred_on="2026-03-02")) is not None  # fmt: skip
    for referred_to in ("early_help", "multi_agency"):
        assert offered(evidence("support_referral", "2026-03-02", referred_to=referred_to,
                                referred_on="2026-03-02")) is None  # fmt: skip
    assert offered(evidence("attendance_contract", "2026-03-02", signed_on="2026-03-02",
                            parties="Dana Shaw")) is None  # fmt: skip
