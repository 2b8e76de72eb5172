"""``/ops/launch/``: where the launch stands — phase, gate, ramp, freeze, release — and the
recent actions, with the phase/gate/ramp forms."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from midas.errors import AppError
from midas.launch import actors
from midas.launch.console import launch_view, refused
from midas.launch.models import GateMode, Phase
from midas.launch.state import services
from midas.launch.state.selectors import freeze_in_force, freeze_window, launch_state, recent_events

NAV = [(0, "Overview", "launch_console:overview")]
TEMPLATE = "launch/console/overview.html"


class PhaseForm(forms.Form):
    phase = forms.ChoiceField(choices=Phase.choices)
    reason = forms.CharField(max_length=500)


class GateForm(forms.Form):
    mode = forms.ChoiceField(choices=GateMode.choices)
    reason = forms.CharField(max_length=500)


class RampForm(forms.Form):
    percent = forms.DecimalField(min_value=0, max_value=100, decimal_places=2)
    reason = forms.CharField(max_length=500)


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
        "ramp_form": forms_.get("ramp_form") or RampForm(initial={"percent": state.ramp_percent}),
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


def _post(request: HttpRequest, perm: str, form_class, key: str, apply) -> HttpResponse:
    form = form_class(request.POST)
    if not actors.can(request.launch_actor, perm):
        return render(request, "launch/console/forbidden.html", {"perm": perm}, status=403)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(request, **{key: form}), status=400)
    try:
        apply(form.cleaned_data, request.launch_actor)
    except AppError as exc:
        return refused(request, exc, TEMPLATE, _context(request, **{key: form}))
    return redirect("launch_console:overview")


@require_POST
@launch_view()
def phase(request: HttpRequest) -> HttpResponse:
    return _post(
        request,
        actors.PHASE,
        PhaseForm,
        "phase_form",
        lambda d, a: services.phase_set(phase=d["phase"], reason=d["reason"], actor=a),
    )


@require_POST
@launch_view()
def gate(request: HttpRequest) -> HttpResponse:
    return _post(
        request,
        actors.PHASE,
        GateForm,
        "gate_form",
        lambda d, a: services.gate_set(mode=d["mode"], reason=d["reason"], actor=a),
    )


@require_POST
@launch_view()
def ramp(request: HttpRequest) -> HttpResponse:
    return _post(
        request,
        actors.RAMP,
        RampForm,
        "ramp_form",
        lambda d, a: services.ramp_set(percent=d["percent"], reason=d["reason"], actor=a),
    )


urlpatterns = [
    path("", overview, name="overview"),
    path("phase", phase, name="phase"),
    path("gate", gate, name="gate"),
    path("ramp", ramp, name="ramp"),
]
