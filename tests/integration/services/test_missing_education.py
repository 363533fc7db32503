"""Children missing education through the services (DOMAIN.md section 5), on a real database.

A run of absence goes on across the summer into the next school year; "unexplained" is no
reason given (N), not a refused one (O); a deletion re-checks its ground on the day, takes the
pupil off roll and closes the pupil's other cases; and no new case opens for a pupil off roll.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.machines.lifecycle import BlockedError
from casework.register.school import load_school
from casework.services import cases
from casework.services.daily_sweep import DailySweepResult, daily_sweep
from casework.store.database import Database
from tests.support.actions import as_user, evidence, fire
from tests.support.calendar import AUTUMN_2026
from tests.support.dates import d
from tests.support.rows import (
    Snapshot,
    case_row,
    case_snapshot,
    cases_of,
    events,
    evidence_rows,
    open_deadlines,
    pupil_row,
)
from tests.support.world import (
    AO,
    FATHER,
    GRANDMOTHER,
    HEAD,
    LA,
    MOTHER,
    World,
    change_school,
)

RUN = (d("2026-02-02"), d("2026-03-06"))  # 20 school days, Monday to Friday


def rules_found(swept: DailySweepResult, pupil: str) -> list[str]:
    return [f.rule for _urn, f in swept.findings.findings if f.pupil == pupil]


def absent_20_days(db: Database, world: World) -> tuple[str, int]:
    """A pupil absent without permission (O) for 20 school days to Friday 6 March 2026, swept
    that day: returns the pupil and the missing education case the sweep opened."""
    pupil = world.pupil()
    absent = {day: "O" for day in world.calendar.school_days(*RUN)}
    world.marks(pupil, d("2025-09-03"), RUN[1], absent)
    daily_sweep(db, RUN[1])
    (cme,) = cases_of(db, pupil, "missing_education")
    return pupil, int(cme["id"])


def ready_to_delete(db: Database, world: World, today: str = "2026-03-09") -> tuple[str, int]:
    """Referred, with joint enquiries, the statement, the LA's confirmation and SLT approval."""
    pupil, mid = absent_20_days(db, world)
    for name in (MOTHER, FATHER, GRANDMOTHER):
        evidence(db, mid, "contact_attempt", AO, today, channel="phone", contact=name,
                 outcome="no_answer")  # fmt: skip
    fire(db, mid, "start_enquiries", AO, today)
    evidence(db, mid, "home_visit", AO, today, outcome="no_answer")
    evidence(db, mid, "welfare_check", AO, today, requested_on=today)
    fire(db, mid, "refer_to_la", AO, today)
    evidence(db, mid, "enquiry", LA, today, outcome="no trace", **{"with": "la_cme_team"})
    evidence(db, mid, "not_ill_or_prevented", AO, today, reason="no GP or hospital contact")
    evidence(db, mid, "la_deletion_confirmation", LA, today, decision="confirmed")
    evidence(db, mid, "slt_approval", HEAD, today, decision="approved", step="delete_from_roll")
    return pupil, mid


# -- the run goes on across the summer ---------------------------------------------------------


def test_a_run_from_13_july_fires_on_the_20th_school_day_in_september(
    db: Database, world: World, data_dir: Path
) -> None:
    this_year = load_school(data_dir / "school.toml").terms
    change_school(world, data_dir, terms=(*this_year, AUTUMN_2026))
    pupil = world.pupil()
    july_13, day_19, day_20 = d("2026-07-13"), d("2026-09-17"), d("2026-09-18")
    absent = {day: "O" for day in world.calendar.school_days(july_13, day_20)}
    assert len(absent) == 20  # 8 school days in July, 12 in September
    world.marks(pupil, d("2025-09-03"), day_19, absent)
    assert "cme_continuous_absence" not in rules_found(daily_sweep(db, day_19), pupil)
    world.marks(pupil, day_20, day_20, absent)
    swept = daily_sweep(db, day_20)
    assert "cme_continuous_absence" in rules_found(swept, pupil)
    (cme,) = cases_of(db, pupil, "missing_education")
    assert cme["details"]["first_absent_on"] == "2026-07-13"
    (ground,) = [
        e["details"]
        for e in evidence_rows(db, cme["id"])
        if e["details"]["rule"] == "cme_continuous_absence"
    ]
    assert "from 13 July 2026 to 18 September 2026: 20 school days in a row" in ground["reason"]
    # Its deadlines are days of that absence: the summer break does not count.
    evidence(db, cme["id"], "contact_attempt", AO, "2026-09-18", channel="phone", contact=MOTHER,
             outcome="no_answer")  # fmt: skip
    fire(db, cme["id"], "start_enquiries", AO, "2026-09-18")
    assert open_deadlines(db, cme["id"]) == {
        "home_visit": d("2026-07-16"),
        "welfare_check": d("2026-07-17"),
        "la_referral": d("2026-09-04"),  # day 10: Friday 4 September
    }


# -- unexplained means no reason given ----------------------------------------------------------


def test_o_marks_do_not_make_day_5_unexplained_but_n_marks_do(
    db: Database, world: World, data_dir: Path
) -> None:
    change_school(world, data_dir, policy="delius")
    week = world.calendar.school_days(d("2026-02-02"), d("2026-02-06"))
    refused, unexplained = world.pupil(), world.pupil()
    world.marks(refused, d("2025-09-03"), week[-1], dict.fromkeys(week, "O"))
    world.marks(unexplained, d("2025-09-03"), week[-1], dict.fromkeys(week, "N"))
    swept = daily_sweep(db, week[-1])
    assert not {"delius.home_visit_day_4", "delius.cme_day_5"} & set(rules_found(swept, refused))
    assert cases_of(db, refused, "missing_education") == []
    (cme,) = cases_of(db, unexplained, "missing_education")
    assert {e["details"]["rule"] for e in evidence_rows(db, cme["id"])} == {
        "delius.home_visit_day_4",
        "delius.cme_day_5",
    }
    # Delius tells the LA on day 5 of the absence: the policy gives the day.
    evidence(db, cme["id"], "contact_attempt", AO, "2026-02-06", channel="phone",
             contact=MOTHER, outcome="no_answer")  # fmt: skip
    fire(db, cme["id"], "start_enquiries", AO, "2026-02-06")
    assert open_deadlines(db, cme["id"])["la_referral"] == d("2026-02-06")


# -- deletion ----------------------------------------------------------------------------------


def test_deletion_sets_the_leaving_date_and_no_new_case_opens_for_the_pupil(
    db: Database, world: World
) -> None:
    pupil, mid = ready_to_delete(db, world)
    (concern,) = cases_of(db, pupil, "attendance_concern")
    fire(db, mid, "delete_from_roll", AO, "2026-03-09", effective_on="2026-03-09")
    assert pupil_row(db, pupil)["leaving_date"] == d("2026-03-09")
    assert case_row(db, concern["id"])["closed_on"] == d("2026-03-09")
    assert events(db, concern["id"])[-1]["action"] == "closed"

    # The concern closed with the pupil: no step is left on it.
    shown = cases.show_case(db, case_id=concern["id"], who=as_user(db, AO), today=d("2026-03-09"))
    assert shown.next_steps == ()
    with pytest.raises(cases.CaseError, match="was closed on 9 March 2026"):
        fire(db, concern["id"], "close", AO, "2026-03-10", outcome="left_roll", note="gone")

    # The sweep opens nothing for the pupil, on the leaving day (still marked) or after.
    before = cases_of(db, pupil)
    world.marks(pupil, d("2026-03-09"), d("2026-03-09"), {d("2026-03-09"): "O"})
    for day in ("2026-03-09", "2026-03-20"):
        swept = daily_sweep(db, d(day))
        assert [c for c in swept.cases_opened if c["upn"] == pupil] == []
        assert [e for e in swept.evidence_added if e["upn"] == pupil] == []
    assert cases_of(db, pupil) == before

    # ... and nobody opens one by hand.
    for kind, details in (
        ("missing_education", {}),
        ("attendance_concern", {}),
        ("leave_request", {"start": "2026-04-20", "end": "2026-04-24"}),
    ):
        with pytest.raises(cases.CaseError, match=f"{pupil} is off roll from 9 March 2026"):
            cases.open_case(
                db, upn=pupil, kind=kind, who=as_user(db, AO), today=d("2026-03-10"),
                details=details,
            )  # fmt: skip
    assert cases_of(db, pupil) == before


def test_deletion_rechecks_its_ground_on_the_day(db: Database, world: World) -> None:
    pupil, mid = ready_to_delete(db, world)
    assert (
        "deletion_ground"
        in cases.show_case(db, case_id=mid, who=as_user(db, AO), today=d("2026-03-09")).details
    )
    # Back for a day on Monday 9 March, absent again on Tuesday: the 20-day run is broken,
    # though the finding that opened the case is still on file.
    world.marks(pupil, d("2026-03-09"), d("2026-03-10"), {d("2026-03-10"): "O"})
    shown = cases.show_case(db, case_id=mid, who=as_user(db, AO), today=d("2026-03-10"))
    assert "deletion_ground" not in shown.details
    before = case_snapshot(db, mid)
    with pytest.raises(BlockedError) as refused:
        fire(db, mid, "delete_from_roll", AO, "2026-03-10", effective_on="2026-03-10")
    assert refused.value.reasons == [
        "no deletion ground holds on 10 March 2026 (20 school days absent without reason, "
        "or not back 10 school days after leave)"
    ]
    assert case_snapshot(db, mid) == before
    assert pupil_row(db, pupil)["leaving_date"] is None


def test_school_staff_cannot_confirm_a_deletion_for_the_la(
    db: Database, world: World, snapshot: Snapshot
) -> None:
    _pupil, mid = absent_20_days(db, world)
    before = snapshot(db)
    for who in (AO, HEAD):
        with pytest.raises(cases.CaseError, match=r"may not record .* \(needs la_officer\)"):
            evidence(db, mid, "la_deletion_confirmation", who, "2026-03-09", decision="confirmed")
    assert snapshot(db) == before


def test_the_sweep_moves_the_first_day_of_absence_earlier_never_later(
    db: Database, world: World
) -> None:
    later, earlier = world.pupil(), world.pupil()
    days = world.calendar.school_days(d("2026-02-02"), d("2026-02-13"))
    for pupil, first in ((later, "2026-02-11"), (earlier, "2026-01-26")):
        world.marks(pupil, d("2025-09-03"), days[-1], dict.fromkeys(days, "O"))
        cases.open_case(
            db, upn=pupil, kind="missing_education", who=as_user(db, AO), today=d("2026-02-11"),
            details={"first_absent_on": first},
        )  # fmt: skip
    daily_sweep(db, days[-1])  # 10 school days absent from Monday 2 February
    (moved,) = cases_of(db, later, "missing_education")
    assert moved["details"]["first_absent_on"] == "2026-02-02"
    assert events(db, moved["id"])[-2]["note"] == (
        "the first day of absence is 2 February 2026 (notify_la_absent_10_days)"
    )
    (kept,) = cases_of(db, earlier, "missing_education")
    assert kept["details"]["first_absent_on"] == "2026-01-26"
