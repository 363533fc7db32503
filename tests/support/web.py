"""The web app on a test database, and signing in to it as one of the example school's people."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from litestar.testing import TestClient

from casework.register.school import load_school
from casework.services.access import sign_in, users
from casework.services.register.schools import save_school
from casework.store.database import Database
from casework.web.app import create_app

PASSWORD = "a long test password"
CSRF_COOKIE = "casework_csrf"


def app_client(db: Database, today: date) -> TestClient:  # type: ignore[type-arg]
    return TestClient(create_app(db, secret="test-secret-" * 4, today=lambda: today))


def csrf(client: TestClient) -> str:  # type: ignore[type-arg]
    """The CSRF token a browser would send: the cookie set by any page it loaded."""
    if CSRF_COOKIE not in client.cookies:
        client.get("/sign-in")
    return str(client.cookies[CSRF_COOKIE])


def sign_in_as(client: TestClient, username: str) -> None:  # type: ignore[type-arg]
    response = client.post(
        "/sign-in",
        data={"username": username, "password": PASSWORD, "_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


@contextmanager
def signed_in(db: Database, username: str, today: date) -> Iterator[TestClient]:  # type: ignore[type-arg]
    """A browser signed in as `username` (whose password is set here)."""
    sign_in.set_password(db, username, PASSWORD)
    with app_client(db, today) as client:
        sign_in_as(client, username)
        yield client


def bearer(db: Database, username: str) -> dict[str, str]:
    """The headers of an API client holding a new token of `username`."""
    return {"Authorization": f"Bearer {sign_in.issue_token(db, username)}"}


OTHER_URN = "100002"  # a second school like the example one, in the same LA
OTHER_LEAD = "x.lead"  # its attendance officer


def add_other_school(db: Database, data_dir: Path) -> None:
    """A second school and its attendance officer, who must see nothing of the first."""
    save_school(db, dataclasses.replace(load_school(data_dir / "school.toml"), urn=OTHER_URN))
    users.add_user(
        db,
        username=OTHER_LEAD,
        name="Xan Lead",
        position="Attendance Lead",
        role="attendance_officer",
        school_urn=OTHER_URN,
    )
