"""``/ops/launch/``: what matters now — open incidents and trigger firings with their
escalation level, age and an Acknowledge button, the phase, gate and ramp, the live go/no-go
verdict, the SLO figures against target, the next scheduled step and the last smoke run
(``console.selectors.watch``) — then the phase/gate/ramp forms (the actions of
``state.actions``, which the command line runs too) and the recent actions as sentences.

``/ops/launch/now`` is that first part alone, an HTML fragment the page fetches again every
``REFRESH_SECONDS`` (``launch/console.js``); ``/ops/launch/now/<id>/ack`` acknowledges an
incident from the overview (``response.actions.INCIDENT_ACK``: the service of
``midas incident ack``) and comes back to it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from midas.errors import AppError
from midas.launch import actors
from midas.launch.actions import Action, invalid
from midas.launch.console import console_actor, launch_view, refused, with_url
from midas.launch.console.selectors import watch
from midas.launch.models import GateMode, Phase
from midas.launch.response.actions import INCIDENT_ACK
from midas.launch.state import services
from midas.launch.state.actions import GATE_SET, PHASE_SET, RAMP_SET, GateForm, PhaseForm, RampForm
from midas.launch.state.selectors import freeze_in_force, freeze_window, launch_state, recent_events

NAV = [(0, "Overview", "launch_console:overview")]
TEMPLATE = "launch/console/overview.html"
NOW_TEMPLATE = "launch/console/overview_now.html"


def _now_context(request: HttpRequest) -> dict:
    return {"watch": watch(), "may_ack": actors.can(console_actor(request), actors.ACK)}


def _context(request: HttpRequest, **forms_: forms.Form) -> dict:
    state = launch_state(fresh=True)
    actor = request.launch_actor
    return {
        **_now_context(request),
        "state": state,
        "phase_label": Phase(state.phase).label,
        "gate_label": GateMode(state.gate_mode).label,
        "window": freeze_window(state),
        "frozen": freeze_in_force(timezone.now(), state),
        "events": recent_events(30),
        "phase_form": forms_.get("phase_form") or PhaseForm(),
        "gate_form": forms_.get("gate_form") or GateForm(initial={"mode": state.gate_mode}),
        "ramp_form": forms_.get("ramp_form")
        or RampForm(initial={"percent": f"{state.ramp_percent:g}"}),
        "allowed_phases": [
            (value, Phase(value).label) for value in services.allowed_phases(state.phase)
        ],
        "may": {
            "phase": actors.can(actor, actors.PHASE),
            "ramp": actors.can(actor, actors.RAMP),
        },
        "now": timezone.now(),
    }


@launch_view()
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATE, _context(request))


@launch_view()
def overview_now(request: HttpRequest) -> HttpResponse:
    """The overview's first part alone, for the page to swap in."""
    return render(request, NOW_TEMPLATE, _now_context(request))


@require_POST
@launch_view(actors.ACK)
def overview_ack(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Acknowledge from the overview: the same action, form and service as the incidents
    page and ``midas incident ack``; a refusal comes back to the overview with why."""
    form = INCIDENT_ACK.form(with_url(request, {"id": incident_id}))
    try:
        if not form.is_valid():
            raise invalid(form)
        incident = INCIDENT_ACK.apply(form.cleaned_data, console_actor(request))
    except AppError as exc:
        return refused(request, exc, TEMPLATE, _context(request))
    messages.success(request, INCIDENT_ACK.said(incident))
    return redirect("launch_console:overview")


def _post(request: HttpRequest, action: Action, key: str) -> HttpResponse:
    """One of the overview's forms posted: the action's permission (403), its form (400 with
    the form shown again), the service (``refused()``), then back to the overview."""
    if not actors.can(request.launch_actor, action.perm):
        return render(request, "launch/console/forbidden.html", {"perm": action.perm}, status=403)
    form = action.form(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(request, **{key: form}), status=400)
    try:
        action.apply(form.cleaned_data, request.launch_actor)
    except AppError as exc:
        return refused(request, exc, TEMPLATE, _context(request, **{key: form}))
    return redirect("launch_console:overview")


@require_POST
@launch_view()
def phase(request: HttpRequest) -> HttpResponse:
    return _post(request, PHASE_SET, "phase_form")


@require_POST
@launch_view()
def gate(request: HttpRequest) -> HttpResponse:
    return _post(request, GATE_SET, "gate_form")


@require_POST
@launch_view()
def ramp(request: HttpRequest) -> HttpResponse:
    return _post(request, RAMP_SET, "ramp_form")


urlpatterns = [
    path("", overview, name="overview"),
    path("now", overview_now, name="overview_now"),
    path("now/<int:incident_id>/ack", overview_ack, name="overview_ack"),
    path("phase", phase, name="phase"),
    path("gate", gate, name="gate"),
    path("ramp", ramp, name="ramp"),
]
