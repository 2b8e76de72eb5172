"""Request instrumentation: Prometheus counters by route and the SLO minute buffer.

Placed first in ``MIDDLEWARE`` so it times everything below it (static files included).
The route label is the URL pattern's name (``web:asset``), never the raw path, so the
label set stays small; requests no pattern matched are ``<unmatched>``, static files
``<static>``.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from midas.slo import prometheus
from midas.slo.recorder import RECORDER


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match.route or "<unnamed>"
    static = settings.STATIC_URL or "/static/"
    if request.path.startswith(static):
        return "<static>"
    return "<unmatched>"


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        status = slo_status = 500
        try:
            response = self.get_response(request)
            status = slo_status = response.status_code
            if status == 503 and response.has_header("X-Launch-Gate"):
                # the launch gate's "waiting" answer (outside the ramp): admission control
                # working as planned, not a server error in the error rate
                slo_status = 429
            return response
        finally:
            seconds = time.perf_counter() - started
            prometheus.observe_request(
                route=route_of(request),
                method=request.method or "",
                status=status,
                seconds=seconds,
            )
            RECORDER.record(at=timezone.now(), duration_ms=seconds * 1000, status=slo_status)
            RECORDER.maybe_flush()
