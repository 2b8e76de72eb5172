"""``GET /metrics``: Prometheus text format, never cached.

Access: with ``METRICS_TOKEN`` set, ``Authorization: Bearer <token>`` (401 without it,
403 with a wrong one); unset, loopback clients only, and never a request that came
through a proxy (an ``X-Forwarded-For`` header), which would otherwise look local.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from midas.slo import prometheus


def _refuse(status: int, code: str, message: str) -> JsonResponse:
    response = JsonResponse({"error": {"code": code, "message": message}}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def metrics_access(request: HttpRequest) -> JsonResponse | None:
    """None when the request may read the metrics, else the refusal to send."""
    token = settings.METRICS_TOKEN
    if token:
        header = request.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            return _refuse(401, "metrics_token_required", "Send Authorization: Bearer <token>.")
        if not hmac.compare_digest(given.strip().encode(), token.encode()):
            return _refuse(403, "metrics_token_invalid", "This token does not open /metrics.")
        return None
    if request.headers.get("X-Forwarded-For") or not _is_loopback(
        request.META.get("REMOTE_ADDR", "")
    ):
        return _refuse(403, "metrics_loopback_only", "Set METRICS_TOKEN to scrape remotely.")
    return None


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    refused = metrics_access(request)
    if refused is not None:
        return refused
    return HttpResponse(prometheus.render(), content_type=CONTENT_TYPE_LATEST)
