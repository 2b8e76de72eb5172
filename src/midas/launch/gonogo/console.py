"""``/ops/launch/gonogo``: the go/no-go as it would be decided now — evaluated on load and
again every ``REFRESH_SECONDS`` (``/ops/launch/gonogo/now``, the fragment ``launch/console.js``
swaps in, as the overview's ``/ops/launch/now``; read only) —, keeping a record (the launch
group: a deliberate POST), the records kept, and one record with its criteria, reasons, beta
feedback, the sign-offs given and the signers still to sign.

Who: anyone with VIEW sees and evaluates; recording needs PLAN (the launch group — an
executive views and signs but does not record); signing is decided by the service (the
role's contacts, or SIGN_OFF holders for a role without linked contacts). Keeping a record
and signing are the actions of ``gonogo.actions``, which the command line runs too.

``/ops/launch/report``: the plan's success metrics against their targets, for launch day
06:00 local to now by default, or a window chosen in the form."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from midas.errors import AppError
from midas.launch import actors
from midas.launch.actions import Action
from midas.launch.console import launch_view, post_action, refused, with_url
from midas.launch.console.selectors import verdict
from midas.launch.gonogo import selectors
from midas.launch.gonogo.actions import (
    GONOGO_RECORD,
    SIGNOFF_ADD,
    WAIVER_ADD,
    WAIVER_WITHDRAW,
    SignForm,
    WaiveForm,
)
from midas.launch.gonogo.report import launch_report
from midas.launch.models import LaunchRole

NAV = [
    (70, "Go/no-go", "launch_console:gonogo"),
    (72, "Waivers", "launch_console:gonogo_waivers"),
    (90, "Report", "launch_console:report"),
]
LIST_TEMPLATE = "launch/console/gonogo.html"
NOW_TEMPLATE = "launch/console/gonogo_now.html"
DETAIL_TEMPLATE = "launch/console/gonogo_record.html"
REFRESH_SECONDS = 60  # the live verdict is evaluated again every minute


def _now_context() -> dict:
    """The live verdict (``console.selectors.verdict``: read only, never recorded; a failure
    to evaluate is shown, not raised)."""
    evaluation, problem = verdict(now=timezone.now())
    return {"evaluation": evaluation, "problem": problem, "refresh_seconds": REFRESH_SECONDS}


def _list_context(request: HttpRequest) -> dict:
    return {
        **_now_context(),
        "records": selectors.records_list(),
        "may_record": actors.can(request.launch_actor, actors.PLAN),
    }


@launch_view()
def gonogo_page(request: HttpRequest) -> HttpResponse:
    return render(request, LIST_TEMPLATE, _list_context(request))


@require_GET
@launch_view()
def gonogo_now(request: HttpRequest) -> HttpResponse:
    """The live verdict alone, for the page to swap in every minute."""
    return render(request, NOW_TEMPLATE, _now_context())


def _forbidden(request: HttpRequest, action: Action) -> HttpResponse | None:
    if actors.can(request.launch_actor, action.perm):
        return None
    return render(request, "launch/console/forbidden.html", {"perm": action.perm}, status=403)


@require_POST
@launch_view()
def record_new(request: HttpRequest) -> HttpResponse:
    if (forbidden := _forbidden(request, GONOGO_RECORD)) is not None:
        return forbidden
    try:
        record = GONOGO_RECORD.run({}, request.launch_actor)
    except AppError as exc:
        return refused(request, exc, LIST_TEMPLATE, _list_context(request))
    messages.success(request, GONOGO_RECORD.said(record))
    return redirect("launch_console:gonogo_record", record_id=record.pk)


def _signable_roles(actor: actors.Actor, signed: set[str]) -> list[LaunchRole]:
    return [
        role
        for role in LaunchRole.objects.filter(signs_gonogo=True)  # the plan's signers
        if role.key not in signed and selectors.may_sign(actor, role)
    ]


def _detail_context(request: HttpRequest, record, form: forms.Form | None = None) -> dict:
    signoffs = list(record.signoffs.all())
    signed = {s.role.key for s in signoffs}
    roles = _signable_roles(request.launch_actor, signed)
    return {
        "record": record,
        "signoffs": signoffs,
        "unsigned": selectors.signers_pending(record),
        "roles": roles,
        "form": form or SignForm(),
        "checklist": [c for c in record.criteria if c["key"].startswith("checklist")],
        "live": [c for c in record.criteria if not c["key"].startswith("checklist")],
        "feedback": record.feedback,
        "low": record.feedback.get("low") or [],
    }


@launch_view()
def record_detail(request: HttpRequest, record_id: int) -> HttpResponse:
    try:
        record = selectors.record_get(record_id)
    except AppError as exc:
        return refused(request, exc, LIST_TEMPLATE, _list_context(request))
    return render(request, DETAIL_TEMPLATE, _detail_context(request, record))


@require_POST
@launch_view()
def record_sign(request: HttpRequest, record_id: int) -> HttpResponse:
    try:
        record = selectors.record_get(record_id)
    except AppError as exc:
        return refused(request, exc, LIST_TEMPLATE, _list_context(request))
    if (forbidden := _forbidden(request, SIGNOFF_ADD)) is not None:
        return forbidden
    form = SIGNOFF_ADD.form(with_url(request, {"id": record.pk}))
    if not form.is_valid():
        return render(request, DETAIL_TEMPLATE, _detail_context(request, record, form), status=400)
    try:
        SIGNOFF_ADD.apply(form.cleaned_data, request.launch_actor)
    except AppError as exc:
        return refused(request, exc, DETAIL_TEMPLATE, _detail_context(request, record, form))
    return redirect("launch_console:gonogo_record", record_id=record.pk)


WAIVERS_TEMPLATE = "launch/console/gonogo_waivers.html"


def _waivers_context(request: HttpRequest) -> dict:
    now = timezone.now()
    waivers = selectors.waivers_list()
    return {
        "in_force": [w for w in waivers if w.in_force(now)],
        "past": [w for w in waivers if not w.in_force(now)],
        "form": WaiveForm(),
        "criteria": [(key, selectors.owner_of(key)) for key in selectors.criterion_keys()],
    }


@launch_view()
def waivers_page(request: HttpRequest) -> HttpResponse:
    """Waivers in force and past, and the form to waive a criterion (its owner only: the
    service decides)."""
    return render(request, WAIVERS_TEMPLATE, _waivers_context(request))


@require_POST
@launch_view()
def waiver_new(request: HttpRequest) -> HttpResponse:
    return post_action(
        request,
        WAIVER_ADD,
        template=WAIVERS_TEMPLATE,
        context=lambda request, **kw: {**_waivers_context(request), **kw},
        success_url="launch_console:gonogo_waivers",
    )


@require_POST
@launch_view()
def waiver_withdraw(request: HttpRequest, waiver_id: int) -> HttpResponse:
    return post_action(
        request,
        WAIVER_WITHDRAW,
        template=WAIVERS_TEMPLATE,
        context=lambda request, **kw: {**_waivers_context(request), **kw},
        success_url="launch_console:gonogo_waivers",
        from_url={"id": waiver_id},
    )


TEMPLATE = "launch/console/report.html"
GROUPS = (
    ("technical", "Technical"),
    ("business", "Business"),
    ("experience", "User experience"),
)


class WindowForm(forms.Form):
    start = forms.DateTimeField(required=False, label="From")
    end = forms.DateTimeField(required=False, label="To")


@launch_view()
def report(request: HttpRequest) -> HttpResponse:
    form = WindowForm(request.GET or None)
    context: dict = {"form": form, "report": None, "groups": []}
    if form.is_bound and not form.is_valid():
        return render(request, TEMPLATE, context, status=400)
    data = form.cleaned_data if form.is_bound else {}
    try:
        result = launch_report(start=data.get("start"), end=data.get("end"))
    except AppError as exc:
        return refused(request, exc, TEMPLATE, context)
    context["report"] = result
    context["groups"] = [
        (title, [row for row in result.rows if row.group == key]) for key, title in GROUPS
    ]
    return render(request, TEMPLATE, context)


urlpatterns = [
    path("gonogo", gonogo_page, name="gonogo"),
    path("gonogo/now", gonogo_now, name="gonogo_now"),
    path("gonogo/record", record_new, name="gonogo_new"),
    path("gonogo/<int:record_id>", record_detail, name="gonogo_record"),
    path("gonogo/<int:record_id>/sign", record_sign, name="gonogo_sign"),
    path("gonogo/waivers", waivers_page, name="gonogo_waivers"),
    path("gonogo/waivers/new", waiver_new, name="gonogo_waiver_new"),
    path("gonogo/waivers/<int:waiver_id>/withdraw", waiver_withdraw, name="gonogo_waiver_withdraw"),
    path("report", report, name="report"),
]
