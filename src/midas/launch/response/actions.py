"""The incidents' actions, declared once for ``midas incident
open|ack|confirm-breach|publish|resolve`` and the console's incidents page
(``midas.launch.actions``): open an incident (level 1 told at once), acknowledge one (its
escalation stops), confirm a breach on one (public, critical, rollback recommended), make a
staff-only one public on purpose (with a reason on the record), resolve one.

The incident's ``id`` is a positional argument on the command line and comes from the URL
in the console. Both sides check the components against the status page's list, and both
need a body to resolve (what the status page tells customers resolved it)."""

from __future__ import annotations

from typing import Any

from django import forms

from midas.launch import actors
from midas.launch.actions import Action
from midas.launch.response.escalation import incident_acknowledge
from midas.launch.response.selectors import incident_get
from midas.launch.response.services import (
    incident_close,
    incident_confirm_breach,
    incident_declare,
    incident_make_public,
)
from midas.status.models import Component, Incident, IncidentImpact


def _components() -> list[tuple[str, str]]:
    return list(Component.objects.values_list("key", "name"))


class OpenForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="what customers see on the status page",
    )
    impact = forms.ChoiceField(choices=IncidentImpact.choices, initial=IncidentImpact.MAJOR)
    components = forms.MultipleChoiceField(
        choices=_components,  # read when the form is checked, not when the parser is built
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Unknown component: %(value)s."},
        help_text="a status page component's key (repeat for more)",
    )
    staff_only = forms.BooleanField(
        required=False,
        help_text="for the team only: not on the public status page (confirm-breach makes "
        "it public)",
    )


class AckForm(forms.Form):
    id = forms.CharField(max_length=20, help_text="the incident's id (midas incident list)")


class ResolveForm(AckForm):
    body = forms.CharField(
        max_length=2000,
        error_messages={"required": "Say what resolved it."},
        help_text="what resolved it (the status page tells customers)",
    )


class ConfirmBreachForm(AckForm):
    reason = forms.CharField(
        max_length=500,
        error_messages={"required": "Say what confirms the breach; it goes on the record."},
        help_text="what confirms the breach (kept on the record, never shown publicly)",
    )
    components = forms.MultipleChoiceField(
        choices=_components,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Unknown component: %(value)s."},
        help_text="a status page component the breach affects (repeat for more)",
    )


class PublishForm(AckForm):
    reason = forms.CharField(
        max_length=500,
        error_messages={"required": "Say why it goes public; it goes on the record."},
        help_text="why it goes public now (kept on the record, never shown publicly)",
    )
    title = forms.CharField(
        max_length=200,
        required=False,
        initial="",
        help_text="the public title (default: the incident's own)",
    )
    body = forms.CharField(
        max_length=2000,
        required=False,
        initial="",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="what the status page says (default: investigating, updates to follow)",
    )


def _open(data: dict[str, Any], actor: actors.Actor) -> Incident:
    return incident_declare(
        title=data["title"],
        body=data["body"],
        impact=data["impact"],
        components=data["components"],
        public=not data.get("staff_only"),
        actor=actor,
    )


def _ack(data: dict[str, Any], actor: actors.Actor) -> Incident:
    incident = incident_get(data["id"])
    incident_acknowledge(incident=incident, actor=actor)
    return incident


def _confirm_breach(data: dict[str, Any], actor: actors.Actor) -> Incident:
    return incident_confirm_breach(
        incident=incident_get(data["id"]),
        reason=data["reason"],
        components=data.get("components") or [],
        actor=actor,
    )


def _publish(data: dict[str, Any], actor: actors.Actor) -> Incident:
    return incident_make_public(
        incident=incident_get(data["id"]),
        reason=data["reason"],
        title=data.get("title") or "",
        body=data.get("body") or "",
        actor=actor,
    )


def _resolve(data: dict[str, Any], actor: actors.Actor) -> Incident:
    return incident_close(incident=incident_get(data["id"]), body=data["body"], actor=actor)


INCIDENT_OPEN = Action(
    command=("open",),
    help="open an incident (level 1 told at once)",
    perm=actors.ACK,
    form=OpenForm,
    options={"components": "--component"},
    apply=_open,
    said=lambda incident: (
        f"Opened incident #{incident.pk} ({incident.impact}"
        f"{'' if incident.public else ', staff only'}); level 1 told."
    ),
)
INCIDENT_ACK = Action(
    command=("ack",),
    help="acknowledge incident ID (stops the escalation)",
    perm=actors.ACK,
    form=AckForm,
    positional=("id",),
    apply=_ack,
    said=lambda incident: f"Acknowledged incident #{incident.pk}.",
)
INCIDENT_CONFIRM_BREACH = Action(
    command=("confirm-breach",),
    help="confirm a breach on incident ID: public, critical, rollback recommended",
    perm=actors.ACK,
    form=ConfirmBreachForm,
    positional=("id",),
    options={"components": "--component"},
    apply=_confirm_breach,
    said=lambda incident: (
        f"Breach confirmed on incident #{incident.pk}: public and "
        f'{incident.impact}. Roll back: midas launch rollback --reason "breach confirmed on '
        f'incident #{incident.pk}"'
    ),
)
INCIDENT_PUBLISH = Action(
    command=("publish",),
    help="make staff-only incident ID public on purpose (a reason on the record)",
    perm=actors.ACK,
    form=PublishForm,
    positional=("id",),
    apply=_publish,
    said=lambda incident: (
        f"Incident #{incident.pk} is public: “{incident.title}” is on the status page."
    ),
)
INCIDENT_RESOLVE = Action(
    command=("resolve",),
    help="resolve incident ID",
    perm=actors.ACK,
    form=ResolveForm,
    positional=("id",),
    apply=_resolve,
    said=lambda incident: f"Resolved incident #{incident.pk}.",
)

ACTIONS = [
    INCIDENT_OPEN,
    INCIDENT_ACK,
    INCIDENT_CONFIRM_BREACH,
    INCIDENT_PUBLISH,
    INCIDENT_RESOLVE,
]
