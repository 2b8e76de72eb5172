"""``/ops/launch/incidents``: open incidents with their escalation (level, notices,
acknowledgement), acknowledge and resolve buttons, a form to open one; the rollback
triggers' current values against their conditions; the firings history."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.console import launch_view, refused
from midas.launch.models import TriggerFiring
from midas.launch.response.escalation import LEVELS, incident_acknowledge
from midas.launch.response.selectors import (
    incident_get,
    incident_rows,
    open_firings,
    trigger_readings,
)
from midas.launch.response.services import incident_close, incident_declare
from midas.launch.response.triggers import TRIGGERS
from midas.launch.state.selectors import launch_state
from midas.status.models import Component, IncidentImpact

NAV = [(60, "Incidents", "launch_console:incidents")]
TEMPLATE = "launch/console/incidents.html"


class OpenForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    impact = forms.ChoiceField(choices=IncidentImpact.choices, initial=IncidentImpact.MAJOR)
    components = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["components"].choices = list(Component.objects.values_list("key", "name"))


class ResolveForm(forms.Form):
    body = forms.CharField(max_length=2000)


def _context(request: HttpRequest, open_form: OpenForm | None = None) -> dict:
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


@require_POST
@launch_view(actors.ACK)
def acknowledge(request: HttpRequest, incident_id: int) -> HttpResponse:
    try:
        incident = incident_get(incident_id)
        incident_acknowledge(incident=incident, actor=request.launch_actor)
    except AppError as exc:
        return refused(request, exc, TEMPLATE, _context(request))
    return redirect("launch_console:incidents")


@require_POST
@launch_view(actors.ACK)
def open_incident(request: HttpRequest) -> HttpResponse:
    form = OpenForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(request, form), status=400)
    try:
        incident_declare(**form.cleaned_data, actor=request.launch_actor)
    except AppError as exc:
        return refused(request, exc, TEMPLATE, _context(request, form))
    return redirect("launch_console:incidents")


@require_POST
@launch_view(actors.ACK)
def resolve(request: HttpRequest, incident_id: int) -> HttpResponse:
    form = ResolveForm(request.POST)
    try:
        incident = incident_get(incident_id)
        if not form.is_valid():
            raise AppError(ErrorCode.INVALID_INPUT, "Say what resolved it.", field="body")
        incident_close(
            incident=incident, body=form.cleaned_data["body"], actor=request.launch_actor
        )
    except AppError as exc:
        return refused(request, exc, TEMPLATE, _context(request))
    return redirect("launch_console:incidents")


urlpatterns = [
    path("incidents", incidents, name="incidents"),
    path("incidents/open", open_incident, name="incident_open"),
    path("incidents/<int:incident_id>/ack", acknowledge, name="incident_ack"),
    path("incidents/<int:incident_id>/resolve", resolve, name="incident_resolve"),
]
