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
    progress_steps,
)
from casework.cli.errors import reported
from casework.services import daily_sweep


def run_sweep(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Sweep as of this day (default: today).")
    ] = None,
    school: SchoolOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List findings only: open no case, fire nothing.")
    ] = False,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run every rule over every pupil on roll; open cases, raise deadlines, fire what is due."""
    day = parse_day(as_of, "--as-of") or date.today()
    with reported(), open_database(database) as db, progress_steps("Sweeping") as step:
        done = daily_sweep.daily_sweep(db, day, school, record=not dry_run, progress=step)
    if as_json:
        print_json(done.as_dict())
        return
    result = done.findings
    table = Table(title=f"Findings as of {day} ({result.pupils} pupils swept)")
    table.add_column("UPN")
    table.add_column("rule")
    table.add_column("why")
    table.add_column("marks", justify="right")
    for _urn, finding in result.findings:
        why = finding.staff_reason or finding.reason
        table.add_row(finding.pupil, finding.rule, why, str(len(finding.evidence)))
    out.print(table)
    out.print(f"{len(result.findings)} findings.")
    if dry_run:
        return
    out.print(
        f"{len(done.cases_opened)} cases opened, "
        f"{len(done.evidence_added)} findings added to cases, "
        f"{len(done.transitions_fired)} steps fired by deadlines."
    )
    cooling = sum(1 for row in done.evidence_added if row.get("in_cool_off"))
    if cooling:  # on a concern closed as improved and sustained: the lead decides
        out.print(
            f"{cooling} of them on concerns closed as improved and sustained, in their "
            "cool-off: no new concern opened (see the worklist)."
        )
    if done.notices_recorded:  # letters, LA notifications, gaps in the register: no case
        out.print(f"{len(done.notices_recorded)} findings that open no case kept for the worklist.")
    if done.letters_drafted:
        count = sum(len(row["letters"]) for row in done.letters_drafted)
        letters = "1 letter" if count == 1 else f"{count} letters"
        out.print(f"{letters} drafted to review and send (casework letters list --unsent).")
    for row in done.letters_refused:  # a person must put the data right before it can go
        out.print(f"Letter not drafted: {row['reason']}", markup=False, highlight=False)
    for label, rows in (("Due today", done.deadlines_due), ("Overdue", done.deadlines_overdue)):
        if rows:
            deadlines = Table("case", "UPN", "deadline", "due", title=label)
            for row in rows:
                deadlines.add_row(str(row["case"]), row["upn"], row["label"], row["due_on"])
            out.print(deadlines)
