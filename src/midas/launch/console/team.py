"""``/ops/launch/team``: the launch team by escalation level with primary and backup
contacts, vendor contacts, and the staff permission groups. Reading needs VIEW; changes
need PLAN (checked here and by ``team_services``)."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from midas.launch import actors, team_services
from midas.launch.console import launch_view, post_form
from midas.launch.models import RoleKey
from midas.launch.team_selectors import LEVELS, roles, vendors

NAV = (20, "Team", "launch_console:team")
TEMPLATE = "launch/console/team.html"


class ContactForm(forms.Form):
    role = forms.ChoiceField(choices=RoleKey.choices)
    backup = forms.BooleanField(required=False)
    name = forms.CharField(max_length=120)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)
    slack = forms.CharField(max_length=80, required=False)
    user = forms.EmailField(required=False, help_text="the contact's staff account")


class VendorForm(forms.Form):
    service = forms.CharField(max_length=32)
    vendor = forms.CharField(max_length=80)
    name = forms.CharField(max_length=120, required=False)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    notes = forms.CharField(max_length=2000, required=False)


class GrantForm(forms.Form):
    email = forms.EmailField()
    group = forms.ChoiceField(choices=[(g, g) for g in actors.GROUPS])


def _context(request: HttpRequest, **extra) -> dict:
    return {
        "rows": roles(),
        "levels": LEVELS,
        "vendors": vendors(),
        "groups": [
            (name, perms, Group.objects.filter(name=name).first())
            for name, perms in actors.GROUPS.items()
        ],
        "may_edit": actors.can(request.launch_actor, actors.PLAN),
        **extra,
    }


@launch_view()
def team(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATE, _context(request))


def _post(
    request: HttpRequest,
    form_class: type[forms.Form],
    apply: Callable[[dict, actors.Actor], object],
) -> HttpResponse:
    return post_form(
        request,
        perm=actors.PLAN,
        form_class=form_class,
        apply=apply,
        template=TEMPLATE,
        context=_context,
        success_url=reverse("launch_console:team"),
    )


@require_POST
@launch_view()
def contact(request: HttpRequest) -> HttpResponse:
    return _post(
        request,
        ContactForm,
        lambda d, a: team_services.contact_set(
            role=d["role"],
            backup=d["backup"],
            name=d["name"],
            email=d["email"],
            phone=d["phone"],
            slack_handle=d["slack"],
            user_email=d["user"],
            actor=a,
        ),
    )


@require_POST
@launch_view()
def vendor(request: HttpRequest) -> HttpResponse:
    return _post(request, VendorForm, lambda d, a: team_services.vendor_set(actor=a, **d))


@require_POST
@launch_view()
def grant(request: HttpRequest) -> HttpResponse:
    return _post(
        request,
        GrantForm,
        lambda d, a: team_services.staff_grant(user=d["email"], group=d["group"], actor=a),
    )


urlpatterns = [
    path("team", team, name="team"),
    path("team/contact", contact, name="team_contact"),
    path("team/vendor", vendor, name="team_vendor"),
    path("team/grant", grant, name="team_grant"),
]
