"""Drafting, printing and sending letters through the letter services, and reading PDFs back."""

from __future__ import annotations

import io

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
    return drafts.letter_pdf(db, letter_id=letter_id, who=as_user(db, who))


def text_of(pdf: bytes) -> str:
    """The PDF's text, with runs of white space made one space (lines wrap where they fall)."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def pages_of(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def letter_text(db: Database, letter_id: int, who: str) -> str:
    return text_of(pdf_of(db, letter_id, who))
