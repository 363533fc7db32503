"""A full page load of any URL an htmx swap pushes shows the same content as the swap did.

Every element with hx-push-url on the pages people visit is found and clicked; the address bar
then holds the pushed URL, which a fresh page (the same person's browser) loads in full. The
main content of the two must read the same.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.e2e.browsing import normalised, open_page, settled, sign_in
from tests.e2e.conftest import LiveApp
from tests.support.world import AO, HEAD, LA

O_WEEK = {date(2026, 1, d): "O" for d in (12, 13, 14, 15, 16)}
PUSHERS = "[hx-push-url]:not([hx-push-url='false'])"


@pytest.fixture
def concern(live_app: LiveApp) -> int:
    """A concern the sweep opened (in monitoring: the LA officer does not see it yet)."""
    from casework.services.daily_sweep import daily_sweep

    world = live_app.world
    upn = world.pupil()
    world.marks(upn, date(2025, 9, 3), date(2026, 1, 16), O_WEEK)
    swept = daily_sweep(live_app.db, live_app.today)
    (opened,) = swept.cases_opened
    return int(opened["case"])


def main_text(page: Page) -> str:
    settled(page)
    return normalised(page.locator("main").inner_text())


def pages_of(page: Page, base: str, paths: list[str]) -> list[str]:
    """The paths that answer 200 for this person (the inboxes others are building may not)."""
    return [p for p in paths if page.request.get(base + p).status == 200]


def check_pushes(page: Page, fresh: Page, base: str, path: str) -> int:
    """Click each URL-pushing element of `path` in turn and compare with a full load."""
    page.goto(base + path)
    settled(page)
    count = page.locator(PUSHERS).count()
    for index in range(count):
        page.goto(base + path)
        settled(page)
        element = page.locator(PUSHERS).nth(index)
        method = element.evaluate(
            "e => ['hx-get','hx-post','hx-put','hx-patch','hx-delete']"
            ".find(a => e.hasAttribute(a)) || 'hx-boost'"
        )
        assert method == "hx-get", (
            f"{path}: element {index} pushes a URL after {method}; this test only knows how to "
            f"trigger hx-get pushes, so teach it this one: {element.evaluate('e => e.outerHTML')}"
        )
        before = page.url  # settled() above waited for htmx to start
        with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
            element.click()
        page.wait_for_function("(before) => location.href !== before", arg=before)
        pushed = page.url
        swapped = main_text(page)
        fresh.goto(pushed)
        assert fresh.url == pushed, f"loading {pushed} went to {fresh.url}"
        assert main_text(fresh) == swapped, f"{pushed}: a full load differs from the swap"
    return count


def test_every_pushed_url_loads_the_content_the_swap_showed(
    live_app: LiveApp, concern: int, browser: Any, contexts: list[Any]
) -> None:
    base = live_app.url
    checked = 0
    for username, paths in (
        (AO, ["/", "/cases", f"/cases/{concern}"]),
        (HEAD, ["/", "/approvals", "/cases", f"/cases/{concern}"]),
        (LA, ["/referrals", "/cases"]),
    ):
        page = open_page(contexts, browser)
        sign_in(page, base, username, next_path="/cases")
        fresh = page.context.new_page()
        for path in pages_of(page, base, paths):
            checked += check_pushes(page, fresh, base, path)
    # The case page's "Record evidence" links push ?record=KIND: at least those were checked.
    assert checked >= 2 * 10
