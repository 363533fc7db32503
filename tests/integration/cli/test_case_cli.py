"""`casework user add` and `casework case list/show/open/evidence/fire` through the CLI.

Errors end with one clear message on stderr and a non-zero exit, never a traceback; a
conflict exits with code 3 and repeats what was submitted.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from typer.testing import Result

from casework.store.database import Database
from tests.support.cli import run
from tests.support.world import AO, HEAD, LA, MOTHER, TEACHER, URN, World


def ok(database_url: str, *args: str) -> Result:
    result = run(database_url, *args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def as_json(database_url: str, *args: str) -> Any:
    return json.loads(ok(database_url, *args, "--json").stdout)


def refused(database_url: str, code: int, *args: str) -> str:
    """Run a command that must fail cleanly; returns its stderr with whitespace collapsed."""
    result = run(database_url, *args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stderr + result.stdout
    return " ".join(result.stderr.split())


def test_user_add_and_its_refusals(db: Database, data_dir: Path, database_url: str) -> None:
    ok(database_url, "init", "--school", str(data_dir / "school.toml"))
    result = ok(
        database_url,
        "user",
        "add",
        "j.smith",
        "--name",
        "Jo Smith",
        "--position",
        "Attendance Officer",
        "--role",
        "attendance_officer",
        "--school",
        URN,
    )
    assert "Added j.smith: Jo Smith, Attendance Officer (attendance_officer)." in result.stdout
    ok(
        database_url,
        "user",
        "add",
        "l.jones",
        "--name",
        "Lu Jones",
        "--position",
        "CME Officer",
        "--role",
        "la_officer",
        "--la",
        "850",
    )
    listed = as_json(database_url, "user", "list")
    assert [(u["username"], u["role"], u["position"]) for u in listed] == [
        ("j.smith", "attendance_officer", "Attendance Officer"),
        ("l.jones", "la_officer", "CME Officer"),
    ]
    base = ["--name", "X", "--position", "Y"]
    assert "there is already a user 'j.smith'" in refused(
        database_url, 1, "user", "add", "j.smith", *base, "--role", "teacher", "--school", URN
    )
    assert "unknown role 'caretaker'" in refused(
        database_url, 1, "user", "add", "c.k", *base, "--role", "caretaker", "--school", URN
    )
    assert "an LA officer needs --la CODE" in refused(
        database_url, 1, "user", "add", "l.x", *base, "--role", "la_officer"
    )
    assert "kept for the daily sweep" in refused(
        database_url,
        1,
        "user",
        "add",
        "casework-sweep",
        *base,
        "--role",
        "teacher",
        "--school",
        URN,
    )
    assert [u["username"] for u in as_json(database_url, "user", "list")] == [
        "j.smith",
        "l.jones",
    ]


def test_case_open_list_show_evidence_and_fire(world: World, database_url: str) -> None:
    pupil = world.pupil()
    opened = as_json(
        database_url,
        "case",
        "open",
        pupil,
        "attendance_concern",
        "--as",
        AO,
        "--today",
        "2026-01-19",
        "--note",
        "worried about Mondays",
    )
    cid = opened["id"]
    assert (opened["upn"], opened["kind"], opened["state"]) == (
        pupil,
        "attendance_concern",
        "monitoring",
    )

    listed = as_json(database_url, "case", "list", "--as", AO)
    assert [{k: c[k] for k in ("id", "upn", "kind", "state")} for c in listed] == [
        {"id": cid, "upn": pupil, "kind": "attendance_concern", "state": "monitoring"}
    ]
    assert as_json(database_url, "case", "list", "--as", LA) == []

    shown = as_json(database_url, "case", "show", str(cid), "--as", AO, "--today", "2026-01-19")
    assert (shown["state"], shown["evidence"], shown["deadlines"]) == ("monitoring", [], [])
    assert [(e["action"], e["by"], e["note"]) for e in shown["chronology"]] == [
        ("opened", AO, "worried about Mondays")
    ]
    steps = {s["trigger"]: s for s in shown["next_steps"]}
    assert set(steps) == {"offer_support", "request_penalty_notice", "close"}
    for s in shown["next_steps"]:
        assert {"trigger", "allowed", "reasons", "roles", "permitted"} <= set(s)
    assert steps["offer_support"] | {"label": None, "to": None, "automatic": None} == {
        "trigger": "offer_support",
        "label": None,
        "to": None,
        "automatic": None,
        "allowed": False,
        "reasons": ["no contact with the family recorded yet"],
        "roles": ["attendance_officer", "senior_leader"],
        "permitted": True,
    }
    assert "stateDiagram" in shown["diagram"]

    result = ok(
        database_url,
        "case",
        "evidence",
        str(cid),
        "contact_attempt",
        "-f",
        "channel=phone",
        "-f",
        f"contact={MOTHER}",
        "-f",
        "outcome=reached",
        "--as",
        AO,
        "--today",
        "2026-01-19",
    )
    assert re.search(rf"Recorded evidence \d+ \(contact attempt\) on case {cid}\.", result.stdout)

    result = ok(
        database_url,
        "case",
        "fire",
        str(cid),
        "offer_support",
        "--as",
        AO,
        "--note",
        "spoke to mum",
        "--today",
        "2026-01-19",
    )
    assert f"Case {cid}: monitoring -> school_support." in result.stdout

    shown = as_json(
        database_url, "case", "show", str(cid), "--as", TEACHER, "--today", "2026-01-20"
    )
    assert (shown["state"], shown["version"]) == ("school_support", 2)
    assert [(e["kind"], e["details"]["contact"]) for e in shown["evidence"]] == [
        ("contact_attempt", MOTHER)
    ]
    transition = shown["chronology"][-1]
    assert {
        k: transition[k]
        for k in ("action", "trigger", "from", "to", "by", "role", "position", "note")
    } == {
        "action": "transition",
        "trigger": "offer_support",
        "from": "monitoring",
        "to": "school_support",
        "by": AO,
        "role": "attendance_officer",
        "position": "Attendance Lead",
        "note": "spoke to mum",
    }
    # The teacher may read it, but no step is theirs.
    assert not any(s["permitted"] for s in shown["next_steps"])
    # The table view shows the same case without a traceback.
    table = ok(database_url, "case", "show", str(cid), "--as", AO, "--today", "2026-01-20")
    assert f"Case {cid}" in table.stdout and "School-led support" in table.stdout


def test_case_fire_errors_are_one_clear_message(world: World, database_url: str) -> None:
    pupil = world.pupil()
    cid = as_json(
        database_url,
        "case",
        "open",
        pupil,
        "attendance_concern",
        "--as",
        AO,
        "--today",
        "2026-01-19",
    )["id"]
    case = str(cid)

    # A blocked step says why.
    message = refused(
        database_url, 1, "case", "fire", case, "offer_support", "--as", AO, "--today", "2026-01-19"
    )
    assert message == "error: cannot offer support now: no contact with the family recorded yet"
    # A step not from this state lists the possible ones.
    message = refused(database_url, 1, "case", "fire", case, "agree_plan", "--as", AO)
    assert "'agree_plan' is not a step from 'monitoring'" in message
    # Unknown user, a role that may not, a case the LA may not see.
    assert "no user 'ghost'; add one with casework user add" in refused(
        database_url, 1, "case", "fire", case, "close", "--as", "ghost"
    )
    assert "a teacher may not close" in refused(
        database_url,
        1,
        "case",
        "fire",
        case,
        "close",
        "--as",
        TEACHER,
        "--note",
        "x",
        "-p",
        "outcome=other",
    )
    assert f"error: no case {cid}" == refused(database_url, 1, "case", "show", case, "--as", LA)
    # Bad input is refused by name.
    assert "must look like key=value" in refused(
        database_url, 2, "case", "fire", case, "close", "--as", AO, "-p", "outcome"
    )
    assert "contact_attempt has no field 'mood'" in refused(
        database_url, 1, "case", "evidence", case, "contact_attempt", "--as", AO, "-f", "mood=x"
    )
    assert "an attendance officer may not record senior leader's decision" in refused(
        database_url,
        1,
        "case",
        "evidence",
        case,
        "slt_approval",
        "--as",
        AO,
        "-f",
        "decision=approved",
        "-f",
        "step=close",
    )
    assert "unknown case kind 'truancy'" in refused(
        database_url, 1, "case", "open", pupil, "truancy", "--as", AO
    )
    # Square brackets in what was typed are shown, not swallowed as markup.
    message = refused(
        database_url,
        1,
        "case",
        "evidence",
        case,
        "contact_attempt",
        "--as",
        AO,
        "-f",
        "channel=[phone]",
        "-f",
        f"contact={MOTHER}",
        "-f",
        "outcome=reached",
    )
    assert "not '[phone]'" in message


def test_case_fire_conflict_exits_3_and_keeps_what_was_typed(
    world: World, database_url: str
) -> None:
    pupil = world.pupil()
    cid = str(
        as_json(
            database_url,
            "case",
            "open",
            pupil,
            "attendance_concern",
            "--as",
            AO,
            "--today",
            "2026-01-19",
        )["id"]
    )
    ok(
        database_url,
        "case",
        "fire",
        cid,
        "close",
        "--as",
        HEAD,
        "--note",
        "opened in error",
        "-p",
        "outcome=other",
        "--version",
        "1",
        "--today",
        "2026-01-19",
    )
    result = run(
        database_url,
        "case",
        "fire",
        cid,
        "close",
        "--as",
        AO,
        "--note",
        "a long note typed with care",
        "-p",
        "outcome=improved_sustained",
        "--version",
        "1",
        "--today",
        "2026-01-19",
    )
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    stderr = " ".join(result.stderr.split())
    assert "conflict: case" in stderr
    assert "you saw version 1, it is now version 2" in stderr
    assert "note: a long note typed with care" in stderr
    assert "outcome: improved_sustained" in stderr
    shown = as_json(database_url, "case", "show", cid, "--as", AO, "--today", "2026-01-19")
    assert shown["chronology"][-1]["note"] == "opened in error"


def test_leave_request_through_the_cli(world: World, database_url: str) -> None:
    pupil = world.pupil()
    lid = str(
        as_json(
            database_url,
            "case",
            "open",
            pupil,
            "leave_request",
            "--as",
            AO,
            "--today",
            "2026-02-02",
            "--detail",
            "start=2026-03-02",
            "--detail",
            "end=2026-03-06",
            "--detail",
            f"applicant={MOTHER}",
        )["id"]
    )
    ok(database_url, "case", "fire", lid, "review", "--as", AO, "--today", "2026-02-02")
    assert "days granted: 'three' is not a date (give YYYY-MM-DD dates or a number)" in refused(
        database_url,
        1,
        "case",
        "fire",
        lid,
        "grant_in_part",
        "--as",
        HEAD,
        "-p",
        "days_granted=three",
        "-p",
        "reason=funeral",
        "--today",
        "2026-02-03",
    )
    fired = as_json(
        database_url,
        "case",
        "fire",
        lid,
        "grant_in_part",
        "--as",
        HEAD,
        "-p",
        "days_granted=2026-03-03,2026-03-05",
        "-p",
        "reason=funeral",
        "--today",
        "2026-02-03",
    )
    assert (fired["from"], fired["to"], fired["version"]) == (
        "under_review",
        "partially_granted",
        3,
    )
    shown = as_json(database_url, "case", "show", lid, "--as", AO, "--today", "2026-02-03")
    assert shown["details"]["dates_granted"] == ["2026-03-03", "2026-03-05"]
    assert shown["details"]["applicant"] == MOTHER
