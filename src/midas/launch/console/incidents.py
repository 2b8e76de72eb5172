"""``/ops/launch/incidents``: open incidents with their escalation (level, notices,
acknowledgement) and an acknowledge button; the rollback triggers' current values against
their conditions; the firings history."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from midas.errors import AppError
from midas.launch import actors
from midas.launch.console import launch_view, refused
from midas.launch.escalation import LEVELS, incident_acknowledge
from midas.launch.incidents import incident_get, incident_rows
from midas.launch.models import TriggerFiring
from midas.launch.selectors import launch_state
from midas.launch.triggers import TRIGGERS, open_firings, trigger_readings

NAV = (60, "Incidents", "launch_console:incidents")
TEMPLATE = "launch/console/incidents.html"


def _context(request: HttpRequest) -> dict:
    now = timezone.now()
    readings = trigger_readings(now=now)
    firings = open_firings()
    return {
        "rows": incident_rows(open_only=True, now=now),
        "resolved": incident_rows(open_only=False, now=now, limit=10),
        "triggers": [
            {"trigger": t, "reading": readings[key], "firing": firings.get(key)}
            for key, t in TRIGGERS.items()
        ],
        "history": list(TriggerFiring.objects.select_related("incident")[:30]),
        "levels": LEVELS,
        "action": launch_state(fresh=True).get_trigger_action_display(),
        "may_ack": actors.can(request.launch_actor, actors.ACK),
        "now": now,
    }


@launch_view()
def incidents(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATE, _context(request))


@require_POST
@launch_view(actors.ACK)
def acknowledge(request: HttpRequest, incident_id: int) -> HttpResponse:
    try:
        incident = incident_get(incident_id)
        incident_acknowledge(incident=incident, actor=request.launch_actor)
    except AppError as exc:
        return refused(request, exc, TEMPLATE, _context(request))
    return redirect("launch_console:incidents")


urlpatterns = [
    path("incidents", incidents, name="incidents"),
    path("incidents/<int:incident_id>/ack", acknowledge, name="incident_ack"),
]
