"""The `casework letters` commands: templates, draft, render (PDF and HTML), send, list, batch."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from casework.services.daily_sweep import daily_sweep
from casework.store.database import Database
from tests.support.cli import run
from tests.support.dates import d
from tests.support.letters import PARENTS, text_of
from tests.support.rows import cases_of
from tests.support.world import AO, FATHER, MOTHER, TEACHER, World

ABSENT = {d(f"2025-11-{day:02d}"): "O" for day in (3, 4, 5, 6, 7, 10, 11, 12, 13, 14)}


def test_draft_render_send_list_and_batch(
    db: Database, world: World, database_url: str, tmp_path: Path
) -> None:
    upn = world.pupil(contacts=PARENTS)
    world.marks(upn, d("2025-09-03"), d("2025-11-28"), ABSENT)
    daily_sweep(db, d("2025-11-28"))
    (case,) = cases_of(db, upn, "attendance_concern")
    case_id = str(case["id"])

    templates = json.loads(run(database_url, "letters", "templates", "--json").output)
    assert {"id": "rag_red", "title": "Attendance this term: red", "audience": "family",
            "signed_by": "attendance_lead"} in templates  # fmt: skip

    drafted = run(
        database_url, "letters", "draft", case_id, "attendance_report", "--as", AO,
        "--today", "2025-11-28", "--json",
    )  # fmt: skip
    assert drafted.exit_code == 0, drafted.output
    letters = json.loads(drafted.output)
    assert [(x["addressee"], x["template"]) for x in letters] == [
        (MOTHER, "attendance_report"),
        (FATHER, "attendance_report"),
    ]
    first = str(letters[0]["id"])

    pdf_file = tmp_path / "letter.pdf"
    rendered = run(database_url, "letters", "render", first, "--out", str(pdf_file), "--as", AO)
    assert rendered.exit_code == 0, rendered.output
    assert "Attendance report for Pupil1 Generated" in text_of(pdf_file.read_bytes())
    html_file = tmp_path / "letter.html"
    run(database_url, "letters", "render", first, "--out", str(html_file), "--as", AO, "--html")
    assert f"Dear {MOTHER}," in html_file.read_text()

    sent = run(
        database_url, "letters", "send", first, "--as", AO, "--channel", "email",
        "--today", "2025-12-01", "--json",
    )  # fmt: skip
    assert sent.exit_code == 0, sent.output
    shown = json.loads(sent.output)
    assert (shown["status"], shown["channel"], shown["sent_on"]) == ("sent", "email", "2025-12-01")
    run(database_url, "letters", "render", first, "--out", str(pdf_file), "--as", AO)
    assert hashlib.sha256(pdf_file.read_bytes()).hexdigest() == shown["sha256"]

    listed = json.loads(
        run(database_url, "letters", "list", "--case", case_id, "--unsent", "--as", AO,
            "--json").output
    )  # fmt: skip
    assert [x["addressee"] for x in listed if x["template"] == "attendance_report"] == [FATHER]

    batch = tmp_path / "batch.pdf"
    printed = run(
        database_url, "letters", "batch", "--date", "2025-11-28", "--out", str(batch), "--as", AO
    )
    assert printed.exit_code == 0, printed.output
    assert "letters written to" in printed.output
    assert f"Dear {FATHER}" in text_of(batch.read_bytes())


def test_refusals_are_one_line(db: Database, world: World, database_url: str) -> None:
    upn = world.pupil(contacts=[("Nan Only", "Grandmother", False, False, "")])
    world.marks(upn, d("2025-09-03"), d("2025-11-28"), ABSENT)
    daily_sweep(db, d("2025-11-28"))
    (case,) = cases_of(db, upn, "attendance_concern")
    refused = run(database_url, "letters", "draft", str(case["id"]), "rag_red", "--as", AO)
    assert refused.exit_code == 1
    assert "no contact with parental responsibility for Pupil1 Generated" in refused.output
    assert "Traceback" not in refused.output
    teacher = run(database_url, "letters", "draft", str(case["id"]), "rag_red", "--as", TEACHER)
    assert teacher.exit_code == 1 and "a teacher may not draft letters" in teacher.output
    missing = run(database_url, "letters", "send", "999", "--as", AO)
    assert missing.exit_code == 1 and "no letter 999" in missing.output
    channel = run(database_url, "letters", "send", "1", "--as", AO, "--channel", "pigeon")
    assert channel.exit_code == 1 and "channel must be one of post, hand, email" in channel.output
