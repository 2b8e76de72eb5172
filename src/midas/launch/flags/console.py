"""``/ops/launch/flags``: every feature flag with its state, who changed it last and a form
per flag (reason required); add a flag; take a good snapshot; restore the last good one."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from midas.errors import AppError
from midas.flags.models import FlagState
from midas.launch import actors
from midas.launch.console import launch_view, refused
from midas.launch.flags import selectors, services
from midas.launch.flags.actions import FLAG_ADD, FLAG_SET, FLAGS_RESTORE

NAV = [(40, "Flags", "launch_console:flags")]
TEMPLATE = "launch/console/flags.html"


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500)


def _context(request: HttpRequest, *, failed: str = "", form: forms.Form | None = None) -> dict:
    return {
        "flags": selectors.flags_list(),
        "states": FlagState.choices,
        "good": selectors.last_good_snapshot(),
        "may_change": actors.can(request.launch_actor, actors.FLAGS),
        "failed": failed,
        "form": form,
    }


@launch_view()
def flag_list(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATE, _context(request))


def _post(request: HttpRequest, form: forms.Form, failed: str, apply) -> HttpResponse:
    if not actors.can(request.launch_actor, actors.FLAGS):
        return render(request, "launch/console/forbidden.html", {"perm": actors.FLAGS}, status=403)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(request, failed=failed, form=form), status=400)
    try:
        apply(form.cleaned_data, request.launch_actor)
    except AppError as exc:
        return refused(request, exc, TEMPLATE, _context(request, failed=failed, form=form))
    return redirect("launch_console:flags")


@require_POST
@launch_view()
def flag_change(request: HttpRequest, key: str) -> HttpResponse:
    form = FLAG_SET.form({**request.POST.dict(), "key": key})
    return _post(request, form, key, FLAG_SET.apply)


@require_POST
@launch_view()
def flag_add(request: HttpRequest) -> HttpResponse:
    return _post(request, FLAG_ADD.form(request.POST), "add", FLAG_ADD.apply)


@require_POST
@launch_view()
def flags_snapshot(request: HttpRequest) -> HttpResponse:
    return _post(
        request,
        ReasonForm(request.POST),
        "snapshot",
        lambda d, a: services.flags_snapshot(good=True, reason=f"{d['reason']} ({a.label})"),
    )


@require_POST
@launch_view()
def flags_restore(request: HttpRequest) -> HttpResponse:
    return _post(request, FLAGS_RESTORE.form(request.POST), "restore", FLAGS_RESTORE.apply)


urlpatterns = [
    path("flags", flag_list, name="flags"),
    path("flags/add", flag_add, name="flag_add"),
    path("flags/snapshot", flags_snapshot, name="flags_snapshot"),
    path("flags/restore", flags_restore, name="flags_restore"),
    path("flags/<slug:key>", flag_change, name="flag_change"),
]
