"""Text from people and files is printed as written: square brackets are never read as Rich
markup (which crashed on "[/x]" and hid "[white on white]" text from staff)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from casework.services import cases
from casework.store.database import Database
from tests.support.actions import as_user
from tests.support.cli import run
from tests.support.dates import d
from tests.support.world import AO, World

TRICKS = "[/x] Ann [white on white]hidden[/] [bold]"


def test_names_notes_and_file_names_print_as_written(
    db: Database, world: World, database_url: str, tmp_path: Path
) -> None:
    added = run(
        database_url, "user", "add", "tricky", "--name", TRICKS, "--position", "Clerk [/]",
        "--role", "attendance_officer", "--school", "100001",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = run(database_url, "user", "list")
    assert listed.exit_code == 0, listed.output
    # The table wraps the name in its column: each piece is there, brackets and all.
    assert all(piece in listed.output for piece in ("[/x]", "[white", "hidden[/]", "[bold]"))

    upn = world.pupil()
    case = cases.open_case(
        db, upn=upn, kind="attendance_concern", who=as_user(db, AO), today=d("2025-11-28")
    )
    noted = run(
        database_url, "case", "evidence", str(case.id), "contact_attempt", "--as", AO,
        "--today", "2025-11-28", "-f", "channel=phone", "-f", f"contact={TRICKS}",
        "-f", "outcome=reached",
    )  # fmt: skip
    assert noted.exit_code == 0, noted.output
    shown = run(database_url, "case", "show", str(case.id), "--as", AO, "--today", "2025-11-28")
    assert shown.exit_code == 0, shown.output
    assert all(piece in shown.output for piece in ("[/x]", "[white", "hidden[/]"))

    odd = tmp_path / "[x] marks [white on white].csv"
    odd.write_text("upn,date,session,code\nnot-a-upn,2025-11-28,AM,/\n")
    refused = run(database_url, "import", "marks", str(odd))
    assert refused.exit_code == 1
    assert "[x] marks [white on white].csv" in refused.output
    assert "Traceback" not in refused.output


def test_the_sweep_prints_pupils_names_as_written(
    db: Database, world: World, database_url: str
) -> None:
    upn = world.pupil()
    absent = {d(f"2025-11-{day:02d}"): "O" for day in (3, 4, 5, 6, 7, 10, 11, 12, 13, 14)}
    world.marks(upn, d("2025-09-03"), d("2025-11-28"), absent)
    with db.transaction() as session:
        session.execute(
            text("UPDATE pupil SET surname = :name WHERE upn = :upn"),
            {"name": "[/x][white on white]Hidden", "upn": upn},
        )
    # The findings table names the pupil (beside the UPN, and in each sentence).
    swept = run(database_url, "sweep", "--as-of", "2025-11-28", "--findings")
    assert swept.exit_code == 0, swept.output
    assert "[white" in swept.output and "Traceback" not in swept.output
