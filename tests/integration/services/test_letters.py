"""Letters drafted from a case: one per parent with parental responsibility and per carer,
refused with each missing fact named, rendered to PDF, sent with the PDF kept and its hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from casework.register.school import load_school
from casework.services.daily_sweep import daily_sweep
from casework.services.errors import LetterError, LetterNotFoundError
from casework.services.letters import drafts
from casework.services.register.schools import save_school
from casework.store.database import Database
from tests.support.actions import as_user
from tests.support.dates import d
from tests.support.letters import PARENTS, draft, letter_text, pages_of, pdf_of, text_of
from tests.support.rows import cases_of
from tests.support.world import AO, LA, MOTHER, TEACHER, World

# Unauthorised absence in November (both sessions): persistent absence by 28 November.
ABSENT = {d(f"2025-11-{day:02d}"): "O" for day in (3, 4, 5, 6, 7, 10, 11, 12, 13, 14)}


def concern(db: Database, world: World, **pupil: object) -> int:
    upn = world.pupil(**{"contacts": PARENTS, **pupil})  # type: ignore[arg-type]
    world.marks(upn, d("2025-09-03"), d("2025-11-28"), ABSENT)
    daily_sweep(db, d("2025-11-28"))
    (case,) = cases_of(db, upn, "attendance_concern")
    return int(case["id"])


def test_each_parent_with_parental_responsibility_living_apart_gets_a_letter(
    db: Database, world: World
) -> None:
    case_id = concern(
        db,
        world,
        contacts=[
            ("Pat Apart", "Mother", True, True, "3 Home Row, Exampleton, ZZ1 3AA"),
            ("Sam Apart", "Father", True, False, "9 Far Lane, Otherton, ZZ4 4BB"),
            ("Gran Apart", "Grandmother", False, False, "5 Old Road, Exampleton, ZZ1 5CC"),
        ],
    )
    letters = draft(db, case_id, "below_90", AO, "2025-11-28")
    assert [(x.addressee, x.addressee_kind) for x in letters] == [
        ("Pat Apart", "parent"),
        ("Sam Apart", "parent"),
    ]
    assert letters[1].address == ("9 Far Lane", "Otherton", "ZZ4 4BB")
    father = letter_text(db, letters[1].id, AO)
    assert "Sam Apart 9 Far Lane Otherton ZZ4 4BB" in father
    assert "Gran Apart" not in father


def test_a_carer_without_parental_responsibility_gets_one_too(db: Database, world: World) -> None:
    case_id = concern(
        db,
        world,
        contacts=[
            ("Fran Foster", "Foster carer", False, True, "7 Care Close, Exampleton, ZZ1 7DD"),
            ("Mo Birth", "Mother", True, False, "2 Away Street, Otherton, ZZ4 2EE"),
        ],
    )
    letters = draft(db, case_id, "below_90", AO, "2025-11-28")
    assert [(x.addressee, x.addressee_kind) for x in letters] == [
        ("Fran Foster", "carer"),
        ("Mo Birth", "parent"),
    ]


def test_the_letter_carries_the_figures_of_the_register_as_of_its_date(
    db: Database, world: World
) -> None:
    case_id = concern(db, world)
    first, *_ = draft(db, case_id, "below_90", AO, "2025-11-28")
    shown = letter_text(db, first.id, AO)
    # 3 September to 28 November: 58 school days, 116 sessions, 20 missed (all unauthorised).
    assert "Generated Pupil1" in shown or "Pupil1 Generated" in shown
    assert f"Dear {MOTHER}" in shown
    assert "28 November 2025" in shown
    assert "116 96 20 (0 / 20) 82.8%" in shown
    assert "Example Primary School" in shown and "Ben Example" in shown
    assert f"100001/C{case_id}/L{first.id}" in shown


def test_a_pupil_with_no_one_to_write_to_is_refused_by_name(db: Database, world: World) -> None:
    case_id = concern(db, world, contacts=[("Gwen Only", "Grandmother", False, False, "")])
    with pytest.raises(LetterError) as refused:
        draft(db, case_id, "below_90", AO, "2025-11-28")
    assert "no contact with parental responsibility for Pupil1 Generated" in str(refused.value)
    assert drafts.list_letters(db, who=as_user(db, AO)) == []


def test_a_parent_living_apart_with_no_address_is_named(db: Database, world: World) -> None:
    case_id = concern(
        db,
        world,
        contacts=[
            ("Al Home", "Father", True, True, "1 A Road"),
            ("Bo Gone", "Mother", True, False, ""),
        ],
    )
    with pytest.raises(LetterError, match=r"no address for Bo Gone \(mother, who does not live"):
        draft(db, case_id, "below_90", AO, "2025-11-28")


def test_every_missing_fact_of_the_school_file_is_named(
    db: Database, world: World, data_dir: Path
) -> None:
    case_id = concern(db, world)
    bare = load_school(data_dir / "school.toml")
    save_school(db, replace(bare, address=(), extra={}))
    with pytest.raises(LetterError) as refused:
        draft(db, case_id, "penalty_notice_request", AO, "2025-11-28")
    message = str(refused.value)
    assert "no school address" in message
    assert "no LA address (address under [la] in the school file)" in message


def test_sending_keeps_the_pdf_and_records_it_on_the_case(db: Database, world: World) -> None:
    case_id = concern(db, world)
    first, second = draft(db, case_id, "attendance_report", AO, "2025-11-28")
    sent = drafts.send_letter(
        db, letter_id=first.id, who=as_user(db, AO), today=d("2025-12-01"), channel="hand"
    )
    kept = pdf_of(db, first.id, AO)
    assert sent.status == "sent" and sent.channel == "hand"
    assert sent.pdf_sha256 == hashlib.sha256(kept).hexdigest()
    assert pdf_of(db, first.id, AO) == kept  # the same bytes every time, never re-rendered
    with db.transaction() as session:
        (details,) = [
            row.details
            for row in session.execute(
                text(
                    "SELECT details FROM case_evidence WHERE case_id = :c AND kind = 'letter_sent'"
                ),
                {"c": case_id},
            )
        ]
    details = json.loads(details) if isinstance(details, str) else details
    assert details == {
        "letter": "attendance_report",
        "sent_on": "2025-12-01",
        "to": MOTHER,
        "channel": "hand",
        "letter_id": str(first.id),
        "sha256": sent.pdf_sha256,
    }
    with pytest.raises(LetterError, match="already sent on 2025-12-01"):
        drafts.send_letter(db, letter_id=first.id, who=as_user(db, AO), today=d("2025-12-02"))
    unsent = {x.id for x in drafts.list_letters(db, who=as_user(db, AO), unsent=True)}
    assert second.id in unsent and first.id not in unsent


def test_the_kept_pdf_cannot_be_changed(db: Database, world: World) -> None:
    case_id = concern(db, world)
    first, _ = draft(db, case_id, "below_90", AO, "2025-11-28")
    drafts.send_letter(db, letter_id=first.id, who=as_user(db, AO), today=d("2025-12-01"))
    tampering = ["UPDATE letter_pdf SET pdf = :x", "DELETE FROM letter_pdf"]
    if db.dialect == "postgresql":
        tampering.append("TRUNCATE letter_pdf CASCADE")
    for statement in tampering:
        with pytest.raises(Exception, match="written once"), db.transaction() as session:
            session.execute(text(statement), {"x": b"forged"})


def test_the_batch_holds_every_unsent_letter_in_one_pdf(db: Database, world: World) -> None:
    case_id = concern(db, world)  # the sweep drafted the below 90% letter to both parents
    letters = drafts.list_letters(db, who=as_user(db, AO), case_id=case_id)
    draft(db, case_id, "attendance_report", AO, "2025-11-28")
    drafts.send_letter(db, letter_id=letters[0].id, who=as_user(db, AO), today=d("2025-11-28"))
    pdf, count = drafts.batch_pdf(db, who=as_user(db, AO), on=d("2025-11-28"))
    assert count == 3
    assert pages_of(pdf) >= 3
    shown = text_of(pdf)
    assert shown.count("attendance below 90%") == 1  # the sent one is not printed again
    assert shown.count("Attendance report for Pupil1 Generated") == 2


def test_letters_are_out_of_reach_as_their_cases_are(db: Database, world: World) -> None:
    case_id = concern(db, world)
    first, _ = draft(db, case_id, "below_90", AO, "2025-11-28")
    with pytest.raises(LetterNotFoundError):
        pdf_of(db, first.id, LA)  # the case has not reached the LA
    assert drafts.list_letters(db, who=as_user(db, LA)) == []
    with pytest.raises(LetterError, match="a teacher may not draft letters"):
        draft(db, case_id, "below_90", TEACHER, "2025-11-28")


def test_an_unknown_letter_lists_the_ones_there_are(db: Database, world: World) -> None:
    case_id = concern(db, world)
    with pytest.raises(LetterError, match=r"no letter 'red' \(letters: attendance_report, rag_red"):
        draft(db, case_id, "red", AO, "2025-11-28")
