"""The LA evidence pack of a referred case: one PDF with the cover sheet and the head's
sign-off, the chronology, contact and home visits, plans and meetings, parental
responsibility, the attendance printout, and every letter sent, appended unchanged."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from casework.services.errors import CaseNotFoundError, LetterError
from casework.services.letters import drafts
from casework.services.letters.pack import evidence_pack
from casework.store.database import Database
from tests.support.actions import as_user, evidence
from tests.support.cli import run
from tests.support.dates import d
from tests.support.escalations import referred_to_la
from tests.support.letters import draft, pdf_of, text_of
from tests.support.web import signed_in
from tests.support.world import AO, FATHER, HEAD, LA, LA_ELSEWHERE, MOTHER, TEACHER, World

TODAY = "2026-02-04"


def pack_text(pdf: bytes) -> str:
    """The PDF's text with the hyphens that break a word at the end of a line joined up."""
    return text_of(pdf).replace("- ", "-")


def referred_with_letters(db: Database, world: World) -> tuple[int, list[int]]:
    """A case referred to the LA on 26 January 2026, the father rung the day after, and an
    attendance report sent to each parent; returns the case and the letters."""
    _, cid = referred_to_la(db, world)
    evidence(db, cid, "contact_attempt", AO, "2026-01-27", channel="phone", contact=FATHER,
             outcome="no_answer", summary="rang twice, no voicemail")  # fmt: skip
    # To each parent with parental responsibility (the grandmother, a carer, has hers too).
    letters = draft(db, cid, "attendance_report", AO, "2026-01-27")[:2]
    for letter in letters:
        drafts.send_letter(db, letter_id=letter.id, who=as_user(db, AO), today=d("2026-01-28"))
    return cid, [letter.id for letter in letters]


def test_the_pack_is_one_pdf_of_the_case_and_its_letters(db: Database, world: World) -> None:
    cid, letter_ids = referred_with_letters(db, world)
    pdf = evidence_pack(db, case_id=cid, who=as_user(db, LA), today=d(TODAY))
    if os.environ.get("CASEWORK_PACK_OUT"):  # to look at it: pdftoppm -r 70 -png FILE /tmp/p
        Path(os.environ["CASEWORK_PACK_OUT"]).write_bytes(pdf)
    shown = pack_text(pdf)
    # The cover sheet: the school, the pupil, the case, the head and the recorded approval.
    assert "Evidence pack for the local authority" in shown
    assert "Example Primary School (URN 100001)" in shown
    assert f"Pupil Pupil1 Generated Case {cid}: Attendance concern" in shown
    assert "Date of birth 1 January 2016 Stage Formal support with the LA" in shown
    assert f"UPN {world.last_upn} Opened 16 January 2026" in shown
    assert f"Year group 4 Reference 100001/C{cid}" in shown
    assert "Prepared 4 February 2026 by Lee Officer, Attendance Improvement Officer" in shown
    assert (
        "Ann Example, Headteacher, approved “Refer for formal support with the LA” "
        "on 26 January 2026" in shown
    )
    assert "Ann Example, Headteacher, Example Primary School" in shown  # under the sign-off
    assert f"Reference 100001/C{cid} · prepared 4 February 2026" in shown
    # The chronology: every event with the day, who (name and position) and what.
    assert "19 Jan 2026 Ben Example Attendance Lead Contact attempt: channel: phone" in shown
    assert "Offer school-led support (monitoring to school-led support)" in shown
    assert "26 Jan 2026 Ann Example Headteacher Senior leader's decision: approved" in shown
    assert "Refer for formal support with the LA (individual attendance plan to formal" in shown
    assert f"Letter sent: Attendance report to {FATHER} by post" in shown
    # Contact attempts, home visits, meetings, the plan and the agencies.
    assert f"27 January 2026 phone {FATHER} no answer rang twice, no voicemail" in shown
    assert "23 January 2026 parent seen" in shown
    assert "21 January 2026 School support mother, attendance lead a morning routine" in shown
    assert "Attendance plan 21 January 2026 25 February 2026" in shown
    assert "23 January 2026 None Ben Example" in shown  # agencies: none, asked and answered
    # Parental responsibility: who has it and who lives with the pupil.
    assert f"{MOTHER} Mother Yes Yes 12 Test Street" in shown
    assert f"{FATHER} Father Yes Yes" in shown
    assert "Gwen Generated Grandmother No Yes" in shown
    # The attendance printout: the year's figures, the grid's codes and the key.
    assert "The school year so far, 3 September 2025 to 4 February 2026" in shown
    assert "Week of Monday Tuesday Wednesday Thursday Friday Attended" in shown
    assert "12 Jan 2026 O O O O O O O O O O 0 of 10" in shown
    assert "5 Jan 2026 INSET / \\ / \\ / \\ / \\ 8 of 8" in shown
    assert "27 Oct 2025 Half-term holiday" in shown
    assert "22 Dec 2025 School holiday, to 2 January 2026" in shown
    assert "O Absent in other or unknown circumstances" in shown
    assert "/ Present (morning)" in shown and "\\ Present (afternoon)" in shown
    assert "– No mark in the register for this session" in shown  # 2 to 4 February
    # The letters: listed in the contents with the page each starts on, appended unchanged.
    reader = PdfReader(io.BytesIO(pdf))
    kept = [pdf_of(db, letter_id, AO) for letter_id in letter_ids]
    page = len(reader.pages) - sum(len(PdfReader(io.BytesIO(k)).pages) for k in kept)
    for copy, to in zip(kept, (MOTHER, FATHER), strict=True):
        assert f"Copy: Attendance report to {to}, sent 28 January 2026 page {page + 1}" in shown
        for kept_page in PdfReader(io.BytesIO(copy)).pages:
            assert reader.pages[page].extract_text() == kept_page.extract_text()
            page += 1
    assert f"Dear {FATHER}" in shown and f"100001/C{cid}/L{letter_ids[1]}" in shown
    assert f"Page 2 of {len(reader.pages)}" in shown  # the pack's pages count the letters too


def test_an_la_officer_of_another_authority_is_told_there_is_no_such_case(
    db: Database, world: World
) -> None:
    _, cid = referred_to_la(db, world)
    with pytest.raises(CaseNotFoundError):
        evidence_pack(db, case_id=cid, who=as_user(db, LA_ELSEWHERE), today=d(TODAY))


def test_a_teacher_may_not_print_the_pack(db: Database, world: World) -> None:
    _, cid = referred_to_la(db, world)
    with pytest.raises(LetterError, match="a teacher may not print a case's evidence pack"):
        evidence_pack(db, case_id=cid, who=as_user(db, TEACHER), today=d(TODAY))


def test_without_a_recorded_approval_the_cover_says_so(db: Database, world: World) -> None:
    from tests.support.escalations import concern_awaiting_approval

    _, cid = concern_awaiting_approval(db, world)
    shown = pack_text(evidence_pack(db, case_id=cid, who=as_user(db, HEAD), today=d(TODAY)))
    assert "No senior leader's approval of the referral is recorded on the case yet" in shown
    assert "No letter drafted in Casework has been sent on this case" in shown
    # The letter recorded by hand is listed, with no copy to append.
    assert "Letters recorded as sent, with no copy in Casework" in shown
    assert f"22 January 2026 Attendance concern {MOTHER}" in shown


def test_case_pack_writes_the_pdf(
    db: Database, world: World, database_url: str, tmp_path: Path
) -> None:
    cid, _ = referred_with_letters(db, world)
    out = tmp_path / "pack.pdf"
    result = run(database_url, "case", "pack", str(cid), "--out", str(out), "--as", LA,
                 "--today", TODAY)  # fmt: skip
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert f"Evidence pack of case {cid}" in result.stdout and str(out) in result.stdout
    assert "Pupil1 Generated" in text_of(out.read_bytes())
    refused = run(database_url, "case", "pack", str(cid), "--out", str(out), "--as", LA_ELSEWHERE,
                  "--today", TODAY)  # fmt: skip
    assert refused.exit_code != 0
    assert f"no case {cid}" in refused.stderr and "Traceback" not in refused.stderr


def test_the_case_page_links_to_the_pack_and_the_route_serves_it(
    db: Database, world: World
) -> None:
    cid, _ = referred_with_letters(db, world)
    with signed_in(db, LA, d(TODAY)) as client:
        page = client.get(f"/cases/{cid}")
        assert f'href="/cases/{cid}/pack.pdf"' in page.text
        response = client.get(f"/cases/{cid}/pack.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert f"case-{cid}-evidence-pack.pdf" in response.headers["content-disposition"]
    assert "Evidence pack for the local authority" in text_of(response.content)
    with signed_in(db, LA_ELSEWHERE, d(TODAY)) as client:
        assert client.get(f"/cases/{cid}/pack.pdf").status_code == 404
    with signed_in(db, TEACHER, d(TODAY)) as client:
        assert "pack.pdf" not in client.get(f"/cases/{cid}").text
        assert client.get(f"/cases/{cid}/pack.pdf").status_code == 403
