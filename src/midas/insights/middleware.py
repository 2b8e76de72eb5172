"""Page views recorded on the server (docs/explanation/insights.md).

Counted: a GET answered 200 with ``text/html``, to a browser (bots by user agent left out),
on a public page (never ``/admin/``, ``/ops/``, ``/staff/``, ``/launch/``, ``/api/``, nor an
htmx fragment), by someone who is not staff, and not our own traffic (the synthetic pass of
probes and smoke runs: DESIGN.md invariant 9). The cost in the request is a few header
reads and an append to the per-process buffer (``recorder``), no query;
``benchmarks/insights_bench.py`` measures it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from midas.accounts.ratelimit import client_ip
from midas.core.http import after_response
from midas.core.synthetic import HEADER as SYNTHETIC_HEADER
from midas.core.synthetic import is_synthetic_request
from midas.core.throttle import ThrottledLog
from midas.insights.identity import agent_class, opted_out, rv_of, site_host
from midas.insights.recorder import RECORDER

logger = logging.getLogger(__name__)
FAILURES = ThrottledLog(logger, level=logging.WARNING)

SYNTHETIC_META = "HTTP_" + SYNTHETIC_HEADER.upper().replace("-", "_")
NOT_COUNTED_PREFIXES = ("/admin/", "/ops/", "/staff/", "/launch/", "/api/", "/insights/")
KIND_BY_VIEW = {
    "web:home": "home",
    "web:collection": "listing",
    "web:category": "listing",
    "web:asset": "asset",
    "bookings:checkout": "checkout",
    "bookings:pay": "checkout",
    "bookings:challenge": "checkout",
    "bookings:confirmation": "paid",
    "bookings:requested": "paid",
}


def counted(request: HttpRequest, response: HttpResponse) -> bool:
    if request.method != "GET" or response.status_code != 200:
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    meta = request.META
    if request.path.startswith(NOT_COUNTED_PREFIXES) or meta.get("HTTP_HX_REQUEST"):
        return False
    if agent_class(meta.get("HTTP_USER_AGENT", ""))[0]:
        return False
    if SYNTHETIC_META in meta and is_synthetic_request(request):
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated and user.is_staff)


def query_of(request: HttpRequest) -> Mapping[str, str]:
    """The query string's values: the view's parsed ``request.GET`` when it read it, else a
    plain parse (no ``QueryDict`` built for us alone), empty without a query string."""
    parsed = request.__dict__.get("GET")
    if parsed is not None:
        return parsed
    raw = request.META.get("QUERY_STRING", "")
    return dict(parse_qsl(raw, keep_blank_values=True)) if raw else {}


def page_of(request: HttpRequest, query: Mapping[str, str]) -> tuple[str, str, str]:
    """(kind, subject, city slug) of the page from its URL pattern."""
    match = getattr(request, "resolver_match", None)
    name = match.view_name if match is not None else ""
    kind = KIND_BY_VIEW.get(name, "page")
    kwargs = match.kwargs if match is not None else {}
    subject = str(kwargs.get("slug") or kwargs.get("reference") or "")[:80]
    if kind == "asset" and query.get("start"):
        kind = "quote"  # the asset page pricing the dates asked
    city = query.get("city") or query.get("location") or ""  # listing | asset
    return kind, subject, city[:50]


def referrer_host(request: HttpRequest) -> str:
    referrer = request.META.get("HTTP_REFERER", "")
    if not referrer:
        return ""
    host = urlsplit(referrer).netloc.lower()[:100]
    return "" if host == site_host() or host == request.get_host() else host


def build_view(request: HttpRequest) -> tuple:
    """The view's row as a tuple in ``VIEW_COLUMNS`` order (what the buffer holds)."""
    now = timezone.now()
    agent = request.META.get("HTTP_USER_AGENT", "")
    user_id, rv = None, ""
    if not opted_out(request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_id = user.pk
        rv = rv_of(request)
    query = query_of(request)
    kind, subject, city = page_of(request, query)
    return (
        now,
        now.astimezone(dt.UTC).date(),
        (client_ip(request), agent),  # the day's visitor id, made at the flush
        user_id,
        rv,
        request.path[:300],
        kind,
        subject,
        city,
        agent_class(agent)[1],
        referrer_host(request),
        query.get("utm_source", "")[:100],
        query.get("utm_medium", "")[:100],
        query.get("utm_campaign", "")[:100],
    )


class PageViewMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not settings.INSIGHTS_ENABLED:
            return response
        try:
            if counted(request, response):
                RECORDER.add_view(build_view(request))
            after_response(response, RECORDER.maybe_flush)  # the visitor does not wait for it
        except Exception as exc:  # analytics never fail a page
            FAILURES.error("record", "could not record a page view", exc=exc)
        return response
