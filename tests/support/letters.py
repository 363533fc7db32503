"""Drafting, printing and sending letters through the letter services, and reading PDFs back."""

from __future__ import annotations

import io
import os
from pathlib import Path

from pypdf import PdfReader

from casework.services.letters import drafts
from casework.store.database import Database
from tests.support.actions import as_user
from tests.support.dates import d
from tests.support.world import FATHER, MOTHER

# Two parents with parental responsibility, living with the pupil: two letters each time.
PARENTS = [(MOTHER, "Mother", True), (FATHER, "Father", True)]


def draft(
    db: Database, case_id: int, template: str, who: str, today: str
) -> list[drafts.LetterView]:
    return drafts.draft_letters(
        db, case_id=case_id, template=template, who=as_user(db, who), today=d(today)
    )


def pdf_of(db: Database, letter_id: int, who: str) -> bytes:
    pdf = drafts.letter_pdf(db, letter_id=letter_id, who=as_user(db, who))
    keep = os.environ.get("CASEWORK_LETTERS_OUT")
    if keep:  # to look at them: pdftoppm -r 70 -png -f 1 -l 1 FILE.pdf page
        folder = Path(keep)
        folder.mkdir(parents=True, exist_ok=True)
        template = drafts.letter_view(db, letter_id=letter_id, who=as_user(db, who)).template
        (folder / f"{template}-{letter_id}.pdf").write_bytes(pdf)
    return pdf


def text_of(pdf: bytes) -> str:
    """The PDF's text, with runs of white space made one space (lines wrap where they fall)."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def pages_of(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def letter_text(db: Database, letter_id: int, who: str) -> str:
    return text_of(pdf_of(db, letter_id, who))
