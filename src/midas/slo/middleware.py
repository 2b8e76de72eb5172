"""Request instrumentation: Prometheus counters by route and the SLO minute buffer.

Placed first in ``MIDDLEWARE`` so it times everything below it (static files included).
The route label is the URL pattern's name (``web:asset``), never the raw path, so the
label set stays small; requests no pattern matched are ``<unmatched>``, static files
``<static>``.

Our own traffic — health, readiness and metrics requests, and whatever carries the
synthetic pass (the SLO probes, smoke runs) — is counted apart
(``midas_own_http_requests_total``) and never in the customers' SLO figures: a cold
readiness 503 or a probe is not a customer's error (DESIGN.md invariant 9).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from midas.core.http import after_response, planned_unavailable
from midas.core.synthetic import is_synthetic_request
from midas.slo import prometheus
from midas.slo.recorder import RECORDER

OWN_ROUTES = frozenset({"ops:healthz", "ops:readyz", "metrics"})


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match.route or "<unnamed>"
    static = settings.STATIC_URL or "/static/"
    if request.path.startswith(static):
        return "<static>"
    return "<unmatched>"


def is_own_traffic(request: HttpRequest, route: str) -> bool:
    return route in OWN_ROUTES or is_synthetic_request(request)


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        status = slo_status = 500
        response = None
        try:
            response = self.get_response(request)
            status = slo_status = response.status_code
            if planned_unavailable(response):
                # maintenance, or the gate's "waiting" answer (outside the ramp): planned,
                # not a server error in the error rate
                slo_status = 429
            return response
        finally:
            seconds = time.perf_counter() - started
            route = route_of(request)
            prometheus.observe_request(
                route=route, method=request.method or "", status=status, seconds=seconds
            )
            if is_own_traffic(request, route):
                prometheus.observe_own(route=route, status=status)
            else:
                RECORDER.record(at=timezone.now(), duration_ms=seconds * 1000, status=slo_status)
            if response is None:
                RECORDER.maybe_flush()
            else:
                # once the server has sent the response (WSGI close): the minute's write,
                # once a minute per process, is never paid by the customer who is waiting
                after_response(response, RECORDER.maybe_flush)
