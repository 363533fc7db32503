"""An attendance concern in the browser, from the sweep's finding to the LA accepting the referral.

The attendance lead signs in, runs the sweep, opens the concern it raised from the worklist and
works it through the case page's forms (htmx swaps the case in place); the head approves the
referral; the lead refers; an LA officer accepts. Every page is checked with axe-core and kept
as a screenshot.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from casework.text import in_sentence
from tests.e2e.browsing import (
    check_page,
    evidence_kinds,
    open_page,
    ready,
    sign_in,
    state_tag,
)
from tests.e2e.conftest import LiveApp
from tests.support.world import AO, HEAD, LA

# A week of unauthorised absence (O) in the 10 school weeks before today: the penalty
# threshold (10 sessions) is met, so the sweep opens a concern.
O_WEEK = {date(2026, 1, d): "O" for d in (12, 13, 14, 15, 16)}
SIGNED_ON, REVIEW = "2026-01-19", "2026-03-02"  # review 6 school weeks on, within 4 to 6


@pytest.fixture
def pupil(live_app: LiveApp) -> str:
    world = live_app.world
    upn = world.pupil()
    world.marks(upn, date(2025, 9, 3), date(2026, 1, 16), O_WEEK)
    for _ in range(3):  # classmates present every day: no finding, no case
        world.marks(world.pupil(), date(2025, 9, 3), date(2026, 1, 16))
    return upn


def record(page: Page, label: str, fields: dict[str, str]) -> None:
    """Choose a kind of evidence under "Record evidence", fill its form and record it."""
    ready(page)
    page.locator(".casework-evidence-links").get_by_role("link", name=label, exact=True).click()
    form = page.locator("form#record")
    expect(form.locator("legend")).to_have_text(label)
    for name, value in fields.items():
        control = form.locator(f"[name='{name}']")
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    ready(page)
    form.get_by_role("button", name=f"Record {in_sentence(label)}").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Evidence recorded")


def step_item(page: Page, trigger: str) -> Any:
    return page.locator(f"li.govuk-task-list__item[id^='step-{trigger}-']")


def take_step(page: Page, trigger: str, label: str) -> None:
    ready(page)
    step_item(page, trigger).get_by_role("button", name=label).click()


def test_a_concern_goes_from_the_sweep_to_the_la(
    live_app: LiveApp, pupil: str, browser: Any, contexts: list[Any], screenshots: Path
) -> None:
    base = live_app.url

    # -- the attendance lead: sign in, run the sweep, open the concern from the worklist
    lead = open_page(contexts, browser)
    lead.goto(base + "/")
    expect(lead).to_have_url(re.compile(rf"{re.escape(base)}/sign-in(\?next=/)?$"))
    check_page(lead, screenshots, "01-sign-in")
    sign_in(lead, base, AO)
    expect(lead.get_by_role("heading", level=1)).to_have_text("Worklist for 19 January 2026")
    expect(lead.locator(".govuk-inset-text")).to_contain_text("The sweep has not run yet.")
    check_page(lead, screenshots, "02-worklist-before-sweep")
    lead.get_by_role("button", name="Run the sweep now").click()
    expect(lead.locator(".govuk-inset-text")).to_contain_text("1 finding, 1 case opened")
    findings = lead.locator("h2:has-text('New findings') + table")
    expect(findings).to_contain_text("Pupil1 Generated")
    check_page(lead, screenshots, "03-worklist-after-sweep")
    findings.get_by_role("link", name="Pupil1").first.click()
    expect(lead.get_by_role("heading", level=1)).to_contain_text("Pupil1 Generated")
    expect(lead.locator(".govuk-caption-l")).to_contain_text(f"UPN {pupil}")
    assert state_tag(lead) == "Monitoring"
    assert evidence_kinds(lead) == ["Finding"]
    case_url = lead.url
    check_page(lead, screenshots, "04-case-monitoring")

    # -- the pupil's page, from the name in the case's heading, and back
    lead.get_by_role("heading", level=1).get_by_role("link", name="Pupil1 Generated").click()
    expect(lead).to_have_url(re.compile(rf"/pupils/{pupil}$"))
    expect(lead.get_by_role("heading", level=1)).to_have_text("Pupil1 Generated")
    expect(lead.locator("main")).to_contain_text("The register, week by week")
    check_page(lead, screenshots, "04b-pupil")
    lead.goto(case_url)

    # -- evidence through the "Record evidence" forms, swapped in place by htmx
    record(
        lead,
        "Contact attempt",
        {"channel": "phone", "contact": "Carol Generated", "outcome": "reached"},
    )
    # The link pushed its URL; the form post after it pushes none.
    expect(lead).to_have_url(case_url + "?record=contact_attempt")
    assert evidence_kinds(lead) == ["Finding", "Contact attempt"]  # oldest first
    check_page(lead, screenshots, "05-case-contact-recorded")
    take_step(lead, "offer_support", "Offer school-led support")
    expect(banner_of(lead)).to_contain_text("Step taken: the case is now school-led support.")
    assert state_tag(lead) == "School-led support"

    record(
        lead,
        "Meeting",
        {"purpose": "school_support", "attendees": "Carol Generated, Ben Example", "outcome": "x"},
    )
    record(
        lead,
        "Signed plan",
        {"plan": "attendance_plan", "signed_on": SIGNED_ON, "review_date": REVIEW},
    )
    assert evidence_kinds(lead)[-2:] == ["Meeting", "Signed plan"]
    take_step(lead, "agree_plan", "Agree an individual attendance plan")
    expect(banner_of(lead)).to_contain_text("the case is now individual attendance plan.")
    assert state_tag(lead) == "Individual attendance plan"
    expect(lead.locator("h2:text-is('Deadlines') + table")).to_contain_text(
        "attendance plan review due"
    )
    check_page(lead, screenshots, "06-case-attendance-plan")

    # The referral pack: a letter, a home visit, the agencies involved.
    record(lead, "Letter sent", {"letter": "attendance_plan", "sent_on": SIGNED_ON})
    record(lead, "Home visit", {"outcome": "parent_seen", "summary": "Mum agreed the plan"})
    record(lead, "Agencies involved", {"agencies": "Early help team"})
    refer = step_item(lead, "refer_formal_support")
    expect(refer.locator(".govuk-task-list__status")).to_have_text("Blocked")
    reasons = refer.locator("details")
    reasons.locator("summary").click()
    expect(reasons).to_contain_text("needs SLT approval")
    expect(reasons).not_to_contain_text("referral pack")
    check_page(lead, screenshots, "07-case-waiting-for-approval")

    # -- the head approves the referral
    head = open_page(contexts, browser)
    sign_in(head, base, HEAD)
    expect(head.get_by_role("heading", level=1)).to_have_text("Worklist for 19 January 2026")
    check_page(head, screenshots, "08-head-worklist")
    approvals = head.request.get(base + "/approvals")
    if approvals.status == 200:
        head.goto(base + "/approvals")
        check_page(head, screenshots, "09-head-approvals")
        head.get_by_role("link", name="Pupil1").first.click()
    else:
        head.goto(case_url)
    expect(head.get_by_role("heading", level=1)).to_contain_text("Pupil1 Generated")
    refer_for_head = step_item(head, "refer_formal_support")
    expect(refer_for_head.locator(".govuk-task-list__status")).to_have_text("Blocked")
    record(
        head,
        "Senior leader's decision",
        {"decision": "approved", "step": "refer_formal_support", "reason": "Plan not working"},
    )
    expect(refer_for_head.locator(".govuk-task-list__status")).to_have_text("Ready")
    assert evidence_kinds(head)[-1] == "Slt approval"
    check_page(head, screenshots, "10-head-case-approved")

    # -- the lead refers the case to the LA
    lead.reload()
    ready = step_item(lead, "refer_formal_support").locator(".govuk-task-list__status")
    expect(ready).to_have_text("Ready")
    take_step(lead, "refer_formal_support", "Refer for formal support with the LA")
    expect(banner_of(lead)).to_contain_text("the case is now formal support with the LA.")
    assert state_tag(lead) == "Formal support with the LA"
    chronology = lead.locator("h2:text-is('Chronology') + table")
    expect(chronology).to_contain_text("Ann Example (Headteacher)")
    check_page(lead, screenshots, "11-case-referred")

    # -- an LA officer accepts the referral
    officer = open_page(contexts, browser)
    sign_in(officer, base, LA, next_path="/cases")
    inbox = officer.request.get(base + "/referrals")
    if inbox.status == 200:
        officer.goto(base + "/referrals")
        check_page(officer, screenshots, "12-la-referrals")
    else:
        expect(officer.get_by_role("heading", level=1)).to_have_text("Open cases")
        check_page(officer, screenshots, "12-la-cases")
    officer.get_by_role("link", name=case_url.rsplit("/", 1)[1], exact=True).or_(
        officer.get_by_role("link", name="Pupil1")
    ).first.click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("Pupil1 Generated")
    assert state_tag(officer) == "Formal support with the LA"
    record(officer, "Local authority decision", {"decision": "accepted", "reason": "Pack complete"})
    assert evidence_kinds(officer)[-1] == "La decision"
    expect(officer.locator("h2:text-is('Evidence') + table tbody tr").last).to_contain_text(
        "decision: accepted"
    )
    check_page(officer, screenshots, "13-la-case-accepted")


def banner_of(page: Page) -> Any:
    return page.locator(".govuk-notification-banner--success")


def test_a_blocked_step_shows_its_reasons_where_its_button_is(
    live_app: LiveApp, pupil: str, browser: Any, contexts: list[Any], screenshots: Path
) -> None:
    base = live_app.url
    lead = open_page(contexts, browser)
    sign_in(lead, base, AO)
    lead.get_by_role("button", name="Run the sweep now").click()
    lead.locator("h2:has-text('New findings') + table").get_by_role("link").first.click()
    offer = step_item(lead, "offer_support")
    expect(offer.locator(".govuk-task-list__status")).to_have_text("Blocked")
    # The button is there (secondary): pressing it says why, in place, and changes nothing.
    take_step(lead, "offer_support", "Offer school-led support")
    problem = offer.locator(".govuk-error-summary")
    expect(problem).to_contain_text("no contact with the family recorded yet")
    expect(problem.locator("[role=alert]")).to_be_visible()
    assert state_tag(lead) == "Monitoring"
    expect(lead.locator(".govuk-notification-banner--success")).to_have_count(0)
    check_page(lead, screenshots, "20-case-blocked-step")
