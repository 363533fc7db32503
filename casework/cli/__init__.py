"""The `casework` command line: set up a database, import register data, sweep, statistics."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from casework.interchange.csv_readers import ImportFileError
from casework.interchange.ctf import CTFError
from casework.policy.model import PolicyError
from casework.register.school import SchoolFileError, load_school
from casework.services import daily_sweep, importing, schools, statistics
from casework.services.importing import ImportReport
from casework.services.schools import SchoolNotFoundError
from casework.services.statistics import PupilNotFoundError
from casework.store.database import Database

app = typer.Typer(
    help="Casework: attendance casework for schools and local authorities.",
    no_args_is_help=True,
    add_completion=False,
)
import_app = typer.Typer(help="Import register data (each import is all or nothing).")
app.add_typer(import_app, name="import")

out = Console()
err = Console(stderr=True)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        envvar="CASEWORK_DATABASE_URL",
        help="Database URL (default: a SQLite file casework.sqlite in this folder).",
    ),
]
SchoolOption = Annotated[
    str | None, typer.Option("--school", help="URN of the school (needed with several schools).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def fail(message: str, code: int = 1) -> NoReturn:
    # soft_wrap: a long file:line:column must stay on one line for editors and grep
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)


def parse_day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{name} {value!r} is not a date in the form YYYY-MM-DD", 2)


@contextmanager
def open_database(url: str | None, *, migrate: bool = False) -> Iterator[Database]:
    db = Database(url)
    try:
        if migrate:
            db.migrate()
        yield db
    finally:
        db.dispose()


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Expected failures become one clear message and a non-zero exit, not a traceback."""
    try:
        yield
    except ImportFileError as error:
        err.print("[bold red]import refused; nothing was stored:[/]")
        err.print(str(error), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except (CTFError, SchoolFileError, PolicyError) as error:
        fail(str(error))
    except (SchoolNotFoundError, PupilNotFoundError) as error:
        fail(str(error))
    except SQLAlchemyError as error:
        fail(_database_problem(error))
    except OSError as error:
        fail(f"{error.filename}: {error.strerror}" if error.filename else str(error))


def _database_problem(error: SQLAlchemyError) -> str:
    """The database's own first line of complaint, with a hint for the usual causes."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    text = lines[0] if lines else type(cause).__name__
    low = str(cause).lower()
    if "no such table" in low or ("relation" in low and "does not exist" in low):
        text += " (the database has no casework tables yet: run casework init)"
    elif getattr(error, "orig", None) is None:
        text += " (check --database or CASEWORK_DATABASE_URL)"
    return f"database: {text}"


@contextmanager
def progress_steps(label: str) -> Iterator[Callable[[str], None]]:
    """A spinner with the current step, for anything that may take more than a second."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task(label)
        yield lambda step: progress.update(task, description=f"{label}: {step}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress.")] = False,
) -> None:
    # Pupil data never goes to the log at INFO; this only shows timings and counts.
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")


@app.command()
def init(
    school: Annotated[
        Path | None, typer.Option("--school", help="School TOML file to add or update.")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Create or upgrade the database schema, and add or update a school."""
    with friendly_errors(), open_database(database, migrate=True) as db:
        if school is None:
            out.print("Database is up to date.")
            return
        config = load_school(school)
        _id, created = schools.save_school(db, config)
        verb = "Added" if created else "Updated"
        out.print(f"{verb} school {config.urn} {config.name} (policy {config.policy}).")


def _report(report: ImportReport, as_json: bool) -> None:
    if as_json:
        print_json(report.as_dict())
        return
    out.print(
        f"{report.file}: {report.added} added, {report.changed} changed, "
        f"{report.unchanged} unchanged (school {report.school_urn}).",
        soft_wrap=True,
    )
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)


FileArgument = Annotated[Path, typer.Argument(help="The file to import.")]


@import_app.command("pupils")
def import_pupils(
    file: FileArgument,
    school: SchoolOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Pupils from CSV (upn,surname,forename,date_of_birth,sex,year_group,...)."""
    with friendly_errors(), open_database(database, migrate=True) as db:
        _report(importing.import_pupils(db, file, school), as_json)


@import_app.command("contacts")
def import_contacts(
    file: FileArgument,
    school: SchoolOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Contacts from CSV (upn,name,relationship,parental_responsibility,...)."""
    with friendly_errors(), open_database(database, migrate=True) as db:
        _report(importing.import_contacts(db, file, school), as_json)


@import_app.command("marks")
def import_marks(
    file: FileArgument,
    school: SchoolOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
    by: Annotated[
        str | None, typer.Option(help="Who amends changed marks (default: the attendance lead).")
    ] = None,
    position: Annotated[str | None, typer.Option(help="Their position.")] = None,
) -> None:
    """Register marks from CSV (upn,date,session,code,minutes_late,comment)."""
    if (by is None) != (position is None):
        fail("--by and --position go together: an amendment records who made it and their role", 2)
    amender = importing.Amender(by, position) if by is not None and position is not None else None
    with (
        friendly_errors(),
        open_database(database, migrate=True) as db,
        progress_steps("Importing marks") as step,
    ):
        _report(importing.import_marks(db, file, school, amender, progress=step), as_json)


@import_app.command("ctf")
def import_ctf(
    file: FileArgument,
    school: SchoolOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """A common transfer file (XML): pupils, contacts, SEN and FSM flags, attendance marks."""
    with friendly_errors(), open_database(database, migrate=True) as db:
        _report(importing.import_ctf(db, file, school), as_json)


@app.command()
def stats(
    upn: Annotated[str, typer.Argument(help="The pupil's UPN.")],
    start: Annotated[
        str | None, typer.Option("--from", help="First day (default: start of the school year).")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Last day (default: today).")] = None,
    school: SchoolOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """A pupil's attendance statistics for a date range."""
    end = parse_day(as_of, "--as-of") or date.today()
    first = parse_day(start, "--from")
    with friendly_errors(), open_database(database) as db:
        try:
            context, result = statistics.pupil_statistics(db, upn, end, first, school)
        except ValueError as error:
            fail(str(error), 2)
    if as_json:
        print_json(result.as_dict())
        return
    table = Table(title=f"{upn} at {context.name}, to {end}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.as_dict().items():
        table.add_row(key.replace("_", " "), "" if value is None else str(value))
    out.print(table)


@app.command()
def cohorts(
    start: Annotated[
        str | None, typer.Option("--from", help="First day (default: start of the school year).")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Last day (default: today).")] = None,
    school: SchoolOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Attendance for the whole school, each year group, pupil premium and SEND."""
    end = parse_day(as_of, "--as-of") or date.today()
    first = parse_day(start, "--from")
    with friendly_errors(), open_database(database) as db:
        try:
            report = statistics.cohort_statistics(db, end, first, school)
        except ValueError as error:
            fail(str(error), 2)
    if as_json:
        print_json(report.as_dict())
        return
    table = Table(title=f"School {report.school_urn}, {report.start} to {report.as_of}")
    for column in ("cohort", "pupils", "possible", "attendance %", "persistent", "PA %", "severe"):
        table.add_column(column, justify="left" if column == "cohort" else "right")
    for name, c in report.cohorts.items():
        table.add_row(
            name,
            str(c.pupils),
            str(c.possible_sessions),
            "" if c.attendance_rate is None else f"{c.attendance_rate:.2f}",
            str(c.persistent_absentees),
            "" if c.persistent_absence_rate is None else f"{c.persistent_absence_rate:.1f}",
            str(c.severe_absentees),
        )
    out.print(table)


@app.command("sweep")
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
    with friendly_errors(), open_database(database) as db, progress_steps("Sweeping") as step:
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
        table.add_row(finding.pupil, finding.rule, finding.reason, str(len(finding.evidence)))
    out.print(table)
    out.print(f"{len(result.findings)} findings.")
    if dry_run:
        return
    out.print(
        f"{len(done.cases_opened)} cases opened, "
        f"{len(done.evidence_added)} findings added to cases, "
        f"{len(done.transitions_fired)} steps fired by deadlines."
    )
    for label, rows in (("Due today", done.deadlines_due), ("Overdue", done.deadlines_overdue)):
        if rows:
            deadlines = Table("case", "UPN", "deadline", "due", title=label)
            for row in rows:
                deadlines.add_row(str(row["case"]), row["upn"], row["label"], row["due_on"])
            out.print(deadlines)


# The case and user commands live in their own module; importing it registers them.
import casework.cli.cases  # noqa: E402, F401


@app.command("demo")
def demo_school(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Build and sweep as of this day (default: today).")
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", help="The same seed and day always give the same school.")
    ] = 2024,
    policy: Annotated[
        str,
        typer.Option(
            "--policy",
            help="The demo school's policy: national-2024 or a preset (cooper, copnor, ...).",
        ),
    ] = "national-2024",
    database: DatabaseOption = None,
) -> None:
    """Build a demo primary school (about 400 pupils, a year and a term of marks) and sweep it."""
    import os
    from itertools import zip_longest

    from rich.progress import BarColumn

    from casework import demo
    from casework.services import sweep as sweep_service

    day = parse_day(as_of, "--as-of") or date.today()
    with (
        friendly_errors(),
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

        def step(text: str, done: int) -> None:
            bar.update(task, description=f"Demo school: {text}", completed=done)

        try:
            built = demo.build_demo(db, day, seed, policy, progress=step)
        except demo.NotADemoSchoolError as error:
            fail(str(error))
        demo.ensure_demo_users(db, built.demo.config)
        step("sweeping", demo.DEMO_STEPS)
        found = sweep_service.sweep(db, day, demo.DEMO_URN)
        context = schools.get_school(db, demo.DEMO_URN)
        try:
            whole = statistics.cohort_statistics(db, day, urn=demo.DEMO_URN)
        except ValueError:  # as_of is before the first day of its school year
            whole = None

    school = built.demo.config
    marks = built.marks
    out.print(
        f"[bold]{school.name}[/] (URN {school.urn}, policy {school.policy}), "
        f"seed {seed}, as of {day}"
        + (": rebuilt (it was made for another seed or day)" if built.rebuilt else ""),
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
            f"  This school year (since {whole.start}): attendance {cohort.attendance_rate:.2f}%, "
            f"persistent absence {cohort.persistent_absence_rate:.1f}% "
            f"({cohort.persistent_absentees} pupils), severe absence {cohort.severe_absentees} "
            "pupils",
            soft_wrap=True,
            highlight=False,
        )
    else:
        out.print(f"  No school day yet this school year on {day}.", highlight=False)

    by_rule = Table(title=f"Findings as of {day} ({found.pupils} pupils swept)")
    by_rule.add_column("rule")
    by_rule.add_column("findings", justify="right")
    by_rule.add_column("what it starts")
    findings = [f for _urn, f in found.findings]
    for rule_id, spec in context.policy.rules.items():
        count = sum(1 for f in findings if f.rule == rule_id)
        by_rule.add_row(rule_id, str(count), spec.action)
    out.print(by_rule)

    # A few findings, taking each rule in turn so that the first rows show every rule.
    per_rule = [[f for f in findings if f.rule == rule_id] for rule_id in context.policy.rules]
    sample = [f for row in zip_longest(*per_rule) for f in row if f is not None][:15]
    names = {p.upn: f"{p.forename} {p.surname}" for p in built.demo.pupils}
    table = Table(title=f"First {len(sample)} of {len(findings)} findings")
    table.add_column("UPN")
    table.add_column("pupil")
    table.add_column("rule")
    table.add_column("why")
    for finding in sample:
        table.add_row(finding.pupil, names.get(finding.pupil, ""), finding.rule, finding.reason)
    out.print(table)

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
