"""Keep-alive turnover: every fiftieth response of a connection closes it, so that long-lived
connections spread over the worker processes; the others keep the connection alive.
(`app_from_environment`, what the workers serve, wraps the app in it.)"""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from casework.web.app import app_from_environment
from casework.web.turnover import REQUESTS_PER_CONNECTION


def served(database_url: str, monkeypatch: pytest.MonkeyPatch) -> TestClient:  # type: ignore[type-arg]
    """The app as each worker process serves it."""
    monkeypatch.setenv("CASEWORK_DATABASE_URL", database_url)
    monkeypatch.setenv("CASEWORK_SECRET", "test-secret-" * 4)
    return TestClient(app_from_environment())


def test_the_fiftieth_response_of_a_connection_closes_it_and_the_count_starts_again(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test client is one connection throughout (one client address and port).
    with served(database_url, monkeypatch) as client:
        closing = [
            n
            for n in range(1, 2 * REQUESTS_PER_CONNECTION + 1)
            if client.get("/sign-in").headers.get("connection") == "close"
        ]
    assert closing == [REQUESTS_PER_CONNECTION, 2 * REQUESTS_PER_CONNECTION]


def test_an_api_answer_refused_for_want_of_a_token_is_counted_and_closed_too(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with served(database_url, monkeypatch) as client:
        answers = [client.get("/api/cases") for _ in range(REQUESTS_PER_CONNECTION)]
    assert {a.status_code for a in answers} == {401}
    assert [a.headers.get("connection") for a in answers].count("close") == 1
    assert answers[-1].headers.get("connection") == "close"
