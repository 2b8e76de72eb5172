"""``/ops/launch/plan``: the checklist by section (tick with a note, edit) and launch day's
schedule (run or skip a step), plus "run the checks now" and "load the plan". Reading
needs VIEW; every change needs PLAN (and the step's own permissions), checked here and
again by the services. Tick, run, skip and load are the actions of ``plan.actions`` (the
command line's too); editing an item or a step has its own form here.

``/ops/launch/team``: the launch team by escalation level with primary and backup
contacts, vendor contacts, and the staff permission groups. Reading needs VIEW; changes
need PLAN (checked here and by ``plan.team``); they are the actions of ``plan.actions``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django import forms
from django.contrib.auth.models import Group
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from midas.launch import actors
from midas.launch.actions import Action
from midas.launch.console import launch_view, post_action, post_form
from midas.launch.models import ItemStatus
from midas.launch.plan import services as plan_services
from midas.launch.plan.actions import (
    CONTACT_SET,
    ITEM_TICK,
    PLAN_INIT,
    ROLE_SET,
    SHIFT_ADD,
    SHIFT_REMOVE,
    STAFF_GRANT,
    STEP_RUN,
    STEP_SKIP,
    VENDOR_SET,
)
from midas.launch.plan.checks import CHECKS
from midas.launch.plan.selectors import (
    LEVELS,
    checklist,
    item_by_key,
    parse_local,
    role_choices,
    roles,
    rota,
    schedule,
    step_by_key,
    vendors,
)
from midas.launch.state.selectors import launch_state, local_zone

NAV = [(10, "Plan", "launch_console:plan"), (20, "Team", "launch_console:team")]
TEMPLATE = "launch/console/plan.html"


class EditForm(forms.Form):
    title = forms.CharField(max_length=200)
    owner = forms.CharField(max_length=32, required=False)  # a role's key: roles are data
    due = forms.CharField(max_length=20, required=False, help_text="YYYY-MM-DD HH:MM, local")
    detail = forms.CharField(max_length=4000, required=False, widget=forms.Textarea)
    reason = forms.CharField(max_length=500, required=False)


class StepEditForm(forms.Form):
    at = forms.CharField(max_length=20, help_text="HH:MM or YYYY-MM-DD HH:MM, local")
    title = forms.CharField(max_length=200)
    automatic = forms.BooleanField(required=False)
    reason = forms.CharField(max_length=500, required=False)


def _context(request: HttpRequest, **extra) -> dict:
    state = launch_state(fresh=True)
    actor = request.launch_actor
    return {
        "state": state,
        "zone": local_zone(state),
        "sections": checklist(),
        "steps": schedule(state),
        "statuses": ItemStatus.choices,
        "roles": role_choices(),
        "checks": CHECKS,
        "now": timezone.now(),
        "may": {
            "plan": actors.can(actor, actors.PLAN),
            "phase": actors.can(actor, actors.PHASE),
        },
        **extra,
    }


@launch_view()
def plan(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATE, _context(request))


def _post(
    request: HttpRequest,
    form_class: type[forms.Form],
    apply: Callable[[dict, actors.Actor], object],
    anchor: str = "",
) -> HttpResponse:
    return post_form(
        request,
        perm=actors.PLAN,
        form_class=form_class,
        apply=apply,
        template=TEMPLATE,
        context=_context,
        success_url=reverse("launch_console:plan") + anchor,
    )


def _act(request: HttpRequest, action: Action, key: str, anchor: str) -> HttpResponse:
    return post_action(
        request,
        action,
        template=TEMPLATE,
        context=_context,
        success_url=reverse("launch_console:plan") + anchor,
        from_url={"key": key},
    )


def _item(key: str):
    item = item_by_key(key)
    if item is None:
        raise Http404
    return item


def _step(key: str):
    step = step_by_key(key)
    if step is None:
        raise Http404
    return step


@require_POST
@launch_view()
def item_tick(request: HttpRequest, key: str) -> HttpResponse:
    _item(key)
    return _act(request, ITEM_TICK, key, f"#item-{key}")


@require_POST
@launch_view()
def item_edit(request: HttpRequest, key: str) -> HttpResponse:
    item = _item(key)

    def apply(d: dict, actor: actors.Actor) -> None:
        due = parse_local(d["due"]) if d["due"].strip() else None
        plan_services.item_update(
            item=item,
            actor=actor,
            reason=d["reason"],
            title=d["title"],
            owner_role=d["owner"],
            due_at=due,
            detail=d["detail"],
        )

    return _post(request, EditForm, apply, f"#item-{key}")


@require_POST
@launch_view()
def step_run(request: HttpRequest, key: str) -> HttpResponse:
    _step(key)
    return _act(request, STEP_RUN, key, f"#step-{key}")


@require_POST
@launch_view()
def step_skip(request: HttpRequest, key: str) -> HttpResponse:
    _step(key)
    return _act(request, STEP_SKIP, key, f"#step-{key}")


@require_POST
@launch_view()
def step_edit(request: HttpRequest, key: str) -> HttpResponse:
    step = _step(key)
    return _post(
        request,
        StepEditForm,
        lambda d, a: plan_services.step_update(
            step=step,
            actor=a,
            reason=d["reason"],
            at=parse_local(d["at"]),
            title=d["title"],
            automatic=d["automatic"],
        ),
        f"#step-{key}",
    )


@require_POST
@launch_view()
def checks(request: HttpRequest) -> HttpResponse:
    return _post(request, forms.Form, lambda d, a: plan_services.checks_run())


@require_POST
@launch_view()
def init(request: HttpRequest) -> HttpResponse:
    return post_action(
        request,
        PLAN_INIT,
        template=TEMPLATE,
        context=_context,
        success_url=reverse("launch_console:plan"),
    )


TEAM_TEMPLATE = "launch/console/team.html"


def _team_context(request: HttpRequest, **extra) -> dict:
    return {
        "rows": roles(),
        "levels": LEVELS,
        "vendors": vendors(),
        "shifts": rota(since=timezone.now() - dt.timedelta(days=1)),
        "zone": local_zone(launch_state(fresh=True)),
        "groups": [
            (name, perms, Group.objects.filter(name=name).first())
            for name, perms in actors.GROUPS.items()
        ],
        "may_edit": actors.can(request.launch_actor, actors.PLAN),
        **extra,
    }


@launch_view()
def team(request: HttpRequest) -> HttpResponse:
    return render(request, TEAM_TEMPLATE, _team_context(request))


def _team_post(request: HttpRequest, action: Action) -> HttpResponse:
    return post_action(
        request,
        action,
        template=TEAM_TEMPLATE,
        context=_team_context,
        success_url=reverse("launch_console:team"),
    )


@require_POST
@launch_view()
def contact(request: HttpRequest) -> HttpResponse:
    return _team_post(request, CONTACT_SET)


@require_POST
@launch_view()
def vendor(request: HttpRequest) -> HttpResponse:
    return _team_post(request, VENDOR_SET)


@require_POST
@launch_view()
def grant(request: HttpRequest) -> HttpResponse:
    return _team_post(request, STAFF_GRANT)


@require_POST
@launch_view()
def role(request: HttpRequest) -> HttpResponse:
    return _team_post(request, ROLE_SET)


@require_POST
@launch_view()
def shift_add(request: HttpRequest) -> HttpResponse:
    return _team_post(request, SHIFT_ADD)


@require_POST
@launch_view()
def shift_remove(request: HttpRequest) -> HttpResponse:
    return _team_post(request, SHIFT_REMOVE)


urlpatterns = [
    path("plan", plan, name="plan"),
    path("plan/init", init, name="plan_init"),
    path("plan/checks", checks, name="plan_checks"),
    path("plan/item/<slug:key>/tick", item_tick, name="plan_item_tick"),
    path("plan/item/<slug:key>/edit", item_edit, name="plan_item_edit"),
    path("plan/step/<slug:key>/run", step_run, name="plan_step_run"),
    path("plan/step/<slug:key>/skip", step_skip, name="plan_step_skip"),
    path("plan/step/<slug:key>/edit", step_edit, name="plan_step_edit"),
    path("team", team, name="team"),
    path("team/contact", contact, name="team_contact"),
    path("team/vendor", vendor, name="team_vendor"),
    path("team/grant", grant, name="team_grant"),
    path("team/role", role, name="team_role"),
    path("team/shift", shift_add, name="team_shift_add"),
    path("team/shift/remove", shift_remove, name="team_shift_remove"),
]
