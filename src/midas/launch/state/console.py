"""``/ops/launch/``: where the launch stands — phase, gate, ramp, freeze, release — and the
recent actions, with the phase/gate/ramp forms (the actions of ``state.actions``, which the
command line runs too)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from midas.errors import AppError
from midas.launch import actors
from midas.launch.actions import Action
from midas.launch.console import launch_view, refused
from midas.launch.models import GateMode, Phase
from midas.launch.state import services
from midas.launch.state.actions import GATE_SET, PHASE_SET, RAMP_SET, GateForm, PhaseForm, RampForm
from midas.launch.state.selectors import freeze_in_force, freeze_window, launch_state, recent_events

NAV = [(0, "Overview", "launch_console:overview")]
TEMPLATE = "launch/console/overview.html"


def _context(request: HttpRequest, **forms_: forms.Form) -> dict:
    state = launch_state(fresh=True)
    actor = request.launch_actor
    return {
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
        "allowed_phases": services.allowed_phases(state.phase),
        "may": {
            "phase": actors.can(actor, actors.PHASE),
            "ramp": actors.can(actor, actors.RAMP),
        },
        "now": timezone.now(),
    }


@launch_view()
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATE, _context(request))


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
    path("phase", phase, name="phase"),
    path("gate", gate, name="gate"),
    path("ramp", ramp, name="ramp"),
]
