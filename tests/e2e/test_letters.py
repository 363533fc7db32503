"""Letters in the browser: the attendance lead drafts a letter on a concern (htmx swaps the
letters section in place), reads it, records one sent (the case swaps, the letter on its
evidence), and finds the other on the worklist to print. Every page is checked with axe-core
and kept as a screenshot."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from casework.services.daily_sweep import daily_sweep
from tests.e2e.browsing import check_page, evidence_kinds, open_page, ready, sign_in
from tests.e2e.conftest import LiveApp
from tests.support.letters import PARENTS
from tests.support.world import AO, FATHER, MOTHER

O_WEEK = {date(2026, 1, d): "O" for d in (12, 13, 14, 15, 16)}


@pytest.fixture
def concern(live_app: LiveApp) -> int:
    world = live_app.world
    upn = world.pupil(contacts=PARENTS)  # two parents, so two letters
    world.marks(upn, date(2025, 9, 3), date(2026, 1, 16), O_WEEK)
    (opened,) = daily_sweep(live_app.db, live_app.today).cases_opened
    return int(opened["case"])


def test_a_letter_is_drafted_read_sent_and_printed(
    live_app: LiveApp, concern: int, browser: Any, contexts: list[Any], screenshots: Path
) -> None:
    base = live_app.url
    lead = open_page(contexts, browser)
    sign_in(lead, base, AO, next_path=f"/cases/{concern}")
    lead.goto(f"{base}/cases/{concern}")
    section = lead.locator("#case-letters")
    expect(section).to_contain_text("No letters drafted on this case yet.")

    # A refusal first: a letter whose facts are missing says which, where the form is.
    ready(lead)
    section.get_by_label("Draft a letter").select_option("meeting_invitation")
    section.get_by_role("button", name="Draft the letter").click()
    expect(section.locator(".govuk-error-message")).to_contain_text("cannot be drafted")
    check_page(lead, screenshots, "letters-01-refused")

    ready(lead)
    section.get_by_label("Draft a letter").select_option("attendance_report")
    section.get_by_role("button", name="Draft the letter").click()
    expect(section.locator(".govuk-notification-banner--success")).to_contain_text(
        "2 letters drafted"
    )
    rows = section.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(section).to_contain_text(MOTHER)
    expect(section).to_contain_text(FATHER)
    check_page(lead, screenshots, "letters-02-drafted")

    # The preview: the letter inside the app's page.
    mother = section.locator("tr", has_text=MOTHER)
    mother.get_by_role("link", name="Preview").click()
    expect(lead.get_by_role("heading", level=1)).to_have_text("Attendance report")
    letter = lead.frame_locator("iframe.casework-letter")
    expect(letter.locator("body")).to_contain_text(f"Dear {MOTHER},")
    check_page(lead, screenshots, "letters-03-preview")
    lead.goto(f"{base}/cases/{concern}")

    # Sent by hand: the case swaps in place, the letter is on its evidence.
    ready(lead)
    mother = lead.locator("#case-letters tr", has_text=MOTHER)
    mother.get_by_label("Sent today").select_option("hand")
    mother.get_by_role("button", name="Record sent").click()
    expect(lead.locator("#case-letters .govuk-notification-banner--success")).to_contain_text(
        "Letter recorded as sent"
    )
    expect(lead.locator("#case-letters tr", has_text=MOTHER)).to_contain_text("by hand")
    assert evidence_kinds(lead)[-1] == "Letter sent"
    check_page(lead, screenshots, "letters-04-sent")

    # The worklist: the father's letter is still to send, in today's batch.
    lead.goto(base + "/")
    to_send = lead.locator("h2#letters + p + ul + table")
    expect(to_send.locator("tbody tr")).to_have_count(1)
    expect(to_send).to_contain_text(FATHER)
    batch = lead.get_by_role("link", name="Download today's letters to print")
    expect(batch).to_have_attribute("href", "/letters/batch.pdf?date=2026-01-19")
    pdf = lead.request.get(base + "/letters/batch.pdf?date=2026-01-19")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    check_page(lead, screenshots, "letters-05-worklist")
