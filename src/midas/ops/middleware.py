"""Request middleware of the ops app."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from midas.ops.selectors import maintenance_state, path_is_open

DEFAULT_MESSAGE = "We are polishing a few things and will be back shortly."


class MaintenanceMiddleware:
    """While maintenance mode is on, customers get a 503 with Retry-After (JSON under
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
        response["Retry-After"] = str(state.retry_after)
        response["Cache-Control"] = "no-store"
        response["X-Maintenance"] = "on"
        return response
