"""The `casework case` commands: work cases from the command line, acting as `--as USER`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from casework import shapes, text
from casework.cli.console import (
    AsOption,
    DatabaseOption,
    JsonOption,
    SchoolOption,
    TodayOption,
    open_database,
    out,
    pairs,
    parse_day,
    print_json,
    today_from,
)
from casework.cli.errors import reported
from casework.services import cases
from casework.services.access import users
from casework.services.letters.pack import evidence_pack

case_app = typer.Typer(
    help="Work cases: list, show, add evidence, take the next step, print the LA evidence pack.",
    no_args_is_help=True,
)


@case_app.command("list")
def case_list(
    as_user: AsOption,
    closed: Annotated[bool, typer.Option("--closed", help="Include closed cases.")] = False,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """The cases you may see."""
    with reported(), open_database(database) as db:
        who = users.resolve(db, as_user)
        found = cases.list_cases(db, who=who, include_closed=closed)
    if as_json:
        print_json([shapes.case_summary(c) for c in found])
        return
    table = Table("id", "UPN", "kind", "state", "opened")
    for c in found:
        table.add_row(
            str(c.id),
            c.upn,
            text.words(c.kind),
            text.words(c.state),
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
    with reported(), open_database(database) as db:
        who = users.resolve(db, as_user)
        detail = cases.show_case(db, case_id=case_id, who=who, today=today_from(today))
    shown = shapes.case_shown(detail)
    graph = shown["diagram"]
    if as_json:
        print_json(shown)
        return
    s = detail.summary
    out.print(
        Text.assemble(
            (f"Case {s.id}", "bold"), f": {detail.kind_title} for {s.upn}, school {s.school_urn}"
        )
    )
    out.print(
        Text.assemble(
            "State: ",
            (detail.state_label, "bold"),
            f" (version {s.version}, opened {s.opened_on})",
        )
    )
    for key, value in detail.details.items():
        line = text.detail_line(key, value)
        if line is not None:
            out.print(line, highlight=False, markup=False)
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
            table.add_row(d.due_on.isoformat(), d.label, d.status)
        out.print(table)
    if detail.evidence:
        table = Table("id", "recorded", "kind", "details", title="Evidence")
        for e in detail.evidence:
            note = f" (superseded by {e.superseded_by})" if e.superseded_by else ""
            shown = text.shown_details(e.details)
            table.add_row(
                str(e.id),
                e.recorded_on.isoformat(),
                e.kind + note,
                # Yes/no for a yes/no field; every other value as stored (ISO dates, codes).
                ", ".join(f"{k}: {text.yes_no(v)}" for k, v in shown.items()),
            )
        out.print(table)
    table = Table("#", "on", "what", "by", "note", title="Chronology")
    for event in detail.chronology:
        what = text.event_what(
            event.action, event.trigger, event.from_state, event.to_state, event.evidence_id
        )
        table.add_row(
            str(event.seq),
            event.on.isoformat(),
            what,
            f"{event.by} ({event.role})",
            event.note or "",
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
    with reported(), open_database(database) as db:
        who = users.resolve(db, as_user)
        summary = cases.open_case(
            db,
            upn=upn,
            kind=kind,
            who=who,
            today=today_from(today),
            details=pairs(detail, "--detail"),
            school_urn=school,
            note=note,
        )
    if as_json:
        print_json(shapes.case_summary(summary))
        return
    out.print(f"Opened case {summary.id}: {text.words(kind)} for {upn}, state {summary.state}.")


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
    with reported(), open_database(database) as db:
        who = users.resolve(db, as_user)
        evidence_id = cases.add_evidence(
            db,
            case_id=case_id,
            kind=kind,
            details=pairs(field, "--field"),
            who=who,
            today=today_from(today),
            recorded_on=parse_day(recorded_on, "--recorded-on"),
            supersedes=supersedes,
            reason=reason,
        )
    if as_json:
        print_json({"case": case_id, "evidence": evidence_id})
        return
    out.print(f"Recorded evidence {evidence_id} ({text.words(kind)}) on case {case_id}.")


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
    with reported(), open_database(database) as db:
        who = users.resolve(db, as_user)
        outcome = cases.fire(
            db,
            case_id=case_id,
            trigger=trigger,
            who=who,
            today=today_from(today),
            params=params,
            expected_version=version,
        )
    if as_json:
        print_json(shapes.fired(outcome))
        return
    out.print(
        Text.assemble(f"Case {case_id}: {outcome.from_state} -> ", (outcome.to_state, "bold"), ".")
    )
    for label, due in outcome.deadlines:
        out.print(f"  deadline: {label} {due}")
    for opened in outcome.opened:
        out.print(f"  opened case {opened.id}: {text.words(opened.kind)} ({opened.state})")
    if outcome.letters:
        ids = ", ".join(str(i) for i in outcome.letters)
        out.print(f"  letters drafted to review and send: {ids} (casework letters render ID)")
    if outcome.letter_refused:
        out.print(f"  letter not drafted yet: {outcome.letter_refused}", markup=False)


@case_app.command("pack")
def case_pack(
    case_id: Annotated[int, typer.Argument(help="Case number.")],
    out_file: Annotated[Path, typer.Option("--out", help="The PDF file to write.")],
    as_user: AsOption,
    today: TodayOption = None,
    database: DatabaseOption = None,
) -> None:
    """Write the case's evidence pack for the LA: one PDF with the cover sheet for the head's
    sign-off, the chronology, contacts and visits, plans, the attendance printout and a copy
    of every letter sent."""
    with reported(), open_database(database) as db:
        who = users.resolve(db, as_user)
        pdf = evidence_pack(db, case_id=case_id, who=who, today=today_from(today))
        out_file.write_bytes(pdf)  # an unwritable file is reported as one line (OSError)
    out.print(f"Evidence pack of case {case_id} written to {out_file!s}", highlight=False)
