"""Random sequences of steps with random evidence, fired at each lifecycle through the services.

For every kind of case: the stored state is always one of the lifecycle's states; every
refused step or evidence (whatever the exception) leaves the case row, its evidence, its
deadlines and its audit events exactly as they were; and at the end the audit trail replays
to the stored state, with one transition event per successful step.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from casework.machines import LIFECYCLES
from casework.machines.evidence import EVIDENCE_KINDS, Field
from casework.machines.roles import Role
from casework.services import cases
from casework.store.database import Database
from tests.support.actions import as_user
from tests.support.penalties import slt_finds_no_notice_to_improve_appropriate
from tests.support.rows import case_row, case_snapshot, cases_of, transitions
from tests.support.world import (
    AO,
    FATHER,
    GRANDMOTHER,
    HEAD,
    LA,
    MOTHER,
    SYSTEM,
    TEACHER,
    World,
    make_world,
)

START = date(2026, 1, 12)
USER_OF_ROLE = {
    Role.ATTENDANCE_OFFICER: AO,
    Role.SENIOR_LEADER: HEAD,
    Role.LA_OFFICER: LA,
    Role.TEACHER: TEACHER,
    Role.SYSTEM: SYSTEM,
}
ALL_TRIGGERS = sorted({t for lc in LIFECYCLES.values() for t in lc.triggers})
RULES = ("cme_continuous_absence", "cme_not_returned_after_leave", "penalty_threshold")

# Evidence the guards of each kind read: drawn half the time, any kind the other half.
USEFUL_EVIDENCE = {
    "attendance_concern": [
        "contact_attempt",
        "meeting",
        "signed_plan",
        "letter_sent",
        "home_visit",
        "agencies",
        "slt_approval",
        "support_offered",
        "eso_considered",
    ],
    "penalty_notice": ["payment", "la_decision", "slt_approval"],
    "missing_education": [
        "contact_attempt",
        "home_visit",
        "enquiry",
        "welfare_check",
        "finding",
        "slt_approval",
    ],
    "leave_request": ["note", "letter_sent"],
}

PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _day(today: date) -> st.SearchStrategy[str]:
    return st.integers(-10, 45).map(lambda n: (today + timedelta(days=n)).isoformat())


def _field_value(field: Field, local: list[str], today: date) -> st.SearchStrategy[Any]:
    if field.kind == "choice":
        return st.sampled_from(field.choices)
    if field.kind == "date":
        return _day(today)
    if field.kind == "flag":
        return st.sampled_from(["Y", "N"])
    if field.kind == "amount":
        return st.sampled_from(["60", "80", "120", "160"])
    if field.kind == "list":
        return st.just([])
    named = {
        "contact": st.sampled_from([MOTHER, FATHER, GRANDMOTHER, "Someone Else"]),
        # Approvals are mostly for a step that can be taken from here, sometimes any step.
        "step": st.sampled_from(local or ALL_TRIGGERS) | st.sampled_from(ALL_TRIGGERS),
        "rule": st.sampled_from(RULES),
    }
    return named.get(field.name, st.sampled_from(["agreed", "none", "see notes"]))


@st.composite
def evidence_item(
    draw: st.DrawFn, case_kind: str, local: list[str], today: date
) -> tuple[str, Role, dict[str, Any]]:
    kind = draw(
        st.sampled_from(USEFUL_EVIDENCE[case_kind]) | st.sampled_from(sorted(EVIDENCE_KINDS))
    )
    spec = EVIDENCE_KINDS[kind]
    details = {}
    for field in spec.fields:
        if field.required or draw(st.booleans()):
            details[field.name] = draw(_field_value(field, local, today))
    # Mostly someone who may record it; sometimes anyone (the refusal is checked too).
    allowed = sorted(spec.roles, key=str)
    role = draw(st.sampled_from(allowed) | st.sampled_from(list(USER_OF_ROLE)))
    return kind, role, details


@st.composite
def step(draw: st.DrawFn, kind: str, state: str, today: date) -> dict[str, Any]:
    """One step: evidence first, then a trigger fired by someone in a role, with params.

    Half the time the trigger is one the case's state offers (and the role one that may
    fire it), so that sequences get past the first state; otherwise anything at all.
    """
    lifecycle = LIFECYCLES[kind]
    here = lifecycle.steps_from(state)
    local = sorted({s.trigger for s in here})
    trigger = draw(
        st.sampled_from(local or lifecycle.triggers) | st.sampled_from(lifecycle.triggers)
    )
    roles = sorted({r for s in here if s.trigger == trigger for r in s.roles}, key=str)
    role = draw(st.sampled_from(roles or list(USER_OF_ROLE)) | st.sampled_from(list(USER_OF_ROLE)))
    params: dict[str, Any] = {}
    if draw(st.booleans()):
        params["note"] = draw(st.sampled_from(["because", "as agreed at the meeting"]))
    if draw(st.booleans()):
        params["outcome"] = draw(
            st.sampled_from(
                ["improved_sustained", "left_roll", "transferred", "other", "new_school", "gone"]
            )
        )
    if draw(st.booleans()):
        params["days_granted"] = draw(st.integers(0, 6))
    if draw(st.booleans()):
        params["reason"] = "exceptional circumstances"
    if draw(st.booleans()):
        params["further_reasons"] = "a letter from the hospital"
    return {
        "evidence": draw(st.lists(evidence_item(kind, local, today), max_size=3)),
        "trigger": trigger,
        "role": role,
        "params": params,
        "effective_in": draw(st.none() | st.integers(-5, 5)),
    }


# -- a fresh case per example ------------------------------------------------------------------


def new_case(db: Database, world: World, kind: str, data: st.DataObject) -> int:
    pupil = world.pupil()
    calendar = world.calendar
    if kind == "attendance_concern":
        if data.draw(st.booleans(), label="threshold met"):
            week = calendar.school_days(date(2026, 1, 5), date(2026, 1, 9))
            world.marks(pupil, week[0], week[-1], dict.fromkeys(week, "O"))
        return cases.open_case(db, upn=pupil, kind=kind, who=as_user(db, AO), today=START).id
    if kind == "missing_education":
        return cases.open_case(db, upn=pupil, kind=kind, who=as_user(db, AO), today=START).id
    if kind == "leave_request":
        lead = data.draw(st.integers(-3, 25), label="lead school days")
        length = data.draw(st.integers(1, 6), label="length")
        start = calendar.nth_school_day_after(START, lead) if lead > 0 else START
        end = calendar.nth_school_day_after(start, length - 1) if length > 1 else start
        following = calendar.school_days(start, calendar.nth_school_day_after(end, 12))
        codes = data.draw(
            st.lists(
                st.sampled_from(["/", "C", "G", "O"]),
                min_size=len(following),
                max_size=len(following),
            ),
            label="codes",
        )
        world.marks(pupil, following[0], following[-1], dict(zip(following, codes, strict=True)))
        requested = START + timedelta(days=data.draw(st.integers(-10, 3), label="requested"))
        return cases.open_case(
            db,
            upn=pupil,
            kind=kind,
            who=as_user(db, AO),
            today=START,
            details={
                "applicant": MOTHER,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "requested_on": requested.isoformat(),
            },
        ).id
    # A penalty notice: leave taken without permission opens a holiday concern, and its
    # penalty notice request opens one notice per parent.
    # Five school days of G (5 January is an INSET day): the 10 sessions of the threshold.
    days = calendar.school_days(date(2026, 1, 6), date(2026, 1, 12))
    world.marks(pupil, days[0], days[-1], dict.fromkeys(days, "G"))
    leave = cases.open_case(
        db,
        upn=pupil,
        kind="leave_request",
        who=as_user(db, AO),
        today=START,
        details={"applicant": MOTHER, "start": days[0].isoformat(), "end": days[-1].isoformat()},
    ).id
    cases.fire(db, case_id=leave, trigger="record_taken", who=as_user(db, AO), today=START)
    (concern,) = cases_of(db, pupil, "attendance_concern")
    slt_finds_no_notice_to_improve_appropriate(db, concern["id"], START.isoformat())
    outcome = cases.fire(
        db,
        case_id=concern["id"],
        trigger="request_penalty_notice",
        who=as_user(db, AO),
        today=START,
    )
    return outcome.opened[0].id


def run_sequence(db: Database, world: World, kind: str, data: st.DataObject) -> None:
    lifecycle = LIFECYCLES[kind]
    case_id = new_case(db, world, kind, data)
    pupil = world.last_upn
    assert case_row(db, case_id)["state"] == lifecycle.initial
    fired = len(transitions(db, case_id))  # 0: every kind opens without a transition
    today = START
    for _ in range(data.draw(st.integers(0, 12), label="number of steps")):
        today += timedelta(days=data.draw(st.integers(0, 9), label="days on"))
        item = data.draw(step(kind, case_row(db, case_id)["state"], today), label="step")
        for evidence_kind, role, details in item["evidence"]:
            before = case_snapshot(db, case_id)
            try:
                cases.add_evidence(
                    db,
                    case_id=case_id,
                    kind=evidence_kind,
                    details=details,
                    who=as_user(db, USER_OF_ROLE)[role],
                    today=today,
                )
            except Exception:
                assert case_snapshot(db, case_id) == before
        params = dict(item["params"])
        if item["effective_in"] is not None:
            params["effective_on"] = (today + timedelta(days=item["effective_in"])).isoformat()
        before = case_snapshot(db, case_id)
        try:
            outcome = cases.fire(
                db,
                case_id=case_id,
                trigger=item["trigger"],
                who=as_user(db, USER_OF_ROLE)[item["role"]],
                today=today,
                params=params,
                expected_version=before["case"]["version"],
            )
        except Exception:
            # Refused, whatever the reason: nothing about the case changed.
            assert case_snapshot(db, case_id) == before
        else:
            fired += 1
            event(f"fired {item['trigger']} -> {outcome.to_state}")
            row = case_row(db, case_id)
            assert row["state"] == outcome.to_state
            assert row["version"] == before["case"]["version"] + 1
            assert (row["closed_on"] is not None) == lifecycle.is_final(row["state"])
            last = transitions(db, case_id)[-1]
            assert (last["trigger"], last["from_state"], last["to_state"]) == (
                item["trigger"],
                before["case"]["state"],
                outcome.to_state,
            )
        assert case_row(db, case_id)["state"] in lifecycle.states
    row = case_row(db, case_id)
    assert cases.replay_state(db, case_id) == row["state"]
    assert len(transitions(db, case_id)) == fired
    # The pupil's other cases (those a step opened: notices, an enquiry) replay too.
    for other in cases_of(db, pupil):
        assert cases.replay_state(db, other["id"]) == other["state"]


@pytest.mark.parametrize("kind", sorted(LIFECYCLES))
def test_random_steps_never_reach_an_undeclared_state_and_replay_to_the_stored_one(
    db: Database, data_dir: Path, kind: str
) -> None:
    world = make_world(db, data_dir)

    @PROPERTY_SETTINGS
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        run_sequence(db, world, kind, data)

    check()
