"""The browser tests: the real app served by uvicorn on a free loopback port, driven by Chromium.

Each test gets a fresh SQLite database with the example school (tests/data/school.toml), its
people (tests.support.world: an attendance lead, a head, an LA officer of LA 850) with
passwords set, and generated pupils with contacts and marks. The app's "today" is fixed.

Chromium is Debian's (/usr/bin/chromium, or CASEWORK_CHROMIUM); Playwright drives it. Without
it these tests skip on a developer's machine and fail under CI=true, so CI never passes by
skipping them. Screenshots go to CASEWORK_SCREENSHOTS (docs/screenshots to refresh the
committed ones), else into the test run's temporary folder.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from casework.services.access import sign_in
from casework.store.database import Database
from casework.web.app import create_app
from tests.e2e.browsing import PASSWORD
from tests.support.data import DATA
from tests.support.databases import migrate
from tests.support.world import AO, HEAD, LA, World, make_world

CHROMIUM = os.environ.get("CASEWORK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TODAY = date(2026, 1, 19)  # a Monday of the spring term


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveApp:
    """The app being served, its database and the world of the example school in it."""

    url: str
    db: Database
    world: World
    today: date


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[LiveApp]:
    url = f"sqlite:///{tmp_path / 'casework.sqlite'}"
    migrate(url)
    db = Database(url)
    world = make_world(db, DATA)
    for username in (AO, HEAD, LA):
        sign_in.set_password(db, username, PASSWORD)
    app = create_app(db, secret="e2e-secret-" * 4, today=lambda: TODAY)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-e2e", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield LiveApp(f"http://127.0.0.1:{port}", db, world, TODAY)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        message = f"the browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("CASEWORK_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[Any]]:
    """Browser contexts opened by a test (one per person), closed after it."""
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()
