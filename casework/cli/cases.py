"""The `casework case` commands: work cases from the command line, acting as `--as USER`."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from casework import shapes, text
from casework.cli.console import (
    AsOption,
    CaseIdArgument,
    CommandGroup,
    DatabaseOption,
    JsonOption,
    SchoolOption,
    TodayOption,
    err,
    fail,
    open_database,
    out,
    pairs,
    parse_day,
    print_json,
    print_table,
    today_from,
)
from casework.cli.errors import reported
from casework.machines import LIFECYCLES
from casework.machines.lifecycle import NextStep
from casework.services import cases
from casework.services.access import users
from casework.services.letters.pack import evidence_pack
from casework.services.reach import Actor
from casework.store.database import Database

case_app = typer.Typer(
    cls=CommandGroup,
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
    table = Table("id", "pupil", "UPN", "kind", "state", "opened")
    for c in found:
        table.add_row(
            str(c.id),
            c.pupil_name,
            c.upn,
            text.words(c.kind),
            text.words(c.state),
            c.opened_on.isoformat(),
        )
    print_table(table, "id", "UPN", "opened")


@case_app.command("show")
def case_show(
    case_id: CaseIdArgument,
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
            (f"Case {s.id}", "bold"),
            f": {detail.kind_title} for {s.pupil_name} ({s.upn}), school {s.school_urn}",
        ),
        highlight=False,
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
    steps = Table("next step", "trigger", "now", "who may", title="Next steps")
    for step in detail.next_steps:
        steps.add_row(
            step.label,
            "\n".join([step.trigger, *step_options(step)]),
            "yes" if step.allowed else "no: " + "; ".join(step.reasons),
            ", ".join(ROLE_WORDS.get(role, text.words(role)) for role in step.roles)
            + ("" if step.permitted else " (not you)"),
        )
    print_table(steps, "trigger")
    if detail.deadlines:
        table = Table("due", "deadline", "status", title="Deadlines")
        for d in detail.deadlines:
            table.add_row(d.due_on.isoformat(), d.label, d.status)
        print_table(table, "due")
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
        print_table(table, "id", "recorded", "kind")
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
    print_table(table, "#", "on")
    if diagram:
        out.print(graph, markup=False, highlight=False)


@case_app.command("open")
def case_open(
    upn: Annotated[str, typer.Argument(metavar="UPN", help="The pupil's UPN.")],
    kind: Annotated[
        str, typer.Argument(help="attendance_concern, missing_education or leave_request.")
    ],
    as_user: AsOption,
    detail: Annotated[
        list[str] | None,
        typer.Option(
            "--detail",
            metavar="KEY=VALUE",
            help="A detail of the case, e.g. start=2026-03-02 (leave requests).",
        ),
    ] = None,
    note: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Why the case is opened.")
    ] = None,
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
    case_id: CaseIdArgument,
    kind: Annotated[
        str, typer.Argument(help="contact_attempt, home_visit, meeting, signed_plan, ...")
    ],
    as_user: AsOption,
    field: Annotated[
        list[str] | None,
        typer.Option("--field", "-f", metavar="KEY=VALUE", help="A detail of the evidence."),
    ] = None,
    recorded_on: Annotated[
        str | None, typer.Option(metavar="DATE", help="When it happened (default: today).")
    ] = None,
    supersedes: Annotated[
        int | None, typer.Option(metavar="EVIDENCE_ID", help="Evidence id this corrects.")
    ] = None,
    reason: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Why it is corrected (with --supersedes).")
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


# A step's parameters may be given as options of their own (`--service post`) as well as with
# `-p service=post`; click passes the options it does not know on, and they are checked here
# against what a step of that trigger takes.
STEP_OPTIONS = {"allow_extra_args": True, "ignore_unknown_options": True}


@case_app.command("fire", context_settings=STEP_OPTIONS)
def case_fire(
    ctx: typer.Context,
    case_id: CaseIdArgument,
    trigger: Annotated[
        str, typer.Argument(metavar="TRIGGER", help="The step to take (see case show).")
    ],
    as_user: AsOption,
    note: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Why, for the audit trail.")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            metavar="KEY=VALUE",
            help="What the step takes, e.g. -p service=post (or --service post; case show "
            "lists them). Asked for when missing, at a terminal.",
        ),
    ] = None,
    version: Annotated[
        int | None, typer.Option(metavar="N", help="The case version you looked at.")
    ] = None,
    today: TodayOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take a step on a case, if its guards and your role allow it."""
    params = pairs(param, "--param") | _step_options(trigger, ctx.args)
    if note:
        params["note"] = note
    with reported(), open_database(database) as db:
        who = users.resolve(db, as_user)
        day = today_from(today)
        if interactive():
            params |= _asked_for(db, case_id, trigger, who, day, params)
        outcome = cases.fire(
            db,
            case_id=case_id,
            trigger=trigger,
            who=who,
            today=day,
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


ROLE_WORDS = {"la_officer": "LA officer"}


def interactive() -> bool:
    """Whether a person is at the keyboard to be asked for what a step needs."""
    return sys.stdin.isatty()


def option_name(param: str) -> str:
    return "--" + param.replace("_", "-")


def placeholder(param: str, choices: dict[str, tuple[str, ...]]) -> str:
    """What a step's parameter is written as: its allowed values, or what kind of value."""
    if param in choices:  # spaced, so that a long list wraps in a narrow table
        return " | ".join(choices[param])
    if param.endswith(("_on", "_date")):
        return "DATE"
    if param.startswith("days_"):
        return "N"
    return "TEXT"


def step_options(step: NextStep) -> list[str]:
    """`--service hand | post`, `--review-date DATE (optional)`: what a step takes."""
    return [
        f"{option_name(p)} {placeholder(p, step.choices)}"
        + ("" if p in step.needs else " (optional)")
        for p in (*step.needs, *step.accepts)
    ]


def _step_options(trigger: str, args: list[str]) -> dict[str, str]:
    """`--sent-on 2026-03-25` and `--sent-on=2026-03-25` as {"sent_on": "2026-03-25"}, taking
    only what a step with this trigger takes (in any lifecycle: the case's kind is not known
    until the database is read, and the step refuses what its kind does not take)."""
    takes = {
        p
        for machine in LIFECYCLES.values()
        for step in machine.steps
        if step.trigger == trigger
        for p in (*step.needs, *step.accepts)
    } - {"note"}
    found: dict[str, str] = {}
    rest = list(args)
    while rest:
        word = rest.pop(0)
        name, equals, value = word.partition("=")
        key = name.removeprefix("--").replace("-", "_")
        if not name.startswith("--") or key not in takes:
            options = ", ".join(option_name(p) for p in sorted(takes)) or "none"
            fail(f"{word!r} is not an option of case fire {trigger} (its options: {options})", 2)
        if not equals:
            if not rest:
                fail(f"{name} needs a value", 2)
            value = rest.pop(0)
        found[key] = value.strip()
    return found


def _asked_for(
    db: Database, case_id: int, trigger: str, who: Actor, day: date, given: dict[str, Any]
) -> dict[str, Any]:
    """What the step still needs, asked for one at a time (its allowed values offered)."""
    detail = cases.show_case(db, case_id=case_id, who=who, today=day)
    steps = [s for s in detail.next_steps if s.trigger == trigger and s.permitted]
    asked: dict[str, Any] = {}
    for need in dict.fromkeys(n for s in steps for n in s.needs):
        if given.get(need):
            continue
        choices = next((s.choices[need] for s in steps if need in s.choices), ())
        question = text.words(need).capitalize() + (f" ({', '.join(choices)})" if choices else "")
        answer = typer.prompt(question).strip()
        while choices and answer not in choices:
            err.print(f"{need} must be one of {', '.join(choices)}", highlight=False)
            answer = typer.prompt(question).strip()
        asked[need] = answer
    return asked


@case_app.command("pack")
def case_pack(
    case_id: CaseIdArgument,
    out_file: Annotated[Path, typer.Option("--out", metavar="FILE", help="The PDF file to write.")],
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
