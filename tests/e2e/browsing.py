"""What the browser tests do on a page: sign in, check it with axe-core, and keep a screenshot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

PASSWORD = "a long test password"
VIEWPORT = {"width": 1280, "height": 900}
AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SHOT_WIDTH = VIEWPORT["width"]


def open_page(contexts: list[Any], browser: Any) -> Page:
    """A new browser (its own cookies) for one person."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(15_000)
    contexts.append(context)
    return context.new_page()


def sign_in(page: Page, base: str, username: str, next_path: str = "/") -> None:
    page.goto(f"{base}/sign-in?next={next_path}")
    expect(page.get_by_role("heading", name="Sign in to Casework")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


# On a busy machine a slow page is not a failure: wait longer than Playwright's default 5 s.
expect.set_options(timeout=20_000)


def ready(page: Page) -> None:
    """The page has loaded and htmx has started, so a click is an htmx request, not a plain
    link or form post (which the app also serves, but without the swap being tested)."""
    page.wait_for_function("() => document.readyState === 'complete' && window.htmx !== undefined")


def settled(page: Page) -> None:
    """Wait for what scripts draw after a load or a swap: the case diagram, if there is one."""
    ready(page)
    if page.locator("pre.mermaid").count():
        expect(page.locator("pre.mermaid svg")).to_have_count(1, timeout=20_000)
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}}
    result = page.evaluate("(options) => axe.run(document, options)", options)
    return list(result["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]")
        for node in v["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def check_page(page: Page, shots: Path, name: str) -> None:
    """No axe-core violations of WCAG 2.2 A and AA here; and a full-page screenshot."""
    settled(page)
    violations = axe_violations(page)
    shot = shots / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert not violations, (
        f"accessibility violations on {page.url} (screenshot {shot}):\n{describe(violations)}"
    )


def state_tag(page: Page) -> str:
    row = page.locator(".govuk-summary-list__row", has_text="State")
    return row.locator(".govuk-tag").inner_text().strip()


def evidence_kinds(page: Page) -> list[str]:
    table = page.locator("h2:text-is('Evidence') + table")
    return [t.strip() for t in table.locator("tbody tr td:nth-child(2)").all_inner_texts()]


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
