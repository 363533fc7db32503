"""The Litestar application: pages and API over the services, with sign-in, CSRF and reach."""

from __future__ import annotations

import gc
import os
import secrets
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from casework import text
from casework.store.database import Database
from casework.web import api, assets
from casework.web.auth import BrowserCSRF, SignedIn
from casework.web.errors import EXCEPTION_HANDLERS
from casework.web.pages import ROUTES
from casework.web.provide import DEPENDENCIES
from casework.web.sessions import DatabaseStore, SessionConfig
from casework.web.turnover import Turnover

HERE = Path(__file__).parent
SECRET_VARIABLE = "CASEWORK_SECRET"
SESSION_HOURS = 10  # a working day; after that a person signs in again


def _templates(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    # Templates ship with the package and change only with a new release: compiled once, not
    # checked on disk (a stat of each template file) on every page.
    env.auto_reload = False
    env.globals.update(asset=assets.url, text=text)
    env.filters.update(
        long_date=text.long_date,
        short_date=text.short_date,
        words=text.words,
        in_sentence=text.in_sentence,
        money=text.money,
    )


def create_app(
    db: Database,
    *,
    secret: str | None = None,
    secure_cookies: bool = False,
    today: Callable[[], date] = date.today,
    debug: bool = False,
) -> Litestar:
    """The app on `db`. Cookies are marked Secure when it is served over HTTPS."""
    secret = secret or os.environ.get(SECRET_VARIABLE) or secrets.token_hex(32)
    sessions = SessionConfig(
        key="casework_session",
        max_age=SESSION_HOURS * 3600,
        secure=secure_cookies,
        httponly=True,
        samesite="lax",
        store="sessions",
        exclude=["^/static"],
    )
    csrf = CSRFConfig(
        secret=secret,
        cookie_name="casework_csrf",
        cookie_secure=secure_cookies,
        cookie_samesite="lax",
        exclude=["^/static"],
    )
    app = Litestar(
        route_handlers=[
            *ROUTES,
            *api.ROUTES,
            create_static_files_router(path="/static", directories=[HERE / "static"]),
        ],
        dependencies=DEPENDENCIES,
        middleware=[
            sessions.middleware,
            # Who is asking before whether the form is forged: a request from nobody is 401.
            DefineMiddleware(SignedIn, exclude=["^/static", "^/sign-in", "^/schema"]),
            DefineMiddleware(BrowserCSRF, config=csrf),
        ],
        stores={"sessions": DatabaseStore(db)},
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(
            directory=HERE / "templates",
            engine=JinjaTemplateEngine,
            engine_callback=_templates,
        ),
        openapi_config=OpenAPIConfig(
            title="Casework",
            version="1",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
            # Every /api path takes `Authorization: Bearer TOKEN` (`casework user token`).
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="An API token from `casework user token USERNAME`.",
                    )
                }
            ),
            security=[{"bearer": []}],
        ),
        exception_handlers=EXCEPTION_HANDLERS,
        debug=debug,
    )
    app.state.db = db
    app.state.today = today
    return app


def app_from_environment() -> Any:
    """For `uvicorn --factory casework.web.app:app_from_environment` with several workers.

    Every worker must sign CSRF tokens with the same secret, so it has to be given.
    """
    if not os.environ.get(SECRET_VARIABLE):
        raise RuntimeError(f"set {SECRET_VARIABLE} to the same long random value for every worker")
    app = create_app(
        Database(os.environ.get("CASEWORK_DATABASE_URL")),
        secure_cookies=os.environ.get("CASEWORK_SECURE_COOKIES") == "1",
    )
    # The app, its templates and the modules loaded so far live as long as the worker: keep
    # them out of the collector's sweeps (each full sweep over them stalls every request).
    gc.freeze()
    # Outermost, so that every answer counts (those of the exception handlers too).
    return Turnover(app)
