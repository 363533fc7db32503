"""Permission (who) is separate from guards (whether now): every step, every role.

`READY` holds, for every step of every lifecycle, facts in which all its guards pass: a role
outside the step's roles is still refused, a role inside it takes the step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from casework.machines import LIFECYCLES
from casework.machines.lifecycle import (
    CaseFacts,
    NotPermittedError,
    RelatedFacts,
    Step,
    UnknownTriggerError,
)
from casework.machines.roles import Role, Standing, standing_at
from casework.register.school import parse_school
from tests.support.facts import (
    GRANDAD,
    LEFT,
    THE_HEAD,
    absent_until,
    contact,
    enquiry,
    eso,
    evidence,
    facts,
    finding,
    home_visit,
    judgement,
    la,
    liability,
    meeting,
    not_appropriate,
    payment,
    plan,
    prosecution_pack,
    referral_pack,
    slt,
    support,
    threshold,
    welfare_check,
)

AC, PN, CME, LV = "attendance_concern", "penalty_notice", "missing_education", "leave_request"
PACK = [*referral_pack("2025-11-21"), plan("2025-10-08", "2025-11-19"), meeting("2025-10-01")]
ISSUED = {"parent": "Dana Shaw", "issued_on": "2026-04-14"}
LEAVE = {
    "start": "2026-05-11",
    "end": "2026-05-15",
    "requested_on": "2026-04-14",
    "school_days_requested": 5,
    "applicant": "Dana Shaw",
}
DECIDED = {**LEAVE, "decided_on": "2026-04-20"}


def ready(kind: str, today: str, **kw: Any) -> Callable[[str], CaseFacts]:
    return lambda state: facts(kind, state, today, **kw)


READY: dict[tuple[str, str, str], Callable[[str], CaseFacts]] = {
    # attendance concern
    (AC, "offer_support", "school_support"): ready(
        AC, "2025-09-24", evidence=[contact("2025-09-23")]
    ),
    (AC, "agree_plan", "attendance_plan"): ready(AC, "2025-10-08", evidence=PACK),
    (AC, "refer_formal_support", "formal_support"): ready(
        AC, "2025-11-26", evidence=[*PACK, slt("2025-11-25", "refer_formal_support")]
    ),
    (AC, "issue_notice_to_improve", "notice_to_improve"): ready(
        AC,
        "2026-02-26",
        evidence=[
            support("2026-01-21"),
            meeting("2026-01-14"),
            slt("2026-02-25", "issue_notice_to_improve"),
        ],
        details={"penalty_threshold": threshold(10)},
    ),
    (AC, "request_penalty_notice", "penalty_notice"): ready(
        AC,
        "2026-03-27",
        # The notice-to-improve route and the direct route pass with the same facts here:
        # SLT's judgement after the notice, and SLT's reason why no notice, so give both.
        evidence=[
            slt("2026-03-25", "request_penalty_notice"),
            judgement("2026-03-27"),
            not_appropriate("2026-03-27", "support_would_not_help"),
        ],
        details={"penalty_threshold": threshold(10), "notice_to_improve_issued": "2026-02-26"},
    ),
    (AC, "return_to_support", "school_support"): ready(
        AC,
        "2026-05-20",
        related=RelatedFacts(penalty_notice_states=("paid_full",)),
        params={"note": "paid"},
    ),
    (AC, "refer_prosecution", "prosecution"): ready(
        AC,
        "2026-05-13",
        evidence=[
            *PACK,
            eso("2026-05-13"),
            prosecution_pack("2026-05-13"),
            slt("2026-05-13", "refer_prosecution"),
        ],
        related=RelatedFacts(started_states=(("penalty_notice", "unpaid"),)),
        details=absent_until("2026-03-20"),
    ),
    (AC, "accept_referral", "formal_support"): ready(AC, "2025-11-27"),
    **{
        (AC, trigger, back): ready(
            AC, "2025-11-27", details={"referred_from": back}, params={"note": "no plan review"}
        )
        for trigger in ("return_referral", "refuse_referral")
        for back in ("school_support", "attendance_plan")
    },
    (AC, "step_down", "monitoring"): ready(AC, "2026-03-02", params={"note": "better"}),
    (AC, "step_down", "school_support"): ready(AC, "2026-03-02", params={"note": "better"}),
    (AC, "step_down", "attendance_plan"): ready(
        AC, "2026-03-02", evidence=[plan("2026-03-02", "2026-04-20")], params={"note": "better"}
    ),
    (AC, "close", "closed"): ready(
        AC, "2026-03-23", pupil=LEFT, params={"outcome": "left_roll", "note": "moved away"}
    ),
    # penalty notice
    (PN, "approve", "approved"): ready(PN, "2026-03-30", details={"parent": "Dana Shaw"}),
    (PN, "refuse", "refused"): ready(PN, "2026-03-30", params={"note": "not yet"}),
    (PN, "return", "returned"): ready(PN, "2026-03-30", params={"note": "no register printout"}),
    (PN, "resubmit", "requested"): ready(PN, "2026-03-31", params={"note": "printout added"}),
    (PN, "issue", "issued"): ready(
        PN, "2026-04-14", details={"parent": "Dana Shaw"}, evidence=[liability("2026-04-14")]
    ),
    (PN, "record_not_liable", "not_liable"): ready(
        PN, "2026-04-14", details={"parent": "Dana Shaw"}, evidence=[liability("2026-04-14", "N")]
    ),
    (PN, "record_service", "served"): ready(
        PN, "2026-04-14", details=ISSUED, params={"service": "post", "sent_on": "2026-04-14"}
    ),
    (PN, "record_payment", "paid_reduced"): ready(
        PN, "2026-05-05", details=ISSUED, evidence=[payment("2026-05-05", 80)]
    ),
    (PN, "record_payment", "paid_full"): ready(
        PN, "2026-05-12", details=ISSUED, evidence=[payment("2026-05-12", 160)]
    ),
    (PN, "expire", "unpaid"): ready(PN, "2026-05-13", details=ISSUED),
    (PN, "prosecute", "prosecution"): ready(
        PN,
        "2026-05-20",
        details=ISSUED,
        evidence=[la("2026-05-19", "prosecute")],
        related=RelatedFacts(case_states=(("attendance_concern", "prosecution"),)),
    ),
    (PN, "withdraw", "withdrawn"): ready(
        PN,
        "2026-05-20",
        details=ISSUED,
        evidence=[la("2026-05-19", "withdraw")],
        params={"note": "hardship"},
    ),
    # children missing education
    (CME, "start_enquiries", "enquiries"): ready(
        CME, "2026-01-12", evidence=[contact("2026-01-12")]
    ),
    (CME, "refer_to_la", "referred"): ready(
        CME,
        "2026-02-09",
        entered_state_on="2026-01-12",
        evidence=[
            contact("2026-01-12"),
            contact("2026-01-12", GRANDAD.name),
            home_visit("2026-01-15"),
            welfare_check("2026-01-19"),
            enquiry("2026-01-20"),
            finding("2026-02-06"),
        ],
    ),
    (CME, "record_return", "returned"): ready(CME, "2026-02-09", params={"note": "back"}),
    (CME, "record_located_elsewhere", "located_elsewhere"): ready(
        CME, "2026-02-16", params={"outcome": "new_school", "note": "at St Mary's"}
    ),
    (CME, "delete_from_roll", "deleted"): ready(
        CME,
        "2026-02-11",
        details={"referred_on": "2026-02-09", "deletion_ground": "absent since 12 January"},
        evidence=[
            enquiry("2026-02-09", "la_cme_team"),
            evidence("not_ill_or_prevented", "2026-02-10", reason="not seen by anyone"),
            evidence("la_deletion_confirmation", "2026-02-10", decision="confirmed"),
            slt("2026-02-10", "delete_from_roll"),
        ],
        params={"effective_on": "2026-02-11"},
    ),
    # leave of absence
    (LV, "review", "under_review"): ready(LV, "2026-04-14", details=LEAVE),
    (LV, "grant", "granted"): ready(LV, "2026-04-20", details=LEAVE, params={"reason": "funeral"}),
    (LV, "grant_in_part", "partially_granted"): ready(
        LV, "2026-04-20", details=LEAVE, params={"reason": "funeral", "days_granted": 3}
    ),
    (LV, "decline", "declined"): ready(LV, "2026-04-20", details=LEAVE, params={"note": "no"}),
    (LV, "reconsider", "under_review"): ready(
        LV, "2026-04-27", details=DECIDED, params={"further_reasons": "a letter from the hospital"}
    ),
    (LV, "record_return", "taken_as_agreed"): ready(
        LV, "2026-05-18", details={**LEAVE, "absent_days_after_leave": 0}
    ),
    (LV, "record_overstay", "overstayed"): ready(
        LV, "2026-05-18", details={**LEAVE, "absent_days_after_leave": 1}
    ),
    (LV, "record_not_returned", "not_returned"): ready(
        LV, "2026-06-08", details={**LEAVE, "absent_days_after_leave": 10}
    ),
    (LV, "record_taken", "taken_without_permission"): ready(
        LV, "2026-05-18", details={**LEAVE, "unauthorised_days_in_leave": 5}
    ),
    (LV, "withdraw", "withdrawn"): ready(LV, "2026-04-15", details=LEAVE, params={"note": "off"}),
    (LV, "record_not_taken", "not_taken"): ready(
        LV, "2026-05-18", details={**LEAVE, "unauthorised_days_in_leave": 0}
    ),
    (LV, "record_late_return", "returned_late"): ready(
        LV, "2026-05-20", details={**LEAVE, "absent_days_after_leave": 2}, params={"note": "back"}
    ),
}

PLACES = [
    (kind, step, source)
    for kind, lifecycle in LIFECYCLES.items()
    for step in lifecycle.steps
    for source in step.source
]


def place_id(place: tuple[str, Step, str]) -> str:
    kind, step, source = place
    return f"{kind}:{source}-{step.trigger}->{step.dest}"


@pytest.mark.parametrize("place", PLACES, ids=[place_id(p) for p in PLACES])
def test_each_step_is_fired_only_by_its_roles_even_when_its_guards_pass(
    place: tuple[str, Step, str],
) -> None:
    kind, step, source = place
    lifecycle = LIFECYCLES[kind]
    ready_facts = READY[(kind, step.trigger, step.dest)](source)
    assert step.blocked_by(ready_facts) == []
    # Steps with the same trigger between the same states are one move for different roles
    # (the LA's acceptance of a penalty request and the head's own approval).
    twins = [
        s
        for s in lifecycle.steps
        if (s.trigger, s.dest) == (step.trigger, step.dest) and source in s.source
    ]
    allowed = frozenset(r for s in twins for r in s.roles)
    for role in Role:
        if role in allowed:
            # The head holds every decision the law gives the head (see the next test).
            fired = lifecycle.fire(ready_facts, step.trigger, role, THE_HEAD)
            assert (fired.from_state, fired.to_state) == (source, step.dest)
            assert fired.step in twins and role in fired.step.roles
        else:
            with pytest.raises(NotPermittedError) as info:
                lifecycle.fire(ready_facts, step.trigger, role, THE_HEAD)
            needed = " or ".join(sorted(r.value for r in allowed))
            assert info.value.reasons == [f"needs the role {needed}"]


HEADS_DECISIONS = [p for p in PLACES if p[1].decided_by]


def test_the_head_s_decisions_are_the_leave_decisions() -> None:
    assert sorted({(kind, step.trigger, step.decided_by) for kind, step, _ in HEADS_DECISIONS}) == [
        (LV, "decline", "leave"),
        (LV, "grant", "leave"),
        (LV, "grant_in_part", "leave"),
    ]


@pytest.mark.parametrize("place", HEADS_DECISIONS, ids=[place_id(p) for p in HEADS_DECISIONS])
def test_a_head_s_decision_is_taken_by_the_head_or_a_delegate_not_any_senior_leader(
    place: tuple[str, Step, str],
) -> None:
    kind, step, source = place
    lifecycle = LIFECYCLES[kind]
    ready_facts = READY[(kind, step.trigger, step.dest)](source)
    with pytest.raises(NotPermittedError) as info:
        lifecycle.fire(ready_facts, step.trigger, Role.SENIOR_LEADER)
    assert info.value.reasons == [
        "needs the head or a delegate the school file names in leave_delegates"
    ]
    deputy = Standing(delegated=frozenset({"penalty"}))  # a delegate for something else
    with pytest.raises(NotPermittedError):
        lifecycle.fire(ready_facts, step.trigger, Role.SENIOR_LEADER, deputy)
    delegate = Standing(delegated=frozenset({"leave"}))
    assert lifecycle.fire(ready_facts, step.trigger, Role.SENIOR_LEADER, delegate).step is step
    # The page shows the step, not permitted, to a senior leader who does not hold it.
    shown = {n.trigger: n.permitted for n in lifecycle.next_steps(ready_facts, "senior_leader")}
    assert shown[step.trigger] is False
    held = lifecycle.next_steps(ready_facts, "senior_leader", delegate)
    assert {n.trigger: n.permitted for n in held}[step.trigger] is True
    # Standing is no substitute for the role.
    with pytest.raises(NotPermittedError):
        lifecycle.fire(ready_facts, step.trigger, Role.ATTENDANCE_OFFICER, THE_HEAD)


def test_teachers_fire_nothing() -> None:
    assert not [s for lc in LIFECYCLES.values() for s in lc.steps if Role.TEACHER in s.roles]


def test_the_sweep_fires_only_automatic_steps() -> None:
    steps = [s for lc in LIFECYCLES.values() for s in lc.steps if Role.SYSTEM in s.roles]
    assert [(s.trigger, s.automatic) for s in steps] == [("expire", True)]


# -- next steps ------------------------------------------------------------------------------


def as_rows(kind: str, state: str, role: Role | None, **kw: Any) -> list[dict[str, Any]]:
    return [n.as_dict() for n in LIFECYCLES[kind].next_steps(facts(kind, state, **kw), role)]


def test_next_steps_mark_allowed_permitted_and_reasons() -> None:
    rows = as_rows(
        AC,
        "attendance_plan",
        Role.ATTENDANCE_OFFICER,
        today="2025-11-26",
        evidence=PACK,
        entered_state_on="2025-10-08",
    )
    assert [(r["trigger"], r["to"], r["allowed"], r["permitted"]) for r in rows] == [
        ("refer_formal_support", "formal_support", False, True),
        ("issue_notice_to_improve", "notice_to_improve", False, True),
        ("request_penalty_notice", "penalty_notice", False, True),
        ("step_down", "school_support", False, True),
        ("close", "closed", False, True),
    ]
    reasons = {r["trigger"]: r["reasons"] for r in rows}
    assert reasons == {
        "refer_formal_support": ["needs SLT approval"],
        "issue_notice_to_improve": [
            "threshold not checked: no register data for the penalty window",
            "needs SLT approval",
        ],
        "request_penalty_notice": [
            "needs a notice to improve first, or SLT's recorded reason why one is not "
            "appropriate (a term-time holiday; support would not help; a notice to this parent "
            "in the last 12 months)",
            "threshold not checked: no register data for the penalty window",
            "needs SLT approval",
        ],
        "step_down": ["needs note"],
        "close": ["needs outcome", "needs note"],
    }
    assert rows[0]["roles"] == ["attendance_officer", "senior_leader"]
    assert rows[0]["label"] == "Refer for formal support with the LA"


def test_next_steps_allowed_but_not_permitted_for_this_role() -> None:
    kw: dict[str, Any] = {"today": "2026-05-13", "details": ISSUED}
    for role, permitted in ((Role.SENIOR_LEADER, False), (Role.LA_OFFICER, True), (None, False)):
        rows = as_rows(PN, "served", role, **kw)
        expire = next(r for r in rows if r["trigger"] == "expire")
        assert expire["allowed"] is True
        assert expire["reasons"] == []
        assert expire["automatic"] is True
        assert expire["permitted"] is permitted
        assert expire["roles"] == ["la_officer", "system"]
    rows = as_rows(PN, "served", Role.LA_OFFICER, **kw)
    assert [(r["trigger"], r["to"], r["allowed"]) for r in rows] == [
        ("record_payment", "paid_reduced", False),
        ("record_payment", "paid_full", False),
        ("expire", "unpaid", True),
        ("withdraw", "withdrawn", False),
    ]


def test_next_steps_for_a_teacher_are_all_not_permitted() -> None:
    rows = as_rows(AC, "monitoring", Role.TEACHER, today="2025-09-24")
    assert rows and not any(r["permitted"] for r in rows)


# -- unknown triggers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "state", "trigger", "possible"),
    [
        (AC, "monitoring", "fly", "offer_support, request_penalty_notice, close"),
        (AC, "monitoring", "agree_plan", "offer_support, request_penalty_notice, close"),
        (AC, "closed", "close", "none"),
        (PN, "issued", "approve", "record_service, record_payment, withdraw"),
        (PN, "served", "approve", "record_payment, expire, withdraw"),
        (
            CME,
            "referred",
            "start_enquiries",
            "record_return, record_located_elsewhere, delete_from_roll",
        ),
        (LV, "declined", "grant", "reconsider, record_taken, record_not_taken"),
    ],
)
def test_a_trigger_from_the_wrong_state_names_the_possible_ones(
    kind: str, state: str, trigger: str, possible: str
) -> None:
    with pytest.raises(UnknownTriggerError) as info:
        LIFECYCLES[kind].fire(facts(kind, state, "2026-03-02"), trigger, Role.SENIOR_LEADER)
    assert str(info.value) == f"{trigger!r} is not a step from {state!r} (possible: {possible})"


def test_a_role_that_is_not_a_role_is_refused() -> None:
    with pytest.raises(ValueError, match="headteacher"):
        LIFECYCLES[AC].fire(facts(AC, "monitoring", "2026-03-02"), "close", "headteacher")


def test_standing_at_a_school_comes_from_the_school_file() -> None:
    school = parse_school(
        {
            "school": {
                "urn": "1",
                "name": "S",
                "la_code": "850",
                "head": {"name": "Ann Example", "position": "Headteacher"},
                "attendance_lead": {"name": "Ben Example", "position": "Attendance Lead"},
                "leave_delegates": ["d.deputy", "Assistant Head"],
            },
            "registers": {
                "am_opens": "08:45",
                "am_closes": "09:15",
                "pm_opens": "13:00",
                "pm_closes": "13:15",
            },
            "terms": [{"name": "Autumn", "start": date(2025, 9, 3), "end": date(2025, 12, 19)}],
        }
    )

    def of(username: str, name: str, position: str) -> Standing:
        return standing_at(school, username=username, name=name, position=position)

    assert of("a.head", "Ann Example", "Head") == Standing(head=True)
    assert of("x.head", "Someone", "headteacher") == Standing(head=True)
    assert of("y.head", "Someone Else", "Head Teacher") == Standing(head=True)
    deputy = of("e.deputy", "Eve Deputy", "Deputy Headteacher")
    assert deputy == Standing() and not deputy.decides("leave") and deputy.decides(None)
    assert of("d.deputy", "Dee Deputy", "Deputy Headteacher").delegated == {"leave"}
    assert of("z.assist", "Zed", "assistant head").decides("leave")
