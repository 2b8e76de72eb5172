"""The answer when a dependency Midas cannot work without is down (docs/faults.md).

A request that fails because the database cannot be reached gets an honest **503** with
``Retry-After``: the branded page for people, ``{"code": "service_unavailable"}`` under
``/api/``. It is not a planned 503 (no ``X-Maintenance``), so the SLO counts it as an error,
as it should. The failure is logged once per kind per minute (``ThrottledLog``), not as a
traceback per request. ``handler500`` (midas.urls) and the API's crash handler call
``unavailable_response``; anything else still answers the plain 500."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from midas.core.db_errors import is_unavailable
from midas.core.throttle import ThrottledLog
from midas.errors import ErrorCode

logger = logging.getLogger("midas.unavailable")
FAILURES = ThrottledLog(logger)
MESSAGE = (
    "Our booking system is briefly unavailable. Nothing you confirmed has been lost; "
    "please try again in a minute."
)


def dependency_down(exc: BaseException | None) -> str | None:
    """Which dependency ``exc`` says is down ("database"), or None for any other error."""
    if exc is not None and is_unavailable(exc):
        return "database"
    return None


def unavailable_response(request: HttpRequest, kind: str, exc: BaseException) -> HttpResponse:
    FAILURES.error(
        kind,
        f"{kind} unavailable: answering 503 ({type(exc).__name__}: {str(exc)[:200]})",
        exc=exc,
    )
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"code": ErrorCode.SERVICE_UNAVAILABLE, "message": MESSAGE}, status=503
        )
    else:
        html = render_to_string(
            "ops/unavailable.html", {"message": MESSAGE, "concierge": settings.CONCIERGE_EMAIL}
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(settings.UNAVAILABLE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # type: ignore[attr-defined]  # logged above, throttled
    return response
