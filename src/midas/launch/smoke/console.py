"""``/ops/launch/smoke``: the smoke runs (the launch day's core system checks), newest first,
each with its steps and timings; and "run now" (launch planners: ``PLAN``), which asks the
worker for a run at once — the page never runs it itself, as a web process calling its own
site could wait on itself."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from midas.launch import actors, audit
from midas.launch.console import launch_view
from midas.launch.models import SmokeRun
from midas.launch.smoke.selectors import latest_smoke

NAV = [(60, "Smoke checks", "launch_console:smoke")]
TEMPLATE = "launch/console/smoke.html"
SHOWN = 20


@launch_view()
def smoke(request: HttpRequest) -> HttpResponse:
    runs = SmokeRun.objects.order_by("-started_at", "-id")[:SHOWN]
    rows = [
        {
            "run": run,
            "failed": [step.get("name") for step in run.steps if not step.get("ok")],
            "total_ms": sum(int(step.get("ms") or 0) for step in run.steps),
        }
        for run in runs
    ]
    context = {
        "rows": rows,
        "last_pass": latest_smoke(passed=True),
        "may_run": actors.can(request.launch_actor, actors.PLAN),
    }
    return render(request, TEMPLATE, context)


@require_POST
@launch_view(actors.PLAN)
def run_now(request: HttpRequest) -> HttpResponse:
    from midas.launch.smoke.jobs import launch_smoke_now

    with transaction.atomic():
        audit.record("launch.smoke.requested", actor=request.launch_actor, reason="run now")
        launch_smoke_now.enqueue(via="console")
    messages.success(request, "Smoke run queued: the worker runs it within a minute.")
    return redirect("launch_console:smoke")


urlpatterns = [
    path("smoke", smoke, name="smoke"),
    path("smoke/run", run_now, name="smoke_run"),
]
