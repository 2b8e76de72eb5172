"""``/ops/launch/incidents``: open incidents (staff-only ones marked) with their escalation
(level, notices, acknowledgement), acknowledge, confirm-breach, make-public (staff-only
ones) and resolve buttons, a form
to open one; the rollback triggers' current values against their conditions; the firings
history. Opening, acknowledging, confirming a breach and resolving are the actions of
``response.actions``, which ``midas incident`` runs too: the same form, permission and
service."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from midas.errors import AppError
from midas.launch import actors
from midas.launch.actions import Action, invalid
from midas.launch.console import launch_view, refused, with_url
from midas.launch.models import TriggerFiring
from midas.launch.response.actions import (
    INCIDENT_ACK,
    INCIDENT_CONFIRM_BREACH,
    INCIDENT_OPEN,
    INCIDENT_PUBLISH,
    INCIDENT_RESOLVE,
    OpenForm,
)
from midas.launch.response.escalation import LEVELS
from midas.launch.response.selectors import incident_rows, open_firings, trigger_readings
from midas.launch.response.triggers import TRIGGERS
from midas.launch.state.selectors import launch_state

NAV = [(60, "Incidents", "launch_console:incidents")]
TEMPLATE = "launch/console/incidents.html"


def _context(request: HttpRequest, open_form: forms.Form | None = None) -> dict:
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
        "open_form": open_form or OpenForm(),
        "now": now,
    }


@launch_view()
def incidents(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATE, _context(request))


def _post(
    request: HttpRequest, action: Action, from_url: dict[str, object] | None = None
) -> HttpResponse:
    """The action's permission (403), its form, its service, then back to the page. The open
    form comes back with what was typed and its errors (400); a refused acknowledgement or
    resolution shows why, with the refusal's status (``invalid_input`` 400, ``not_found``
    404, ``invalid_state`` 409)."""
    if not actors.can(request.launch_actor, action.perm):
        return render(request, "launch/console/forbidden.html", {"perm": action.perm}, status=403)
    form = action.form(with_url(request, from_url))
    kept = form if action is INCIDENT_OPEN else None
    if not form.is_valid():
        if kept is not None:
            return render(request, TEMPLATE, _context(request, kept), status=400)
        return refused(request, invalid(form), TEMPLATE, _context(request))
    try:
        action.apply(form.cleaned_data, request.launch_actor)
    except AppError as exc:
        return refused(request, exc, TEMPLATE, _context(request, kept))
    return redirect("launch_console:incidents")


@require_POST
@launch_view(actors.ACK)
def acknowledge(request: HttpRequest, incident_id: int) -> HttpResponse:
    return _post(request, INCIDENT_ACK, {"id": incident_id})


@require_POST
@launch_view(actors.ACK)
def open_incident(request: HttpRequest) -> HttpResponse:
    return _post(request, INCIDENT_OPEN)


@require_POST
@launch_view(actors.ACK)
def confirm_breach(request: HttpRequest, incident_id: int) -> HttpResponse:
    return _post(request, INCIDENT_CONFIRM_BREACH, {"id": incident_id})


@require_POST
@launch_view(actors.ACK)
def publish(request: HttpRequest, incident_id: int) -> HttpResponse:
    return _post(request, INCIDENT_PUBLISH, {"id": incident_id})


@require_POST
@launch_view(actors.ACK)
def resolve(request: HttpRequest, incident_id: int) -> HttpResponse:
    return _post(request, INCIDENT_RESOLVE, {"id": incident_id})


urlpatterns = [
    path("incidents", incidents, name="incidents"),
    path("incidents/open", open_incident, name="incident_open"),
    path("incidents/<int:incident_id>/ack", acknowledge, name="incident_ack"),
    path(
        "incidents/<int:incident_id>/confirm-breach",
        confirm_breach,
        name="incident_confirm_breach",
    ),
    path("incidents/<int:incident_id>/publish", publish, name="incident_publish"),
    path("incidents/<int:incident_id>/resolve", resolve, name="incident_resolve"),
]
