"""Health endpoints, in the IETF health-check draft's format (``application/health+json``).

``/healthz``: liveness, the process answers; no I/O at all. ``/readyz``: readiness, every
check of ``midas.ops.health.registry``; 503 when one fails. Neither is cached nor gated by
maintenance mode (midas.ops.middleware lets them through)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from midas.ops.health import registry
from midas.ops.health.base import FAIL, PASS
from midas.ops.health.runner import run_checks

CONTENT_TYPE = "application/health+json"


def health_response(body: dict[str, Any]) -> HttpResponse:
    status = 503 if body["status"] == FAIL else 200
    return HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return health_response({"status": PASS, "description": "Midas web process"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    body = run_checks(registry.READINESS)
    body["description"] = "Midas readiness"
    return health_response(body)
