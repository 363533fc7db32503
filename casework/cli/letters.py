"""The `casework letters` commands: draft letters from a case's facts, print and send them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from casework import text
from casework.cli.console import (
    AsOption,
    CommandGroup,
    DatabaseOption,
    JsonOption,
    TodayOption,
    fail,
    open_database,
    out,
    parse_day,
    print_json,
    print_table,
    today_from,
)
from casework.cli.errors import reported
from casework.services.access import users
from casework.services.letters import drafts

letters_app = typer.Typer(
    cls=CommandGroup,
    help="Letters: draft them from a case, preview or print them, and record them sent.",
    no_args_is_help=True,
)

OutOption = Annotated[Path, typer.Option("--out", metavar="FILE", help="The file to write.")]
# Taken by every letters command, as by the case commands; a drafted letter keeps the date and
# the figures it was drafted with, so reading or printing it does not depend on the day.
KeptDateOption = Annotated[
    str | None,
    typer.Option(
        "--today",
        metavar="DATE",
        help="Act as of this day (a letter keeps the date it was drafted).",
    ),
]


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as error:
        fail(f"{path}: cannot be written: {error.strerror or error}")


@letters_app.command("templates")
def letter_templates(as_json: JsonOption = False, database: DatabaseOption = None) -> None:
    """The letters Casework drafts: their ids, titles and readers."""
    del database  # the catalogue is the same for every database; taken like every command
    specs = drafts.templates()
    if as_json:
        print_json(
            [
                {"id": s.id, "title": s.title, "audience": s.audience, "signed_by": s.signed_by}
                for s in specs
            ]
        )
        return
    table = Table("id", "letter", "to", "signed by")
    for s in specs:
        table.add_row(
            s.id,
            s.title,
            "the LA" if s.audience == "la" else "each parent and carer",
            s.signed_by.replace("_", " "),
        )
    out.print(table)


@letters_app.command("draft")
def letter_draft(
    case_id: Annotated[int, typer.Argument(help="Case number.")],
    template: Annotated[str, typer.Argument(help="Letter id (casework letters templates).")],
    as_user: AsOption,
    today: TodayOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Draft a letter on a case: one per addressee, from the register, the case and policy."""
    with reported(), open_database(database) as db:
        who = users.resolve(db, as_user)
        letters = drafts.draft_letters(
            db, case_id=case_id, template=template, who=who, today=today_from(today)
        )
    if as_json:
        print_json([_brief(letter) for letter in letters])
        return
    for letter in letters:
        out.print(
            f"Letter {letter.id}: {letter.title} to {letter.addressee} "
            f"({letter.addressee_kind}), dated {letter.letter_date.isoformat()}",
            highlight=False,
        )


def _brief(letter: drafts.LetterView) -> dict[str, object]:
    return {
        "id": letter.id,
        "template": letter.template,
        "addressee": letter.addressee,
        "addressee_kind": letter.addressee_kind,
        "address": list(letter.address),
        "case": letter.case_id,
        "date": letter.letter_date.isoformat(),
    }


@letters_app.command("render")
def letter_render(
    letter_id: Annotated[int, typer.Argument(help="Letter number.")],
    out_file: OutOption,
    as_user: AsOption,
    html: Annotated[
        bool, typer.Option("--html", help="Write the HTML preview, not a PDF.")
    ] = False,
    today: KeptDateOption = None,
    database: DatabaseOption = None,
) -> None:
    """Write a letter to a file: the PDF (exactly the one sent, once sent) or its HTML."""
    parse_day(today, "--today")
    with reported(), open_database(database) as db:
        who = users.resolve(db, as_user)
        if html:
            data = drafts.letter_html(db, letter_id=letter_id, who=who).encode()
        else:
            data = drafts.letter_pdf(db, letter_id=letter_id, who=who)
    _write(out_file, data)
    out.print(f"Letter {letter_id} written to {out_file!s}", highlight=False)


@letters_app.command("send")
def letter_send(
    letter_id: Annotated[int, typer.Argument(help="Letter number.")],
    as_user: AsOption,
    channel: Annotated[
        str,
        typer.Option("--channel", metavar="post|hand|email", help="How it went."),
    ] = "post",
    today: TodayOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a drafted letter as sent: its PDF is kept unchanged, with its SHA-256."""
    with reported(), open_database(database) as db:
        who = users.resolve(db, as_user)
        letter = drafts.send_letter(
            db, letter_id=letter_id, who=who, today=today_from(today), channel=channel
        )
    if as_json:
        print_json(letter.as_dict())
        return
    out.print(
        f"Letter {letter.id} sent to {letter.addressee} by {letter.channel} on "
        f"{letter.sent_on}; SHA-256 {letter.pdf_sha256}",
        highlight=False,
    )


@letters_app.command("batch")
def letter_batch(
    out_file: OutOption,
    as_user: AsOption,
    on: Annotated[
        str | None,
        typer.Option("--date", metavar="DATE", help="Only the letters of this date (YYYY-MM-DD)."),
    ] = None,
    today: KeptDateOption = None,
    database: DatabaseOption = None,
) -> None:
    """Every drafted, unsent letter in one PDF for the office to print."""
    day = parse_day(on, "--date")
    parse_day(today, "--today")
    with reported(), open_database(database) as db:
        who = users.resolve(db, as_user)
        pdf, count = drafts.batch_pdf(db, who=who, on=day)
    _write(out_file, pdf)
    out.print(f"{text.counted(count, 'letter')} written to {out_file!s}", highlight=False)


@letters_app.command("list")
def letter_list(
    as_user: AsOption,
    case_id: Annotated[
        int | None, typer.Option("--case", metavar="CASE_ID", help="Only this case's.")
    ] = None,
    unsent: Annotated[bool, typer.Option("--unsent", help="Only letters not yet sent.")] = False,
    today: KeptDateOption = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """The letters you may see, newest first."""
    parse_day(today, "--today")
    with reported(), open_database(database) as db:
        who = users.resolve(db, as_user)
        letters = drafts.list_letters(db, who=who, case_id=case_id, unsent=unsent)
    if as_json:
        print_json([letter.as_dict() for letter in letters])
        return
    table = Table("id", "date", "letter", "pupil", "to", "case", "status")
    for letter in letters:
        sent = f"sent {letter.sent_on} ({letter.channel})" if letter.sent_on else letter.status
        table.add_row(
            str(letter.id),
            letter.letter_date.isoformat(),
            letter.title,
            letter.pupil_name,
            letter.addressee,
            str(letter.case_id or ""),
            sent,
        )
    print_table(table, "id", "date", "case")
