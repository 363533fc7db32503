"""Commands for the register: set up a database and schools, import data, statistics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from casework.cli.console import (
    CommandGroup,
    DatabaseOption,
    JsonOption,
    SchoolOption,
    err,
    fail,
    open_database,
    out,
    parse_day,
    print_json,
    print_table,
    progress_steps,
)
from casework.cli.errors import USAGE_EXIT, reported

if TYPE_CHECKING:
    from casework.services.register.importing import ImportReport
    from casework.store.database import Database

import_app = typer.Typer(
    cls=CommandGroup, help="Import register data (each import is all or nothing)."
)
register_app = typer.Typer(cls=CommandGroup, help="The register's own upkeep.")


def init(
    school: Annotated[
        Path | None,
        typer.Option("--school", metavar="FILE", help="School TOML file to add or update."),
    ] = None,
    roles: Annotated[
        bool,
        typer.Option(
            "--roles",
            help="PostgreSQL: set up the role the app connects as (it may only add to the "
            "case record, never change it); run as the tables' owner.",
        ),
    ] = False,
    app_role: Annotated[
        str,
        typer.Option("--app-role", metavar="ROLE", help="The application's role, with --roles."),
    ] = "casework_app",
    database: DatabaseOption = None,
) -> None:
    """Create or upgrade the database schema, and add or update a school."""
    from casework.register.school import load_school
    from casework.services.register import schools
    from casework.store.database import RECORD_TABLES, RoleError, grant_application_role

    with reported(), open_database(database, migrate=True) as db:
        if roles:
            try:
                grant_application_role(db.engine, app_role)
            except RoleError as error:
                fail(str(error))
            out.print(
                f"Role {app_role} may read and write the tables, and only add to "
                f"{', '.join(RECORD_TABLES)}; connect the app as {app_role}.",
                highlight=False,
            )
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
        err.print(
            Text.assemble(("warning:", "yellow"), f" {warning}"), highlight=False, soft_wrap=True
        )


FileArgument = Annotated[Path, typer.Argument(metavar="FILE", help="The file to import.")]


def _import(
    importer: Callable[[Database, Path, str | None], ImportReport],
    file: Path,
    school: str | None,
    database: str | None,
    as_json: bool,
    label: str,
) -> None:
    with (
        reported(),
        open_database(database, migrate=True) as db,
        progress_steps(label),  # a spinner and the time taken, on a terminal only
    ):
        _report(importer(db, file, school), as_json)


@import_app.command("pupils")
def import_pupils(
    file: FileArgument,
    school: SchoolOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Pupils from CSV (upn,surname,forename,date_of_birth,sex,year_group,...)."""
    from casework.services.register import importing

    _import(importing.import_pupils, file, school, database, as_json, "Importing pupils")


@import_app.command("contacts")
def import_contacts(
    file: FileArgument,
    school: SchoolOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Contacts from CSV (upn,name,relationship,parental_responsibility,...)."""
    from casework.services.register import importing

    _import(importing.import_contacts, file, school, database, as_json, "Importing contacts")


ImporterOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Your username: a changed mark is amended in your name (default: the system "
        "account, with the file named in the reason).",
    ),
]


@import_app.command("marks")
def import_marks(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            help="The files to import, in order (each all or nothing; the day's files of "
            "many schools in one go).",
        ),
    ],
    school: SchoolOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
    by: Annotated[
        str | None,
        typer.Option(help="Who amends changed marks, by name (default: whoever --as names)."),
    ] = None,
    position: Annotated[str | None, typer.Option(help="Their position.")] = None,
    username: ImporterOption = None,
) -> None:
    """Register marks from CSV (upn,date,session,code,minutes_late,comment).

    Several files are imported one after another in this one process, each in its own
    transaction: a file refused stops the run there, with the files before it kept.
    """
    from casework.services.access import users
    from casework.services.register import importing

    if (by is None) != (position is None):
        fail("--by and --position go together: an amendment records who made it and their role", 2)
    if by is not None and username is not None:
        fail("--as and --by name who amends changed marks: give one of them", 2)
    amender = importing.Amender(by, position) if by is not None and position is not None else None
    reports: list[ImportReport] = []
    with reported(), open_database(database, migrate=True) as db:
        who = users.resolve(db, username) if username is not None else None
        try:
            for path in files:
                with progress_steps("Importing marks") as step:
                    report = importing.import_marks(
                        db, path, school, amender, progress=step, who=who
                    )
                reports.append(report)
                if not as_json:
                    _report(report, False)
        except Exception:
            if len(files) > 1:
                done = len(reports)
                err.print(
                    f"stopped at {files[done]}: {_files(done)} before it imported, "
                    f"{_files(len(files) - done - 1)} after it not imported",
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )
            raise
        finally:
            if as_json and reports:
                print_json(
                    reports[0].as_dict() if len(files) == 1 else [r.as_dict() for r in reports]
                )


def _files(n: int) -> str:
    return f"{n} file" if n == 1 else f"{n} files"


@import_app.command("ctf")
def import_ctf(
    file: FileArgument,
    school: SchoolOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
    username: ImporterOption = None,
) -> None:
    """A common transfer file (XML): pupils, contacts, SEN and FSM flags, attendance marks."""
    from casework.services.access import users
    from casework.services.register import importing

    with (
        reported(),
        open_database(database, migrate=True) as db,
        progress_steps("Importing a transfer file") as step,
    ):
        who = users.resolve(db, username) if username is not None else None
        _report(importing.import_ctf(db, file, school, progress=step, who=who), as_json)


FromOption = Annotated[
    str | None,
    typer.Option("--from", metavar="DATE", help="First day (default: start of the school year)."),
]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", metavar="DATE", help="Last day (default: today).")
]


def stats(
    upn: Annotated[str, typer.Argument(metavar="UPN", help="The pupil's UPN.")],
    start: FromOption = None,
    as_of: AsOfOption = None,
    school: SchoolOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """A pupil's attendance statistics for a date range (within the school's calendar)."""
    from casework import text
    from casework.services.access import users
    from casework.services.register import statistics

    end = parse_day(as_of, "--as-of") or date.today()
    first = parse_day(start, "--from")
    with reported(), open_database(database) as db:
        # Whoever runs the CLI against the database sees every school, as the sweep does.
        who = users.system_actor(db)
        try:
            report = statistics.pupil_report(
                db, upn, end, first, school, who=who, within_calendar=True
            )
        except ValueError as error:
            fail(str(error), USAGE_EXIT)
    if as_json:
        print_json(report.stats.as_dict())
        return
    out.print(
        Text.assemble(
            (report.pupil_name, "bold"),
            f" ({upn}) at {report.school.name}, school {report.school.urn}",
        ),
        highlight=False,
    )
    out.print(f"From {report.start} to {report.as_of} (both days counted).", highlight=False)
    table = Table("measure", "value")
    table.columns[1].justify = "right"
    for key, value in report.stats.as_dict().items():
        table.add_row(text.words(key), _value(key, value))
    print_table(table)


def _value(key: str, value: Any) -> str:
    """A statistic as a person reads it: rates as percentages, flags as yes or no."""
    from casework import text

    if value is None:
        return ""
    if key.endswith("_rate"):
        return text.percent(value)
    return str(text.yes_no(value))


def cohorts(
    start: FromOption = None,
    as_of: AsOfOption = None,
    school: SchoolOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Attendance for the whole school, each year group, pupil premium and SEND."""
    from casework import text
    from casework.services.access import users
    from casework.services.register import statistics

    end = parse_day(as_of, "--as-of") or date.today()
    first = parse_day(start, "--from")
    with reported(), open_database(database) as db:
        who = users.system_actor(db)
        try:
            report = statistics.cohort_statistics(
                db, end, first, school, who=who, within_calendar=True
            )
        except ValueError as error:
            fail(str(error), USAGE_EXIT)
    if as_json:
        print_json(report.as_dict())
        return
    table = Table(title=f"School {report.school_urn}, from {report.start} to {report.as_of}")
    for column in ("cohort", "pupils", "possible", "attendance", "persistent", "PA", "severe"):
        table.add_column(column, justify="left" if column == "cohort" else "right")
    for name, c in report.cohorts.items():
        table.add_row(
            name,
            str(c.pupils),
            str(c.possible_sessions),
            text.percent(c.attendance_rate),
            str(c.persistent_absentees),
            text.percent(c.persistent_absence_rate),
            str(c.severe_absentees),
        )
    print_table(table)
    out.print(
        "PA: persistent absence, the share of pupils who are persistently absent.",
        highlight=False,
    )
    out.print(f"{report.population[0].upper()}{report.population[1:]}.", highlight=False)


@register_app.command("rebuild")
def rebuild(
    school: SchoolOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make the dense register the sweep reads again from the marks (every school, or one).

    Imports and amendments keep it in step; rebuild after restoring the marks from a backup
    or changing them outside Casework.
    """
    from casework import text
    from casework.services.register import dense

    with reported(), open_database(database, migrate=True) as db:
        rebuilt = dense.rebuild_dense_register(db, school)
    if as_json:
        print_json(rebuilt.as_dict())
        return
    out.print(
        f"Rebuilt the dense register of {text.counted(rebuilt.schools, 'school')}: "
        f"{text.counted(rebuilt.pupil_years, 'pupil-year')} of marks.",
        highlight=False,
    )
