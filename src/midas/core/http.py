"""What every layer may need to know about a response."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponse
from django.http.response import HttpResponseBase


def planned_unavailable(response: HttpResponse) -> bool:
    """A 503 Midas chose to send — maintenance (``X-Maintenance: on``) or an access gate
    holding a visitor back (``X-Launch-Gate``) — not a fault: logged at INFO, never an
    error in the SLO."""
    return response.status_code == 503 and (
        response.get("X-Maintenance") == "on" or response.has_header("X-Launch-Gate")
    )


def after_response(response: HttpResponseBase, task: Callable[[], object]) -> None:
    """Run ``task`` when the server closes ``response``, i.e. once its body is sent (WSGI's
    ``close()``; the test client closes it too), before Django's ``request_finished``: the
    buffered writes of the metrics and page views, which the customer must not wait for.
    An exception in ``task`` is swallowed by Django, so a task logs its own failures."""
    response._resource_closers.append(task)  # type: ignore[attr-defined]  # Django private API, no stub
