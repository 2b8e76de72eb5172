"""``handler500``: the branded 500 page, or an honest 503 when a dependency is down."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.views.defaults import server_error as django_server_error

from midas.ops.unavailable import dependency_down, unavailable_response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django calls this inside its ``except`` block, so ``sys.exc_info()`` is the error."""
    exc = sys.exc_info()[1]
    kind = dependency_down(exc)
    if kind is not None and exc is not None:
        return unavailable_response(request, kind, exc)
    return django_server_error(request)
