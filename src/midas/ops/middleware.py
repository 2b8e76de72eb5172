"""Request middleware of the ops app."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone

from midas.core.http import planned_unavailable
from midas.ops import csp
from midas.ops.logs.context import request_context
from midas.ops.selectors import maintenance_state, path_is_open

DEFAULT_MESSAGE = "We are polishing a few things and will be back shortly."


class SecurityHeadersMiddleware:
    """What Django's SecurityMiddleware does not send: ``Permissions-Policy``
    (``PERMISSIONS_POLICY``) and ``Content-Security-Policy`` (``SECURE_CSP``, completed by
    midas.ops.csp), on every response unless a view set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if "Content-Security-Policy" not in response.headers:
            policy = csp.header_value()
            if policy:
                response.headers["Content-Security-Policy"] = policy
        return response


class MaintenanceMiddleware:
    """While maintenance mode is on (the switch, or a planned window in progress), customers
    get a 503 with Retry-After (a window's: the seconds until it ends; JSON under
    ``/api/v1/``); staff and the open paths (midas.ops.selectors) pass. Must sit after
    AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if path_is_open(request.path_info):
            return self.get_response(request)
        state = maintenance_state()
        if not state.enabled:
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            return self.get_response(request)
        return self.unavailable(request, state)

    @staticmethod
    def unavailable(request: HttpRequest, state) -> HttpResponse:
        message = state.message or DEFAULT_MESSAGE
        if request.path_info.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {"code": "maintenance", "message": message}, status=503
            )
        else:
            html = render_to_string("ops/maintenance.html", {"message": message})
            response = HttpResponse(html, status=503)
        response["Retry-After"] = str(state.retry_seconds(timezone.now()))
        response["Cache-Control"] = "no-store"
        response["X-Maintenance"] = "on"
        return response


REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
request_logger = logging.getLogger("midas.request")


class RequestLogMiddleware:
    """Gives each request an id (a valid incoming ``X-Request-ID`` when a trusted proxy
    stands in front, TRUSTED_PROXY_HOPS > 0; else a new one), returns it in the
    ``X-Request-ID`` header, puts it and the user, method and route on every log line
    written meanwhile, and writes one line per request with status and duration."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def request_id(request: HttpRequest) -> str:
        incoming = request.headers.get("X-Request-ID", "")
        if settings.TRUSTED_PROXY_HOPS > 0 and REQUEST_ID.match(incoming):
            return incoming
        return uuid.uuid4().hex

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        context = {"request_id": self.request_id(request), "method": request.method}
        request.request_id = context["request_id"]
        token = request_context.set(context)
        try:
            response = self.get_response(request)
            match = request.resolver_match
            context["route"] = "/" + match.route if match else None
            user = getattr(request, "user", None)
            context["user_id"] = user.pk if user is not None and user.is_authenticated else None
            status = response.status_code
            # a 503 we chose to send (maintenance, the gate) is no fault
            planned = planned_unavailable(response)
            level = logging.ERROR if status >= 500 and not planned else logging.INFO
            request_logger.log(
                level,
                "%s %s %s",
                request.method,
                context["route"] or "(unmatched)",
                status,
                extra={
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            response["X-Request-ID"] = context["request_id"]
            return response
        finally:
            request_context.reset(token)
