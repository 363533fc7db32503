"""The `casework case` and `casework user` commands: work cases from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from casework.cli import (
    DatabaseOption,
    JsonOption,
    SchoolOption,
    app,
    err,
    fail,
    friendly_errors,
    open_database,
    out,
    parse_day,
    print_json,
)
from casework.machines import LIFECYCLES
from casework.machines.diagram import mermaid
from casework.machines.lifecycle import TriggerError
from casework.services import cases, users

case_app = typer.Typer(
    help="Work cases: list, show, add evidence, take the next step.", no_args_is_help=True
)
user_app = typer.Typer(help="People who use Casework and their roles.", no_args_is_help=True)
app.add_typer(case_app, name="case")
app.add_typer(user_app, name="user")

AsOption = Annotated[str, typer.Option("--as", help="Your username (casework user add).")]
TodayOption = Annotated[
    str | None,
    typer.Option("--today", help="Act as of this day (default: today); for replaying records."),
]


@contextmanager
def case_errors() -> Iterator[None]:
    with friendly_errors():
        try:
            yield
        except cases.ConflictError as error:
            err.print(f"[bold red]conflict:[/] {escape(str(error))}", highlight=False)
            if error.submitted:
                err.print("What you submitted, to try again:", highlight=False)
                for key, value in error.submitted.items():
                    err.print(f"  {key}: {value}", highlight=False, markup=False)
            raise typer.Exit(3) from None
        # Escaped: a message quotes what was typed, and rich would swallow "[phone]" as markup.
        except TriggerError as error:
            fail(escape(str(error)))
        except (cases.CaseError, users.UserError) as error:
            fail(escape(str(error)))


def pairs(values: list[str] | None, what: str) -> dict[str, Any]:
    """KEY=VALUE options as a dict, refusing anything else by name."""
    out_: dict[str, Any] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"{what} {item!r} must look like key=value", 2)
        out_[key.strip()] = value.strip()
    return out_


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Sign-in name, e.g. b.example")],
    name: Annotated[str, typer.Option(help="Full name, as letters are signed.")],
    position: Annotated[str, typer.Option(help="Job title, e.g. Attendance Lead.")],
    role: Annotated[
        str, typer.Option(help="attendance_officer, senior_leader, la_officer or teacher.")
    ],
    school: SchoolOption = None,
    la: Annotated[str | None, typer.Option("--la", help="LA code, for an LA officer.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Add a user with a role at a school (or at an LA for LA officers)."""
    with case_errors(), open_database(database, migrate=True) as db:
        who = users.add_user(
            db,
            username=username,
            name=name,
            position=position,
            role=role,
            school_urn=school,
            la_code=la,
        )
    out.print(f"Added {who.username}: {who.name}, {who.position} ({who.role.value}).")


@user_app.command("list")
def user_list(database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Everyone who can use this database."""
    with case_errors(), open_database(database) as db:
        everyone = users.list_users(db)
    if as_json:
        print_json(
            [
                {
                    "username": u.username,
                    "name": u.name,
                    "position": u.position,
                    "role": u.role.value,
                }
                for u in everyone
            ]
        )
        return
    table = Table("username", "name", "position", "role")
    for u in everyone:
        table.add_row(u.username, u.name, u.position, u.role.value)
    out.print(table)


def _today(value: str | None) -> date:
    return parse_day(value, "--today") or date.today()


@case_app.command("list")
def case_list(
    as_user: AsOption,
    closed: Annotated[bool, typer.Option("--closed", help="Include closed cases.")] = False,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """The cases you may see."""
    with case_errors(), open_database(database) as db:
        found = cases.list_cases(db, username=as_user, include_closed=closed)
    if as_json:
        print_json([c.as_dict() for c in found])
        return
    table = Table("id", "UPN", "kind", "state", "opened")
    for c in found:
        table.add_row(
            str(c.id),
            c.upn,
            c.kind.replace("_", " "),
            c.state.replace("_", " "),
            c.opened_on.isoformat(),
        )
    out.print(table)


@case_app.command("show")
def case_show(
    case_id: Annotated[int, typer.Argument(help="Case number.")],
    as_user: AsOption,
    today: TodayOption = None,
    diagram: Annotated[
        bool, typer.Option("--diagram", help="Print the lifecycle as mermaid text.")
    ] = False,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """State, evidence, deadlines, chronology and next steps of a case."""
    with case_errors(), open_database(database) as db:
        detail = cases.show_case(db, case_id=case_id, username=as_user, today=_today(today))
    graph = mermaid(LIFECYCLES[detail.summary.kind], detail.summary.state)
    if as_json:
        print_json({**detail.as_dict(), "diagram": graph})
        return
    s = detail.summary
    out.print(f"[bold]Case {s.id}[/]: {detail.kind_title} for {s.upn}, school {s.school_urn}")
    out.print(f"State: [bold]{detail.state_label}[/] (version {s.version}, opened {s.opened_on})")
    for key, value in detail.details.items():
        if isinstance(value, dict):  # a live measure, e.g. the penalty threshold count
            if "count" in value:
                out.print(
                    f"{key.replace('_', ' ').capitalize()}: {value['count']} of "
                    f"{value['threshold']} sessions {value['window']}"
                )
            continue
        shown = f"£{value:.2f}" if key.endswith("amount") and isinstance(value, float) else value
        out.print(f"{key.replace('_', ' ').capitalize()}: {shown}", highlight=False)
    steps = Table("next step", "trigger", "allowed", "why not", "who may", title="Next steps")
    for step in detail.next_steps:
        steps.add_row(
            step.label,
            step.trigger,
            "yes" if step.allowed else "no",
            "; ".join(step.reasons),
            ", ".join(step.roles) + ("" if step.permitted else " (not you)"),
        )
    out.print(steps)
    if detail.deadlines:
        table = Table("due", "deadline", "status", title="Deadlines")
        for d in detail.deadlines:
            table.add_row(d["due_on"], d["label"], d["status"])
        out.print(table)
    if detail.evidence:
        table = Table("id", "recorded", "kind", "details", title="Evidence")
        for e in detail.evidence:
            note = f" (superseded by {e['superseded_by']})" if e["superseded_by"] else ""
            shown = {k: v for k, v in e["details"].items() if k != "marks"}
            table.add_row(
                str(e["id"]),
                e["recorded_on"],
                e["kind"] + note,
                ", ".join(f"{k}: {v}" for k, v in shown.items()),
            )
        out.print(table)
    table = Table("#", "on", "what", "by", "note", title="Chronology")
    for event in detail.chronology:
        what = event["action"]
        if event["action"] == "transition":
            what = f"{event['trigger']}: {event['from']} -> {event['to']}"
        elif event["action"] == "opened":
            what = f"opened in {event['to']}"
        elif event["evidence"]:
            what = f"{event['action']} {event['evidence']}"
        table.add_row(
            str(event["seq"]),
            event["on"],
            what,
            f"{event['by']} ({event['role']})",
            event["note"] or "",
        )
    out.print(table)
    if diagram:
        out.print(graph, markup=False, highlight=False)


@case_app.command("open")
def case_open(
    upn: Annotated[str, typer.Argument(help="The pupil's UPN.")],
    kind: Annotated[
        str, typer.Argument(help="attendance_concern, missing_education or leave_request.")
    ],
    as_user: AsOption,
    detail: Annotated[
        list[str] | None,
        typer.Option("--detail", help="key=value, e.g. start=2026-03-02 (leave requests)."),
    ] = None,
    note: Annotated[str | None, typer.Option(help="Why the case is opened.")] = None,
    today: TodayOption = None,
    school: SchoolOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open a case by hand (the sweep opens most concerns itself)."""
    with case_errors(), open_database(database) as db:
        summary = cases.open_case(
            db,
            upn=upn,
            kind=kind,
            username=as_user,
            today=_today(today),
            details=pairs(detail, "--detail"),
            school_urn=school,
            note=note,
        )
    if as_json:
        print_json(summary.as_dict())
        return
    out.print(
        f"Opened case {summary.id}: {kind.replace('_', ' ')} for {upn}, state {summary.state}."
    )


@case_app.command("evidence")
def case_evidence(
    case_id: Annotated[int, typer.Argument(help="Case number.")],
    kind: Annotated[
        str, typer.Argument(help="contact_attempt, home_visit, meeting, signed_plan, ...")
    ],
    as_user: AsOption,
    field: Annotated[
        list[str] | None, typer.Option("--field", "-f", help="key=value for the evidence.")
    ] = None,
    recorded_on: Annotated[
        str | None, typer.Option(help="When it happened (default: today).")
    ] = None,
    supersedes: Annotated[int | None, typer.Option(help="Evidence id this corrects.")] = None,
    reason: Annotated[
        str | None, typer.Option(help="Why it is corrected (with --supersedes).")
    ] = None,
    today: TodayOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record evidence on a case (evidence is never deleted, only superseded with a reason)."""
    with case_errors(), open_database(database) as db:
        evidence_id = cases.add_evidence(
            db,
            case_id=case_id,
            kind=kind,
            details=pairs(field, "--field"),
            username=as_user,
            today=_today(today),
            recorded_on=parse_day(recorded_on, "--recorded-on"),
            supersedes=supersedes,
            reason=reason,
        )
    if as_json:
        print_json({"case": case_id, "evidence": evidence_id})
        return
    out.print(f"Recorded evidence {evidence_id} ({kind.replace('_', ' ')}) on case {case_id}.")


@case_app.command("fire")
def case_fire(
    case_id: Annotated[int, typer.Argument(help="Case number.")],
    trigger: Annotated[str, typer.Argument(help="The step to take (see case show).")],
    as_user: AsOption,
    note: Annotated[str | None, typer.Option(help="Why, for the audit trail.")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="key=value the step needs.")
    ] = None,
    version: Annotated[int | None, typer.Option(help="The case version you looked at.")] = None,
    today: TodayOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take a step on a case, if its guards and your role allow it."""
    params = pairs(param, "--param")
    if note:
        params["note"] = note
    with case_errors(), open_database(database) as db:
        outcome = cases.fire(
            db,
            case_id=case_id,
            trigger=trigger,
            username=as_user,
            today=_today(today),
            params=params,
            expected_version=version,
        )
    if as_json:
        print_json(
            {
                **outcome.case.as_dict(),
                "from": outcome.from_state,
                "to": outcome.to_state,
                "deadlines": [
                    {"label": label, "due_on": due.isoformat()} for label, due in outcome.deadlines
                ],
                "opened": [c.as_dict() for c in outcome.opened],
            }
        )
        return
    out.print(f"Case {case_id}: {outcome.from_state} -> [bold]{outcome.to_state}[/].")
    for label, due in outcome.deadlines:
        out.print(f"  deadline: {label} {due}")
    for opened in outcome.opened:
        out.print(f"  opened case {opened.id}: {opened.kind.replace('_', ' ')} ({opened.state})")
