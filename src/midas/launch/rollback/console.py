"""``/ops/launch/rollback``: preview the rollback's steps (with what a restore of a chosen
backup would lose), run it or record a dry run (the action of ``rollback.actions``, which
the command line runs too), and read every run's steps."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from midas.errors import AppError
from midas.launch import actors
from midas.launch.console import launch_view, refused
from midas.launch.models import RollbackRun
from midas.launch.rollback.actions import ROLLBACK_RUN
from midas.launch.rollback.services import rollback_plan

NAV = [(80, "Rollback", "launch_console:rollback")]
TEMPLATE = "launch/console/rollback.html"


def _backups() -> list:
    from midas.backups.manifest import BackupError, all_manifests
    from midas.backups.services import vendor

    try:
        return [m for m in all_manifests() if m.vendor == vendor()][:20]
    except BackupError:
        return []


def _context(request: HttpRequest, restore: str = "", form: forms.Form | None = None) -> dict:
    plan, target_error, target = [], "", None
    try:
        plan = rollback_plan(restore_backup=restore or None)
        if restore:
            from midas.launch.rollback.preview import resolve_target

            target = resolve_target(restore)
    except AppError as exc:
        target_error = exc.message
        plan = rollback_plan()
        restore = ""
    return {
        "plan": plan,
        "restore": restore,
        "target": target,
        "target_error": target_error,
        "backups": _backups(),
        "runs": RollbackRun.objects.order_by("-started_at", "-id")[:20],
        "form": form or ROLLBACK_RUN.form(initial={"restore": restore}),
        "may_roll_back": actors.can(request.launch_actor, actors.ROLLBACK),
    }


@launch_view()
def rollback(request: HttpRequest) -> HttpResponse:
    restore = request.GET.get("restore", "").strip()
    return render(request, TEMPLATE, _context(request, restore))


@require_POST
@launch_view(actors.ROLLBACK)
def rollback_start(request: HttpRequest) -> HttpResponse:
    form = ROLLBACK_RUN.form(request.POST)
    restore = request.POST.get("restore", "").strip()
    if not form.is_valid():
        return render(request, TEMPLATE, _context(request, restore, form), status=400)
    try:
        run = ROLLBACK_RUN.apply(form.cleaned_data, request.launch_actor)
    except AppError as exc:
        return refused(request, exc, TEMPLATE, _context(request, restore, form))
    return redirect("launch_console:rollback_run", pk=run.pk)


@launch_view()
def rollback_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = RollbackRun.objects.filter(pk=pk).first()
    if run is None:
        raise Http404
    return render(request, "launch/console/rollback_run.html", {"run": run})


urlpatterns = [
    path("rollback", rollback, name="rollback"),
    path("rollback/start", rollback_start, name="rollback_start"),
    path("rollback/<int:pk>", rollback_run_detail, name="rollback_run"),
]
