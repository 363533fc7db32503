"""The serve command: the web app on this database, for people to sign in to."""

from __future__ import annotations

from typing import Annotated

import typer

from casework.cli.console import DatabaseOption, err, open_database, out
from casework.cli.errors import reported


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    database: DatabaseOption = None,
) -> None:
    """Serve the web app (sign-in, worklists, case pages and the JSON API)."""
    import uvicorn

    from casework.store.database import Database
    from casework.web.app import create_app

    with reported(), open_database(database, migrate=True):
        pass  # the schema is brought up to date before anyone signs in
    db = Database(database)
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(
            "[yellow]warning:[/] serving beyond this machine: put it behind HTTPS "
            "(set CASEWORK_SECURE_COOKIES=1 there) before people sign in.",
            highlight=False,
        )
    out.print(f"Casework is at http://{host}:{port}/ (Ctrl+C to stop).", highlight=False)
    uvicorn.run(create_app(db), host=host, port=port, log_level="warning")
