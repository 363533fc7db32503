"""How the web app reports a refusal: each error mapped once to a status, as JSON for the API,
an error page for a full page load, and a fragment for an htmx request. No traceback ever
reaches a browser."""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
)

from casework.machines.lifecycle import BlockedError, NotPermittedError, TriggerError
from casework.services.errors import ConflictError, NotFoundError, ServiceError

log = logging.getLogger(__name__)

TITLES = {
    400: "There is a problem with the request",
    401: "Sign in to continue",
    403: "You cannot do that",
    404: "Page not found",
    409: "Someone else changed this case",
    422: "This cannot be done yet",
    500: "Sorry, there is a problem with the service",
}


def status_of(error: Exception) -> int:
    """The HTTP status of each kind of refusal."""
    if isinstance(error, NotFoundError | NotFoundException):
        return HTTP_404_NOT_FOUND
    if isinstance(error, ConflictError):
        return HTTP_409_CONFLICT
    if isinstance(error, NotPermittedError | PermissionDeniedException):
        return HTTP_403_FORBIDDEN
    if isinstance(error, NotAuthorizedException):
        return HTTP_401_UNAUTHORIZED
    if isinstance(error, BlockedError | TriggerError | ServiceError):
        return HTTP_422_UNPROCESSABLE_ENTITY
    if isinstance(error, HTTPException):
        return error.status_code
    return HTTP_500_INTERNAL_SERVER_ERROR


def message_of(error: Exception, status: int) -> str:
    if status == HTTP_500_INTERNAL_SERVER_ERROR:
        return "Something went wrong. Nothing you typed was saved; try again in a moment."
    if status == HTTP_404_NOT_FOUND:
        return "There is nothing here, or it is not yours to see."
    if isinstance(error, TriggerError):
        # The message without its reasons (they are listed apart); an unknown trigger has
        # none, and its message names the steps there are.
        suffix = f": {'; '.join(error.reasons)}" if error.reasons else ""
        return str(error).removesuffix(suffix)
    if isinstance(error, ServiceError):
        return str(error)
    if isinstance(error, HTTPException):
        return str(error.detail)
    return TITLES.get(status, "")


def is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api") or request.url.path.startswith("/schema")


def handle(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    status = status_of(error)
    if status == HTTP_500_INTERNAL_SERVER_ERROR:
        # The detail goes to the log (no pupil data is in an exception's type and place).
        log.exception("unexpected error on %s %s", request.method, request.url.path)
    message = message_of(error, status)
    reasons = list(getattr(error, "reasons", []) or [])
    if isinstance(error, ValidationException) and isinstance(error.extra, list):
        reasons = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in error.extra]
    if is_api(request):
        body: dict[str, Any] = {"error": message, "status": status}
        if reasons:
            body["reasons"] = reasons
        if isinstance(error, ConflictError):
            body["version"] = error.actual
            body["submitted"] = error.submitted
        return Response(body, status_code=status, media_type=MediaType.JSON)
    if status == HTTP_401_UNAUTHORIZED:
        target = "/sign-in"
        if request.method == "GET" and request.url.path not in ("/", "/sign-in"):
            target += f"?next={request.url.path}"
        if request.headers.get("hx-request"):
            return Response("", status_code=200, headers={"HX-Redirect": target})
        return Redirect(target)
    context = {"status": status, "title": TITLES.get(status, TITLES[500]), "message": message}
    context["reasons"] = reasons
    if request.headers.get("hx-request"):
        # htmx swaps 2xx only by default: the fragment comes with a 200 and says what happened,
        # where the button or form was. A 403 keeps its status: the pages never offer what the
        # role may not do, so it is a forged request (no CSRF token) or a stale page.
        swapped = 200 if status != HTTP_403_FORBIDDEN else status
        return Template("fragments/error.html", context=context, status_code=swapped)
    return Template("error.html", context=context, status_code=status)


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    Exception: handle,
    HTTPException: handle,
}
