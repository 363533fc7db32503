"""Signing in and out of the web app: sessions on the server, lockout, CSRF, API tokens."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from casework.services.access import sign_in
from casework.store.database import Database
from casework.store.models import WebSession
from tests.support.web import PASSWORD, app_client, bearer, csrf, sign_in_as, signed_in
from tests.support.world import AO, World

TODAY = date(2026, 1, 19)


def sessions(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(WebSession)) or 0)


def test_a_signed_out_browser_is_sent_to_sign_in(db: Database, world: World) -> None:
    with app_client(db, TODAY) as client:
        response = client.get("/cases", follow_redirects=False)
        assert response.status_code == 302
        assert response.headers["location"] == "/sign-in?next=/cases"
        assert "Generated" not in client.get("/sign-in").text


def test_signing_in_keeps_a_session_on_the_server_and_signing_out_ends_it(
    db: Database, world: World
) -> None:
    with signed_in(db, AO, TODAY) as client:
        assert sessions(db) == 1
        assert client.get("/").status_code == 200
        cookie = client.cookies["casework_session"]
        client.post("/sign-out", data={"_csrf_token": csrf(client)}, follow_redirects=False)
        assert sessions(db) == 0
        # The old cookie, sent again, no longer signs anyone in.
        client.cookies.set("casework_session", cookie)
        assert client.get("/", follow_redirects=False).status_code == 302


def test_a_wrong_password_says_so_without_saying_whether_the_user_exists(
    db: Database, world: World
) -> None:
    sign_in.set_password(db, AO, PASSWORD)
    with app_client(db, TODAY) as client:
        token = csrf(client)
        wrong = client.post(
            "/sign-in", data={"username": AO, "password": "nope", "_csrf_token": token}
        )
        nobody = client.post(
            "/sign-in", data={"username": "nobody", "password": "nope", "_csrf_token": token}
        )
        assert wrong.status_code == nobody.status_code == 400
        assert "Enter a username and password that match" in wrong.text
        assert "Enter a username and password that match" in nobody.text


def test_five_failures_lock_the_account_even_for_the_right_password(
    db: Database, world: World
) -> None:
    sign_in.set_password(db, AO, PASSWORD)
    now = datetime(2026, 1, 19, 9, 0, tzinfo=UTC)
    for _ in range(sign_in.FAILURES_BEFORE_LOCK):
        with pytest.raises(sign_in.SignInError):
            sign_in.sign_in(db, AO, "wrong password", now)
    with pytest.raises(sign_in.SignInError) as locked:
        sign_in.sign_in(db, AO, PASSWORD, now + timedelta(minutes=1))
    assert locked.value.locked_until == now + timedelta(minutes=sign_in.LOCK_MINUTES)
    later = now + timedelta(minutes=sign_in.LOCK_MINUTES + 1)
    assert sign_in.sign_in(db, AO, PASSWORD, later).username == AO


def test_the_sign_in_form_needs_its_csrf_token(db: Database, world: World) -> None:
    sign_in.set_password(db, AO, PASSWORD)
    with app_client(db, TODAY) as client:
        response = client.post("/sign-in", data={"username": AO, "password": PASSWORD})
        assert response.status_code == 403
        sign_in_as(client, AO)


def test_session_cookies_are_http_only_and_same_site(db: Database, world: World) -> None:
    sign_in.set_password(db, AO, PASSWORD)
    with app_client(db, TODAY) as client:
        response = client.post(
            "/sign-in",
            data={"username": AO, "password": PASSWORD, "_csrf_token": csrf(client)},
            follow_redirects=False,
        )
        cookie = next(
            v for k, v in response.headers.multi_items() if k == "set-cookie" and "session" in v
        )
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie


def test_passwords_are_hashed_with_argon2_and_short_ones_refused(
    db: Database, world: World
) -> None:
    with pytest.raises(sign_in.PasswordError, match="at least 10 characters"):
        sign_in.set_password(db, AO, "short")
    sign_in.set_password(db, AO, PASSWORD)
    with db.engine.connect() as connection:
        stored = connection.exec_driver_sql(
            "SELECT password_hash FROM app_user WHERE username = 'b.lead'"
        ).scalar()
    assert str(stored).startswith("$argon2") and PASSWORD not in str(stored)


def test_an_api_token_works_until_it_is_revoked(db: Database, world: World) -> None:
    token = sign_in.issue_token(db, AO)
    assert sign_in.actor_for_token(db, token).username == AO  # type: ignore[union-attr]
    assert sign_in.revoke_tokens(db, AO) == 1
    assert sign_in.actor_for_token(db, token) is None


def test_a_page_view_does_not_rewrite_the_session(db: Database, world: World) -> None:
    with signed_in(db, AO, TODAY) as client:
        with db.transaction() as session:
            before = session.scalars(select(WebSession)).one()
            kept = (before.key, bytes(before.value), before.expires_at)
        client.get("/cases")
        with db.transaction() as session:
            after = session.scalars(select(WebSession)).one()
            assert (after.key, bytes(after.value), after.expires_at) == kept


def test_an_api_call_with_a_token_keeps_no_session_and_sets_no_session_cookie(
    db: Database, world: World
) -> None:
    headers = bearer(db, AO)
    writes: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.lstrip().upper().startswith(("SELECT", "BEGIN", "PRAGMA")):
            writes.append(statement)

    with app_client(db, TODAY) as client:
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = client.get("/api/cases", headers=headers)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert "casework_session" not in response.headers.get("set-cookie", "")
    assert sessions(db) == 0
    assert writes == []
