"""``/ops/launch/access``: who gets in — admitted, waiting, refused and active visitors with
the gate, ramp and capacity; VIP invitations (create one, upload a CSV, withdraw); the
waitlist (tell it the doors opened); beta feedback triage (status, severity, note).
Viewing needs ``VIEW``; changing needs ``PLAN`` (the services check it again). Creating and
withdrawing an invitation are the actions of ``access.actions`` (the command line's too)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from midas.errors import AppError
from midas.launch import actors
from midas.launch.access import invites as access_invites
from midas.launch.access import selectors, services
from midas.launch.access.actions import INVITE_CREATE, INVITE_REVOKE
from midas.launch.console import console_actor, launch_view, refused, with_url
from midas.launch.models import Feedback, FeedbackStatus, GateMode
from midas.launch.state.selectors import launch_state

NAV = [(35, "Access", "launch_console:access")]
TEMPLATE = "launch/console/access.html"
WAITLIST_TEMPLATE = "launch/console/access_waitlist.html"
FEEDBACK_TEMPLATE = "launch/console/access_feedback.html"


class ImportForm(forms.Form):
    file = forms.FileField()
    send = forms.BooleanField(required=False)


def _context(request: HttpRequest, **extra) -> dict:
    state = launch_state(fresh=True)
    return {
        "state": state,
        "gate_label": GateMode(state.gate_mode).label,
        "counts": selectors.admission_counts(),
        "active_minutes": selectors.ACTIVE_MINUTES,
        "invites": selectors.invites_list(),
        "invite_form": extra.get("invite_form") or INVITE_CREATE.form(),
        "import_form": extra.get("import_form") or ImportForm(),
        "import_errors": extra.get("import_errors", []),
        "may_manage": actors.can(request.launch_actor, actors.PLAN),
        "now": timezone.now(),
    }


@launch_view()
def access(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATE, _context(request))


@require_POST
@launch_view(actors.PLAN)
def invite_create(request: HttpRequest) -> HttpResponse:
    form = INVITE_CREATE.form(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(request, invite_form=form), status=400)
    data = form.cleaned_data
    try:
        invite = INVITE_CREATE.apply(data, request.launch_actor)
    except AppError as exc:
        return refused(request, exc, TEMPLATE, _context(request, invite_form=form))
    messages.success(
        request,
        f"Invitation {invite.code} created"
        + (" and sent." if data["send"] else ".")
        + f" Link: {access_invites.invite_link(invite)}",
    )
    return redirect("launch_console:access")


@require_POST
@launch_view(actors.PLAN)
def invite_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(request, import_form=form), status=400)
    actor = request.launch_actor
    try:
        invites = access_invites.invites_import_csv(form.cleaned_data["file"], actor=actor)
        if form.cleaned_data["send"]:
            for invite in invites:
                access_invites.invite_send(invite=invite, actor=actor)
    except AppError as exc:
        lines = exc.message.splitlines()
        context = _context(request, import_form=form, import_errors=lines)
        return refused(request, AppError(exc.code, "The file was not imported."), TEMPLATE, context)
    messages.success(request, f"Imported {len(invites)} invitation(s).")
    return redirect("launch_console:access")


@require_POST
@launch_view(actors.PLAN)
def invite_revoke(request: HttpRequest, code: str) -> HttpResponse:
    try:  # a bad reason is refused as the command line refuses it (invalid_input, 400)
        INVITE_REVOKE.run(with_url(request, {"code": code}), request.launch_actor)
    except AppError as exc:
        return refused(request, exc, TEMPLATE, _context(request))
    messages.success(request, f"Invitation {code} withdrawn.")
    return redirect("launch_console:access")


@launch_view()
def waitlist(request: HttpRequest) -> HttpResponse:
    return render(request, WAITLIST_TEMPLATE, _waitlist_context(request))


def _waitlist_context(request: HttpRequest) -> dict:
    state = launch_state(fresh=True)
    return {
        "waitlist_entries": selectors.waitlist_list(),
        "counts": selectors.waitlist_counts(),
        "doors_open": services.doors_open(services.Gate.of(state), state.phase),
        "may_manage": actors.can(request.launch_actor, actors.PLAN),
    }


@require_POST
@launch_view(actors.PLAN)
def waitlist_notify(request: HttpRequest) -> HttpResponse:
    try:
        told = services.waitlist_notify(
            actor=console_actor(request), override_go=request.POST.get("override_go", "")
        )
    except AppError as exc:
        return refused(request, exc, WAITLIST_TEMPLATE, _waitlist_context(request))
    messages.success(request, f"Told {told} address(es) the doors are open.")
    return redirect("launch_console:access_waitlist")


def _feedback_context(request: HttpRequest) -> dict:
    status = request.GET.get("status", "")
    return {
        "summary": selectors.feedback_summary(),
        "items": selectors.feedback_list(status=status if status in FeedbackStatus.values else ""),
        "statuses": FeedbackStatus.choices,
        "severities": services.SEVERITIES,
        "status": status,
        "may_manage": actors.can(request.launch_actor, actors.PLAN),
    }


@launch_view()
def feedback(request: HttpRequest) -> HttpResponse:
    return render(request, FEEDBACK_TEMPLATE, _feedback_context(request))


@require_POST
@launch_view(actors.PLAN)
def feedback_triage(request: HttpRequest, pk: int) -> HttpResponse:
    item = Feedback.objects.filter(pk=pk).first()
    if item is None:
        raise Http404
    try:
        services.feedback_triage(
            feedback=item,
            actor=request.launch_actor,
            status=request.POST.get("status", ""),
            severity=request.POST.get("severity", ""),
            note=request.POST.get("note", ""),
        )
    except AppError as exc:
        return refused(request, exc, FEEDBACK_TEMPLATE, _feedback_context(request))
    messages.success(request, f"Feedback #{pk} triaged.")
    return redirect("launch_console:access_feedback")


urlpatterns = [
    path("access", access, name="access"),
    path("access/invites", invite_create, name="access_invite_create"),
    path("access/invites/import", invite_import, name="access_invite_import"),
    path("access/invites/<str:code>/revoke", invite_revoke, name="access_invite_revoke"),
    path("access/waitlist", waitlist, name="access_waitlist"),
    path("access/waitlist/notify", waitlist_notify, name="access_waitlist_notify"),
    path("access/feedback", feedback, name="access_feedback"),
    path("access/feedback/<int:pk>/triage", feedback_triage, name="access_feedback_triage"),
]
