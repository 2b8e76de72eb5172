"""Public status pages: /status, /status/summary.json, /status/incidents.atom and one page
per incident. No session, no cookies, no script; the page and the summary fall back to the
last good snapshot when the database fails."""

from __future__ import annotations

import json
import logging

from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from midas.core.db_errors import is_unavailable
from midas.core.throttle import ThrottledLog
from midas.core.urls import absolute_reverse, absolute_url
from midas.status import selectors, snapshot
from midas.status.summary import build_summary

log = logging.getLogger(__name__)
FAILURES = ThrottledLog(log)  # one line a minute while the database is down, not one a view
MAX_AGE = 30  # seconds a browser or CDN may keep the public status documents


def _summary(overview: selectors.Overview) -> dict:
    return build_summary(
        now=overview.now,
        views=overview.components,
        incidents=overview.open_incidents,
        maintenances=[m for m in overview.maintenances if m.status_at(overview.now) != "completed"],
        overall=overview.overall,
    )


def _unavailable(kind: str) -> HttpResponse:
    body = render_to_string("status/unavailable.html", {"kind": kind})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = "30"
    return response


@require_safe
@cache_control(public=True, max_age=MAX_AGE)
def status_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    try:
        overview = selectors.status_overview(now=now)
        summary = _summary(overview)
    except DatabaseError as exc:
        FAILURES.error("status", "status page: the database failed; serving the snapshot", exc=exc)
        kept = snapshot.read(snapshot.PAGE)
        if kept is None:
            return _unavailable("page")
        html, written = kept
        note = render_to_string("status/_stale_note.html", {"written": written}).strip()
        html = html.replace(snapshot.STALE_MARKER, note)
        if is_unavailable(exc):  # what is true now: everything needs the database
            banner = render_to_string("status/_database_down.html", {"now": now}).strip()
            html = snapshot.database_down_page(html, banner=banner)
        response = HttpResponse(html)
        response["X-Status-Snapshot"] = written.isoformat()
        return response
    html = render_to_string(
        "status/page.html",
        {
            "o": overview,
            "rule_major": selectors.MAJOR_DOWN_MINUTES,
            "days": selectors.UPTIME_DAYS,
            "past_days": selectors.PAST_INCIDENT_DAYS,
            "stale_marker": snapshot.STALE_MARKER,
        },
    )
    snapshot.write(snapshot.PAGE, html)
    snapshot.write(snapshot.SUMMARY, json.dumps(summary))
    return HttpResponse(html)


@require_safe
@cache_control(public=True, max_age=MAX_AGE)
def summary_json(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    try:
        summary = _summary(selectors.status_overview(now=now))
    except DatabaseError as exc:
        FAILURES.error(
            "status", "status summary: the database failed; serving the snapshot", exc=exc
        )
        kept = snapshot.read(snapshot.SUMMARY)
        if kept is None:
            return JsonResponse({"error": "status temporarily unavailable"}, status=503)
        body, written = kept
        if is_unavailable(exc):
            body = snapshot.database_down_summary(body, now=now)
        response = HttpResponse(body, content_type="application/json")
        response["X-Status-Snapshot"] = written.isoformat()
        return response
    snapshot.write(snapshot.SUMMARY, json.dumps(summary))
    return JsonResponse(summary)


@require_safe
@cache_control(public=True, max_age=MAX_AGE)
def incidents_atom(request: HttpRequest) -> HttpResponse:
    try:
        incidents = selectors.recent_incidents()
    except DatabaseError:
        log.exception("status.feed.database_error")
        return _unavailable("feed")
    page_url = absolute_reverse("status:page")
    feed = Atom1Feed(
        title="Midas The Lifestyle status: incidents",
        link=page_url,
        description="Incidents and their updates on the Midas platform.",
        feed_url=absolute_reverse("status:feed"),
        language="en",
    )
    for incident in incidents:
        updates = list(incident.updates.all())
        content = render_to_string(
            "status/_feed_entry.html", {"incident": incident, "updates": updates}
        )
        feed.add_item(
            title=f"{incident.title} ({incident.get_status_display()})",
            link=absolute_url(incident.get_absolute_url()),
            description=content,
            unique_id=f"{page_url}/incidents/{incident.pk}",
            pubdate=incident.started_at,
            updateddate=updates[0].created_at if updates else incident.updated_at,
        )
    return HttpResponse(
        feed.writeString("utf-8"), content_type="application/atom+xml; charset=utf-8"
    )


@require_safe
@cache_control(public=True, max_age=MAX_AGE)
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        incident = (
            selectors.public_incidents()
            .prefetch_related("updates", "components")
            .filter(pk=pk)
            .first()
        )
        if incident is None:  # a staff-only incident is no business of the public
            raise Http404("No such incident.")
        html = render_to_string("status/incident.html", {"incident": incident})
    except DatabaseError:
        log.exception("status.incident.database_error")
        return _unavailable("incident")
    return HttpResponse(html)
