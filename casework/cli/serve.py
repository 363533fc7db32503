"""The serve command: the web app on this database, for people to sign in to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

import typer
from rich.text import Text

from casework.cli.console import DatabaseOption, err, open_database, out
from casework.cli.errors import reported
from casework.store.database import Database


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(metavar="N", help="Port to listen on.")] = 8000,
    database: DatabaseOption = None,
) -> None:
    """Serve the web app (sign-in, worklists, case pages and the JSON API)."""
    with reported(), open_database(database, migrate=True):
        pass  # the schema is brought up to date before anyone signs in
    run_app(Database(database), host, port)


def run_app(db: Database, host: str, port: int, today: date | None = None) -> None:
    """Serve the app on `db` until stopped; `today` fixes the day it works as of (the demo)."""
    import uvicorn

    from casework.web.app import create_app

    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(
            Text.assemble(
                ("warning:", "yellow"),
                " serving beyond this machine: put it behind HTTPS "
                "(set CASEWORK_SECURE_COOKIES=1 there) before people sign in.",
            ),
            highlight=False,
        )
    out.print(f"Casework is at http://{host}:{port}/ (Ctrl+C to stop).", highlight=False)
    app = create_app(db) if today is None else create_app(db, today=_fixed(today))
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _fixed(day: date) -> Callable[[], date]:
    return lambda: day
