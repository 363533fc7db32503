"""The demo command: build a demo school of generated pupils, sweep it and show what it found."""

from __future__ import annotations

import os
from datetime import date
from itertools import zip_longest
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from casework.cli.console import (
    DatabaseOption,
    err,
    fail,
    open_database,
    out,
    parse_day,
    print_table,
)
from casework.cli.errors import reported
from casework.cli.serve import run_app

if TYPE_CHECKING:
    pass


def demo_school(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", metavar="DATE", help="Build and sweep as of this day (default: today)."
        ),
    ] = None,
    seed: Annotated[
        int,
        typer.Option(
            "--seed", metavar="N", help="The same seed and day always give the same school."
        ),
    ] = 2024,
    policy: Annotated[
        str,
        typer.Option(
            "--policy",
            metavar="NAME",
            help="The demo school's policy: national-2024 or a preset (cooper, copnor, ...).",
        ),
    ] = "national-2024",
    database: DatabaseOption = None,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="Then open its cases, print a sign-in for each demo user and serve the web app.",
        ),
    ] = False,
    port: Annotated[int, typer.Option(metavar="N", help="Port for --serve.")] = 8000,
) -> None:
    """Build a demo primary school (about 400 pupils, a year and a term of marks) and sweep it."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from casework import demo, text
    from casework.services import sweep as sweep_service
    from casework.services.access import users
    from casework.services.register import schools, statistics

    day = parse_day(as_of, "--as-of") or date.today()
    with (
        reported(),
        open_database(database, migrate=True) as db,
        Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as bar,
    ):
        task = bar.add_task("Demo school", total=demo.DEMO_STEPS + 1)

        def step(what: str, done: int) -> None:
            bar.update(task, description=f"Demo school: {what}", completed=done)

        try:
            built = demo.build_demo(db, day, seed, policy, progress=step)
        except demo.NotADemoSchoolError as error:
            fail(str(error))
        demo.ensure_demo_users(db, built.demo.config)
        step("sweeping", demo.DEMO_STEPS)
        found = sweep_service.sweep(db, day, demo.DEMO_URN)
        context = schools.get_school(db, demo.DEMO_URN)
        try:
            whole = statistics.cohort_statistics(
                db, day, urn=demo.DEMO_URN, who=users.system_actor(db)
            )
        except ValueError:  # as_of is before the first day of its school year
            whole = None

    school = built.demo.config
    marks = built.marks
    out.print(
        Text.assemble(
            (school.name, "bold"),
            f" (URN {school.urn}, policy {school.policy}), seed {seed}, as of {day}"
            + (": rebuilt (it was made for another seed or day)" if built.rebuilt else ""),
        ),
        soft_wrap=True,
        highlight=False,
    )
    first = min((m.date for m in built.demo.marks), default=None)
    out.print(
        f"  {len(built.demo.pupils)} pupils, {len(built.demo.contacts)} contacts, "
        f"{len(built.demo.marks):,} marks"
        + (f" from {first} to {day}" if first else "")
        + f" ({marks.added:,} added, {marks.changed:,} changed, {marks.unchanged:,} unchanged)",
        soft_wrap=True,
        highlight=False,
    )
    cohort = whole.cohorts["whole school"] if whole else None
    if whole and cohort and cohort.attendance_rate is not None:
        out.print(
            f"  This school year (since {whole.start}): attendance "
            f"{text.percent(cohort.attendance_rate)}, persistent absence "
            f"{text.percent(cohort.persistent_absence_rate)} "
            f"({text.counted(cohort.persistent_absentees, 'pupil')}), severe absence "
            f"{text.counted(cohort.severe_absentees, 'pupil')}",
            soft_wrap=True,
            highlight=False,
        )
    else:
        out.print(f"  No school day yet this school year on {day}.", highlight=False)

    swept = text.counted(found.pupils, "pupil")
    by_rule = Table(title=f"Findings as of {day} ({swept} swept)")
    by_rule.add_column("rule")
    by_rule.add_column("findings", justify="right")
    by_rule.add_column("what it starts")
    findings = [f for _urn, f in found.findings]
    for rule_id, spec in context.policy.rules.items():
        count = sum(1 for f in findings if f.rule == rule_id)
        by_rule.add_row(rule_id, str(count), spec.action)
    print_table(by_rule, "rule")

    # A few findings, taking each rule in turn so that the first rows show every rule.
    per_rule = [[f for f in findings if f.rule == rule_id] for rule_id in context.policy.rules]
    sample = [f for row in zip_longest(*per_rule) for f in row if f is not None][:15]
    table = Table(title=f"First {len(sample)} of {text.counted(len(findings), 'finding')}")
    table.add_column("pupil")
    table.add_column("UPN")
    table.add_column("rule")
    table.add_column("why")
    for finding in sample:
        why = finding.staff_reason or finding.reason
        table.add_row(found.names.get(finding.pupil, ""), finding.pupil, finding.rule, why)
    print_table(table, "UPN", "rule")

    where = ""
    if database and database != os.environ.get("CASEWORK_DATABASE_URL"):
        where = f" --database {database}"
    example = next(iter(built.demo.highlights.values()), None) or (
        sample[0].pupil if sample else "UPN"
    )
    out.print(
        f"Try next: casework stats {example} --as-of {day}{where}  |  "
        f"casework cohorts --as-of {day}{where}  |  "
        f"casework sweep --as-of {day}{where} (opens cases)  |  "
        f"casework case list --as demo-lead{where}  |  "
        f"casework case show ID --as demo-lead --today {day}{where}",
        soft_wrap=True,
        highlight=False,
    )
    if serve:
        _serve_demo(database, day, port)


def _serve_demo(database: str | None, day: date, port: int) -> None:
    """Open the demo's cases as the daily sweep would, give each demo user a password, serve."""
    from casework import demo, text
    from casework.services import daily_sweep
    from casework.store.database import Database

    db = Database(database)
    with reported():
        done = daily_sweep.daily_sweep(db, day, demo.DEMO_URN)
        sign_ins = demo.demo_sign_ins(db)
    out.print(
        f"The daily sweep opened {text.counted(len(done.cases_opened), 'case')}. Sign in as:",
        highlight=False,
    )
    table = Table("username", "role", "password")
    for username, role, password in sign_ins:
        table.add_row(username, role.replace("_", " "), password)
    out.print(table)
    out.print("These passwords are new each time the demo is served.", highlight=False)
    run_app(db, "127.0.0.1", port, today=day)
