"""The sweep command: every rule over every pupil, and the case work it leads to."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from casework.cli.console import (
    DatabaseOption,
    JsonOption,
    SchoolOption,
    open_database,
    out,
    parse_day,
    print_json,
    print_table,
    progress_steps,
)
from casework.cli.errors import reported


def run_sweep(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="DATE", help="Sweep as of this day (default: today)."),
    ] = None,
    school: SchoolOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List findings only: open no case, fire nothing.")
    ] = False,
    findings: Annotated[
        bool,
        typer.Option(
            "--findings", help="Print every finding (pupil, rule, why), not only the summary."
        ),
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            metavar="N",
            min=1,
            help="Processes sweeping schools side by side, each school in its own transaction "
            "(default: the machine's cores; from 4 schools on).",
        ),
    ] = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run every rule over every pupil on roll; open cases, raise deadlines, fire what is due."""
    from casework import text
    from casework.services import daily_sweep, sweep_pool

    day = parse_day(as_of, "--as-of") or date.today()
    with reported(), open_database(database) as db, progress_steps("Sweeping") as step:
        done = daily_sweep.daily_sweep(
            db,
            day,
            school,
            record=not dry_run,
            progress=step,
            workers=workers or sweep_pool.default_workers(),
        )
    if as_json:
        print_json(done.as_dict())
        return
    result = done.findings
    found = [finding for _urn, finding in result.findings]
    out.print(
        f"Swept {text.counted(result.pupils, 'pupil')} as of {day}: "
        f"{text.counted(len(found), 'finding')}.",
        highlight=False,
    )
    if findings:
        table = Table("pupil and UPN", "rule", "why", "marks", title=f"Findings as of {day}")
        table.columns[-1].justify = "right"
        for finding in found:
            table.add_row(
                f"{result.names.get(finding.pupil, '')}\n{finding.pupil}",
                finding.rule,
                finding.staff_reason or finding.reason,
                str(len(finding.evidence)),
            )
        print_table(table, "pupil and UPN", "rule", "marks")
    elif found:
        by_rule = Table("rule", "findings", "pupils", title=f"Findings as of {day} by rule")
        for column in by_rule.columns[1:]:
            column.justify = "right"
        for rule in dict.fromkeys(f.rule for f in found):
            of_rule = [f for f in found if f.rule == rule]
            pupils = {f.pupil for f in of_rule}
            by_rule.add_row(rule, str(len(of_rule)), str(len(pupils)))
        print_table(by_rule, "rule")
        out.print("Each finding with its pupil and why: casework sweep --findings", highlight=False)
    if dry_run:
        return
    out.print(
        f"{text.counted(len(done.cases_opened), 'case')} opened, "
        f"{text.counted(len(done.evidence_added), 'finding')} added to cases, "
        f"{text.counted(len(done.transitions_fired), 'step')} fired by deadlines.",
        highlight=False,
    )
    cooling = sum(1 for row in done.evidence_added if row.get("in_cool_off"))
    if cooling:  # on a concern closed as improved and sustained: the lead decides
        out.print(
            f"{cooling} of them on concerns closed as improved and sustained, in their "
            "cool-off: no new concern opened (see the worklist)."
        )
    if done.notices_recorded:  # letters, LA notifications, gaps in the register: no case
        kept = len(done.notices_recorded)
        opens = "opens" if kept == 1 else "open"
        out.print(
            f"{text.counted(kept, 'finding')} that {opens} no case kept for the worklist.",
            highlight=False,
        )
    if done.letters_drafted:
        count = sum(len(row["letters"]) for row in done.letters_drafted)
        out.print(
            f"{text.counted(count, 'letter')} drafted to review and send "
            "(casework letters list --unsent).",
            highlight=False,
        )
    for row in done.letters_refused:  # a person must put the data right before it can go
        out.print(f"Letter not drafted: {row['reason']}", markup=False, highlight=False)
    for label, rows in (("Due today", done.deadlines_due), ("Overdue", done.deadlines_overdue)):
        if rows:
            deadlines = Table("case", "pupil", "UPN", "deadline", "due", title=label)
            for row in rows:
                deadlines.add_row(
                    str(row["case"]),
                    result.names.get(row["upn"], ""),
                    row["upn"],
                    row["label"],
                    row["due_on"],
                )
            print_table(deadlines, "case", "UPN", "due")
